/// How one canvas cell is drawn: a theme role, an optional place on the heat gradient, and
/// attributes that also carry meaning without colour.
public struct CellStyle: Sendable, Hashable {
  /// Number of steps of the heat gradient (`heat` runs 0..<heatSteps).
  public static let heatSteps = 8

  public var role: ThemeRole
  /// Place on the heat gradient (0 = best), or nil for a plain role colour.
  public var heat: UInt8?
  public var isBold: Bool
  public var isDim: Bool
  public var isUnderlined: Bool
  /// Drawn in reverse video (also the monochrome stand-in for `selection`).
  public var isReversed: Bool
  /// Drawn on the selection background (the selected row).
  public var isSelected: Bool
  /// Drawn on the header-bar background.
  public var isHeaderBar: Bool

  public init(
    _ role: ThemeRole = .text, heat: Int? = nil, bold: Bool = false, dim: Bool = false,
    underlined: Bool = false, reversed: Bool = false, selected: Bool = false,
    headerBar: Bool = false
  ) {
    self.role = role
    self.heat = heat.map { UInt8(clamping: max(0, min(CellStyle.heatSteps - 1, $0))) }
    self.isBold = bold
    self.isDim = dim
    self.isUnderlined = underlined
    self.isReversed = reversed
    self.isSelected = selected
    self.isHeaderBar = headerBar
  }

  public static let text = CellStyle(.text)
  public static let muted = CellStyle(.muted)

  /// A heat cell style for `position` in 0...1 (0 = best).
  public static func heat(_ position: Double) -> CellStyle {
    let clamped = position.isFinite ? max(0, min(1, position)) : 1
    return CellStyle(.heatMid, heat: Int((clamped * Double(heatSteps - 1)).rounded()))
  }

  /// This style on the selection background.
  public var selected: CellStyle {
    var copy = self
    copy.isSelected = true
    return copy
  }

  /// This style in bold.
  public var bold: CellStyle {
    var copy = self
    copy.isBold = true
    return copy
  }

  /// The letter of this style in snapshot role maps: the heat step digit, else the role's letter
  /// (upper-cased selection rows are marked by `S` only where the role is plain text).
  public var mapLetter: Character {
    if let heat { return Character(String(heat)) }
    if isSelected && role == .text { return "S" }
    return role.mapLetter
  }
}
