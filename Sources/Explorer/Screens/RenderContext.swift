/// What a screen needs to know about the output besides the state.
public struct RenderContext: Sendable {
  /// Drawing without colour: heat cells add shade glyphs (░▒▓█).
  public var isMonochrome: Bool

  public init(isMonochrome: Bool) {
    self.isMonochrome = isMonochrome
  }
}
