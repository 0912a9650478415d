/// Colours for every `ThemeRole`, plus whether to draw without colour (attributes only).
public struct Theme: Sendable, Equatable {
  /// The theme's name (file name without `.theme`, or "default").
  public var name: String
  public var colours: [ThemeRole: ThemeColour]
  /// Draw with attributes only (NO_COLOR, a terminal without colours, or the mono theme).
  public var isMonochrome: Bool

  public init(name: String, colours: [ThemeRole: ThemeColour], isMonochrome: Bool = false) {
    self.name = name
    self.colours = colours
    self.isMonochrome = isMonochrome
  }

  /// The colour of `role`, falling back to the built-in default.
  public func colour(_ role: ThemeRole) -> ThemeColour {
    colours[role] ?? Theme.builtIn.colours[role] ?? .terminalDefault
  }

  /// The colour of heat step `step` (0..<CellStyle.heatSteps): start → mid → end.
  public func heatColour(_ step: Int) -> ThemeColour {
    let t = Double(step) / Double(CellStyle.heatSteps - 1)
    if t <= 0.5 { return ThemeColour.mix(colour(.heatStart), colour(.heatMid), t * 2) }
    return ThemeColour.mix(colour(.heatMid), colour(.heatEnd), (t - 0.5) * 2)
  }

  /// The theme text of this theme: one `key = "value"` per role, with its comment.
  public var fileText: String {
    var lines = [
      "# QuantScope theme: \(name)",
      "# key = \"value\": #rrggbb, a palette index 0-255, or \"\" for the terminal default", "",
    ]
    for role in ThemeRole.allCases {
      lines.append("# \(Theme.roleComments[role] ?? role.rawValue)")
      lines.append("\(role.rawValue) = \"\(colour(role))\"")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
