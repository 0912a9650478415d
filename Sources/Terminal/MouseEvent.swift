/// One mouse report: which button or wheel direction, press or release, and the cell (0-based).
///
/// Decoded from xterm's SGR 1006 form `ESC [ < b ; x ; y M` (press) or `… m` (release), where
/// `b` holds the button in its low 2 bits plus 64 for the wheel, 4/8/16 for Shift/Alt/Ctrl and
/// 32 for motion, and x, y count from 1.
public struct MouseEvent: Sendable, Hashable, CustomStringConvertible {
  /// The button or wheel direction.
  public enum Button: Sendable, Hashable {
    case left, middle, right
    case wheelUp, wheelDown
  }

  public var button: Button
  /// True for a press (and every wheel step), false for a release.
  public var isPress: Bool
  /// Column, from 0.
  public var x: Int
  /// Row, from 0.
  public var y: Int

  public init(button: Button, isPress: Bool = true, x: Int, y: Int) {
    self.button = button
    self.isPress = isPress
    self.x = x
    self.y = y
  }

  public var description: String {
    switch button {
    case .left: "click"
    case .middle: "middle click"
    case .right: "right click"
    case .wheelUp, .wheelDown: "wheel"
    }
  }

  /// The event of an SGR report's parameters (`0;12;5`) and final byte (`M` or `m`); nil for
  /// motion reports, unknown buttons and malformed text.
  public static func sgr(parameters: String, final: Character) -> MouseEvent? {
    guard final == "M" || final == "m" else { return nil }
    let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
    guard numbers.count == 3, let code = numbers[0], let column = numbers[1], let row = numbers[2],
      column >= 1, row >= 1, code >= 0
    else { return nil }
    // Motion (drag, hover) is not used.
    if code & 32 != 0 { return nil }
    let button: Button
    if code & 64 != 0 {
      switch code & 3 {
      case 0: button = .wheelUp
      case 1: button = .wheelDown
      default: return nil
      }
    } else {
      switch code & 3 {
      case 0: button = .left
      case 1: button = .middle
      case 2: button = .right
      default: return nil
      }
    }
    return MouseEvent(button: button, isPress: final == "M", x: column - 1, y: row - 1)
  }
}
