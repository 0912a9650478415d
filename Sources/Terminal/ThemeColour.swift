/// A colour of a theme file: the terminal default, a palette index, or 24-bit RGB.
public enum ThemeColour: Sendable, Hashable, CustomStringConvertible {
  /// `""`: the terminal's own foreground or background.
  case terminalDefault
  /// `0`...`255`: an xterm palette index.
  case index(UInt8)
  /// `#rrggbb`.
  case rgb(UInt8, UInt8, UInt8)

  /// Parses a theme value (without quotes): `""`, `#rrggbb` or `0`...`255`.
  public init?(parsing text: String) {
    if text.isEmpty {
      self = .terminalDefault
    } else if text.hasPrefix("#") {
      let hex = text.dropFirst()
      guard hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
      self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    } else if let index = UInt8(text) {
      self = .index(index)
    } else {
      return nil
    }
  }

  /// The theme-file spelling (without quotes).
  public var description: String {
    switch self {
    case .terminalDefault: ""
    case .index(let index): String(index)
    case .rgb(let r, let g, let b): "#" + [r, g, b].map(ThemeColour.hexByte).joined()
    }
  }

  private static func hexByte(_ value: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(value >> 4)], digits[Int(value & 0xF)]])
  }

  // MARK: - Palette mapping

  /// The RGB value of this colour in the xterm palette (nil for the terminal default).
  public var rgbValue: (r: Int, g: Int, b: Int)? {
    switch self {
    case .terminalDefault: return nil
    case .rgb(let r, let g, let b): return (Int(r), Int(g), Int(b))
    case .index(let index): return ThemeColour.xtermRGB(Int(index))
    }
  }

  /// The palette index to use on a terminal with `colours` colours (8, 16, 88 or 256+);
  /// -1 = terminal default.
  public func paletteIndex(colours: Int) -> Int {
    switch self {
    case .terminalDefault: return -1
    case .index(let index) where Int(index) < colours: return Int(index)
    default:
      guard let (r, g, b) = rgbValue else { return -1 }
      // On 256-colour terminals only the fixed cube and grey ramp are used: entries 0-15 are
      // whatever the user's palette makes them.
      if colours >= 256 { return ThemeColour.nearest(r, g, b, in: 16..<256) }
      return ThemeColour.nearest(r, g, b, in: 0..<(colours >= 16 ? 16 : 8))
    }
  }

  /// Linear interpolation in RGB between two colours (t in 0...1); the terminal default stays.
  public static func mix(_ a: ThemeColour, _ b: ThemeColour, _ t: Double) -> ThemeColour {
    guard let x = a.rgbValue, let y = b.rgbValue else { return t < 0.5 ? a : b }
    func lerp(_ p: Int, _ q: Int) -> UInt8 {
      UInt8(clamping: Int((Double(p) + (Double(q) - Double(p)) * t).rounded()))
    }
    return .rgb(lerp(x.r, y.r), lerp(x.g, y.g), lerp(x.b, y.b))
  }

  /// The RGB of xterm palette entry `index` (the standard 16, the 6×6×6 cube, the grey ramp).
  static func xtermRGB(_ index: Int) -> (r: Int, g: Int, b: Int) {
    let basic: [(Int, Int, Int)] = [
      (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
      (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
      (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    if index < 16 { return basic[max(0, index)] }
    if index < 232 {
      let cube = index - 16
      let steps = [0, 95, 135, 175, 215, 255]
      return (steps[cube / 36], steps[(cube / 6) % 6], steps[cube % 6])
    }
    let grey = 8 + (index - 232) * 10
    return (grey, grey, grey)
  }

  /// The nearest of the palette entries `candidates` by squared RGB distance.
  static func nearest(_ r: Int, _ g: Int, _ b: Int, in candidates: Range<Int>) -> Int {
    var best = candidates.lowerBound
    var bestDistance = Int.max
    for index in candidates {
      let (pr, pg, pb) = xtermRGB(index)
      let distance = (pr - r) * (pr - r) + (pg - g) * (pg - g) + (pb - b) * (pb - b)
      if distance < bestDistance {
        best = index
        bestDistance = distance
      }
    }
    return best
  }
}
