/// Environment variables that give a program run by a test its own home, cache, config and state
/// folders under `root`, so that no test reads or writes the user's `~/.cache`, `~/.config` or
/// `~/.local/state`.
public enum IsolatedEnvironment {
  /// `NAME=value` assignments for `/usr/bin/env`: `HOME`, `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`,
  /// `XDG_STATE_HOME` and `XDG_DATA_HOME`, each a folder under `root` (created by the program when
  /// it needs one).
  public static func assignments(root: String) -> [String] {
    [
      "HOME=\(root)/home", "XDG_CACHE_HOME=\(root)/cache", "XDG_CONFIG_HOME=\(root)/config",
      "XDG_STATE_HOME=\(root)/state", "XDG_DATA_HOME=\(root)/data",
    ]
  }
}
