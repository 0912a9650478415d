/// Turns the terminal's input codes into `Key`s through one table.
///
/// Relies on ncurses in `keypad(TRUE)` mode with `wget_wch`: function keys arrive as `KEY_*`
/// codes (flagged `isFunctionKey`), everything else as Unicode scalars, with control characters
/// as their C0 codes. The `KEY_*` values below are ncurses' own (`<ncurses.h>`), fixed since
/// ncurses 1.9, written here so that only `NCursesTerminal.swift` imports the C module.
public enum KeyDecoder {
  /// ncurses function-key codes.
  public enum Code {
    public static let down: UInt32 = 0o402
    public static let up: UInt32 = 0o403
    public static let left: UInt32 = 0o404
    public static let right: UInt32 = 0o405
    public static let home: UInt32 = 0o406
    public static let backspace: UInt32 = 0o407
    public static let f0: UInt32 = 0o410
    public static let delete: UInt32 = 0o512
    public static let pageDown: UInt32 = 0o522
    public static let pageUp: UInt32 = 0o523
    public static let enter: UInt32 = 0o527
    public static let backTab: UInt32 = 0o541
    public static let end: UInt32 = 0o550
    public static let resize: UInt32 = 0o632
  }

  static let functionKeys: [UInt32: Key] = [
    Code.down: .down, Code.up: .up, Code.left: .left, Code.right: .right, Code.home: .home,
    Code.backspace: .backspace, Code.delete: .delete, Code.pageDown: .pageDown,
    Code.pageUp: .pageUp, Code.enter: .enter, Code.backTab: .backTab, Code.end: .end,
    Code.resize: .resize,
  ]

  static let controlCharacters: [UInt32: Key] = [
    0x09: .tab, 0x0A: .enter, 0x0D: .enter, 0x1B: .escape, 0x7F: .backspace, 0x08: .backspace,
  ]

  /// Decodes one input code; nil for codes QuantScope does not use.
  public static func decode(_ code: UInt32, isFunctionKey: Bool) -> Key? {
    if isFunctionKey {
      if let key = functionKeys[code] { return key }
      if code > Code.f0 && code <= Code.f0 + 12 { return .function(Int(code - Code.f0)) }
      return nil
    }
    if let key = controlCharacters[code] { return key }
    if code >= 1 && code <= 26 {
      return .control(Character(Unicode.Scalar(code + 0x60) ?? "?"))
    }
    guard code >= 0x20, let scalar = Unicode.Scalar(code) else { return nil }
    return .character(Character(scalar))
  }

  // MARK: - Mouse reports

  /// The most codes after ESC a mouse report takes (`[<64;10000;10000M`).
  public static let longestMouseReport = 20

  /// True while `codes` (read after ESC) can still become an SGR mouse report `[<b;x;yM`.
  public static func isMouseReportPrefix(_ codes: [UInt32]) -> Bool {
    for (index, code) in codes.enumerated() {
      switch index {
      case 0: if code != 0x5B { return false }  // [
      case 1: if code != 0x3C { return false }  // <
      default:
        let isLast = index == codes.count - 1
        let isDigitOrSeparator = (0x30...0x39).contains(code) || code == 0x3B
        if !(isDigitOrSeparator || (isLast && isMouseReportEnd(code))) { return false }
      }
    }
    return true
  }

  /// `M` (press) or `m` (release).
  public static func isMouseReportEnd(_ code: UInt32) -> Bool { code == 0x4D || code == 0x6D }

  /// The mouse event of the codes after ESC, when they are exactly one SGR report.
  public static func mouseReport(_ codes: [UInt32]) -> MouseEvent? {
    guard codes.count >= 4, isMouseReportPrefix(codes), let last = codes.last,
      isMouseReportEnd(last)
    else {
      return nil
    }
    let parameters = String(
      String.UnicodeScalarView(codes[2..<(codes.count - 1)].compactMap(Unicode.Scalar.init)))
    return MouseEvent.sgr(parameters: parameters, final: last == 0x4D ? "M" : "m")
  }
}
