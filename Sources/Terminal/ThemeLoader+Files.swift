import BuiltInThemes
import FileSystem

extension ThemeLoader {
  /// Finds and loads a theme: `nameOrPath` is a path (contains `/` or ends in `.theme`) or a
  /// name looked up in `$XDG_CONFIG_HOME/quantscope/themes/` (else `~/.config/quantscope/themes/`),
  /// then each of `directories`, then among the theme files built into the executable
  /// (`Themes/*.theme`, see `BuiltInThemeFiles`). A user's file of the same name wins.
  ///
  /// - Throws: `TerminalError.themeNotFound` or `.unreadable`.
  public static func load(_ nameOrPath: String, directories: [String] = []) throws(TerminalError)
    -> Result
  {
    if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
      return try loadFile(nameOrPath)
    }
    var candidates: [String] = []
    if let config = environment("XDG_CONFIG_HOME"), !config.isEmpty {
      candidates.append("\(config)/quantscope/themes")
    } else if let home = environment("HOME"), !home.isEmpty {
      candidates.append("\(home)/.config/quantscope/themes")
    }
    candidates += directories
    for directory in candidates {
      let path = "\(directory)/\(nameOrPath).theme"
      if FileSystem.isReadable(path) { return try loadFile(path) }
    }
    guard let text = BuiltInThemeFiles.texts[nameOrPath] else {
      throw .themeNotFound(name: nameOrPath, searched: candidates, builtIn: BuiltInThemeFiles.names)
    }
    return parse(text, name: nameOrPath, file: "built-in \(nameOrPath).theme")
  }

  /// Loads the theme file at `path`; its name is the file name without `.theme`.
  public static func loadFile(_ path: String) throws(TerminalError) -> Result {
    let text: String
    do throws(FileSystemError) {
      text = try readText(path)
    } catch {
      throw .unreadable(path: path, reason: error.systemMessage)
    }
    var name = String(path.split(separator: "/").last ?? Substring(path))
    if name.hasSuffix(".theme") { name.removeLast(6) }
    return parse(text, name: name, file: path)
  }

  static func environment(_ name: String) -> String? {
    FileSystem.environment(name)
  }

  /// The whole file as UTF-8 text (a theme is a few hundred bytes; reading stops past 1 MiB).
  static func readText(_ path: String) throws(FileSystemError) -> String {
    String(decoding: try FileSystem.readAll(path, limit: 1 << 20), as: UTF8.self)
  }
}

extension Theme {
  /// The built-in monochrome theme: every colour the terminal default, drawn with attributes.
  public static let monochrome = Theme(
    name: "mono",
    colours: Dictionary(uniqueKeysWithValues: ThemeRole.allCases.map { ($0, .terminalDefault) }),
    isMonochrome: true)

  /// True when no role has a colour of its own: such a theme is drawn with attributes only.
  public var hasNoColours: Bool {
    ThemeRole.allCases.allSatisfy { colour($0) == .terminalDefault }
  }
}
