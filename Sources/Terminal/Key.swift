/// A key press, decoded from the terminal's input.
public enum Key: Sendable, Hashable, CustomStringConvertible {
  /// A printable character (letters, digits, punctuation, space).
  case character(Character)
  case up, down, left, right
  case pageUp, pageDown, home, end
  case enter, escape, tab, backTab, backspace, delete
  /// Ctrl plus a letter (lower case), e.g. `.control("c")`.
  case control(Character)
  /// The terminal was resized.
  case resize
  /// A function key F1...F12.
  case function(Int)
  /// A mouse button or wheel event (xterm SGR 1006 reporting).
  case mouse(MouseEvent)

  /// How help and hint bars spell the key.
  public var description: String {
    switch self {
    case .character(" "): "space"
    case .character(let character): String(character)
    case .up: "↑"
    case .down: "↓"
    case .left: "←"
    case .right: "→"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .home: "Home"
    case .end: "End"
    case .enter: "⏎"
    case .escape: "esc"
    case .tab: "tab"
    case .backTab: "S-tab"
    case .backspace: "⌫"
    case .delete: "del"
    case .control(let character): "^" + String(character).uppercased()
    case .resize: "resize"
    case .function(let number): "F\(number)"
    case .mouse(let event): event.description
    }
  }
}
