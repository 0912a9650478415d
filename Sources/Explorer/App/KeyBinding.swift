import Terminal

/// One entry of the key-binding table: the keys, the action, where it applies, and its texts.
/// The same table dispatches keys, fills the hint bar and generates the Help screen.
public struct KeyBinding: Sendable {
  public var keys: [Key]
  public var action: Action
  /// Screens where the binding applies (empty = everywhere).
  public var screens: Set<ScreenKind>
  /// What the help screen says.
  public var summary: String
  /// The short hint-bar text (nil = not in the hint bar).
  public var hint: String?
  /// Screens where the hint yields to the others: it goes after them in the key bar, so it is the
  /// first to lose its label when room is short (the model screen's metric, worst, copy ...).
  public var secondaryOn: Set<ScreenKind> = []

  public func applies(to screen: ScreenKind) -> Bool { screens.isEmpty || screens.contains(screen) }

  /// How the keys are spelled in hints and help (`↑/k`).
  public var keyText: String { keys.map(\.description).joined(separator: "/") }
}
