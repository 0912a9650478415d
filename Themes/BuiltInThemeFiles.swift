/// The theme files of this folder, compiled into the executable.
///
/// `Themes/*.theme` stay the source of truth: SwiftPM embeds each file's bytes at build time
/// (`resources: [.embedInCode(...)]` in Package.swift), so every documented theme works from a
/// binary copied to any folder. A theme added here needs a line in Package.swift and one below.
public enum BuiltInThemeFiles {
  /// The text of each built-in theme file, by theme name (the file name without `.theme`).
  public static let texts: [String: String] = [
    "default": String(decoding: PackageResources.default_theme, as: UTF8.self),
    "gruvbox": String(decoding: PackageResources.gruvbox_theme, as: UTF8.self),
    "mono": String(decoding: PackageResources.mono_theme, as: UTF8.self),
    "nord": String(decoding: PackageResources.nord_theme, as: UTF8.self),
  ]

  /// The built-in theme names, sorted.
  public static var names: [String] { texts.keys.sorted() }
}
