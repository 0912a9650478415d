#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension FileSystem {
  /// Creates `path` and its missing parents (mode 0755), as `mkdir -p`; an existing folder is fine.
  ///
  /// - Throws: `FileSystemError` with reason `mkdir: …` naming the part that could not be made,
  ///   or `not a directory` when `path` exists as something else.
  package static func makeDirectories(_ path: String) throws(FileSystemError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw failure(prefix, "mkdir") }
      prefix += "/"
    }
    guard status(ofPath: path)?.isDirectory == true else {
      throw .failed(path: path, reason: "not a directory", code: ENOTDIR)
    }
  }

  /// Removes `path` and, for a folder, everything in it; links are unlinked, never followed.
  /// A missing path is fine; failures are ignored (best effort, for temporary files).
  package static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFDIR else {
      unlink(path)
      return
    }
    for name in (try? directoryEntries(path)) ?? [] { remove(join(path, name)) }
    rmdir(path)
  }

  /// The value of environment variable `name`, or nil when it is not set.
  package static func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  /// The per-user cache folder `name`: `$XDG_CACHE_HOME/<name>` when that variable holds an
  /// absolute path (the XDG Base Directory rule: a relative value is ignored), else
  /// `$HOME/.cache/<name>`, else `/tmp/<name>-cache-<uid>`.
  ///
  /// - Parameter environment: looks a variable up (the process environment by default).
  package static func cacheFolder(
    named name: String, environment: (String) -> String? = FileSystem.environment
  ) -> String {
    if let xdg = environment("XDG_CACHE_HOME"), xdg.hasPrefix("/") {
      return xdg + "/" + name
    }
    if let home = environment("HOME"), !home.isEmpty {
      return home + "/.cache/" + name
    }
    return "/tmp/\(name)-cache-\(getuid())"
  }
}
