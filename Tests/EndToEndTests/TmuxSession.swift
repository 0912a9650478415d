#if canImport(Glibc)
  import Glibc
#endif

/// A private tmux server (`tmux -L qs-<pid>-<n>`) running one program in a 120×40 window, driven
/// like a user at the keyboard. Waits poll `capture-pane` every 25 ms; no fixed sleeps.
final class TmuxSession {
  /// Longest wait for one expected screen (a cold debug build analyses the demo in a few seconds).
  static let waitLimitSeconds = 30.0
  /// Poll interval of the waits.
  static let pollMicroseconds: useconds_t = 25_000

  let socket: String
  private let configPath: String
  private(set) var lastScreen = ""

  /// Starts `command` (a shell command line) in a detached session of `width`×`height`.
  init(command: String, width: Int = 120, height: Int = 40, scratch: String) throws {
    socket = "qs-\(getpid())-\(TmuxSession.counter())"
    configPath = scratch + "/tmux.conf"
    // remain-on-exit keeps the dead pane, so its exit status and final screen can be read.
    // set-clipboard on: an OSC 52 from the program becomes a paste buffer (`show-buffer`).
    let config =
      "set -g remain-on-exit on\nset -g status off\nset -g default-terminal tmux-256color\nset -g set-clipboard on\n"
    guard let file = fopen(configPath, "w") else { throw TmuxError("cannot write \(configPath)") }
    fputs(config, file)
    fclose(file)
    let (status, output) = TmuxSession.shell(
      "tmux -L \(socket) -f \(configPath) new-session -d -x \(width) -y \(height) \(TmuxSession.quote(command)) 2>&1"
    )
    guard status == 0 else { throw TmuxError("tmux new-session failed: \(output)") }
    socketPath =
      TmuxSession.shell("tmux -L \(socket) display-message -p '#{socket_path}'").output
      .split(separator: "\n").first.map(String.init) ?? ""
  }

  /// The server's socket file, removed with the server (tmux 3.3a leaves it behind).
  private var socketPath = ""

  deinit {
    _ = TmuxSession.shell("tmux -L \(socket) kill-server 2>/dev/null")
    if socketPath.hasSuffix("/" + socket) { unlink(socketPath) }
  }

  /// Runs a tmux command on this server; returns its output.
  @discardableResult
  func tmux(_ arguments: String) -> String {
    TmuxSession.shell("tmux -L \(socket) \(arguments) 2>&1").output
  }

  /// Sends keys by tmux name (`Enter`, `Escape`, `q`, `C-c`); literal text with `literal`.
  func send(_ keys: String...) {
    for key in keys { tmux("send-keys -t 0 \(TmuxSession.quote(key))") }
  }

  func type(_ text: String) {
    tmux("send-keys -t 0 -l \(TmuxSession.quote(text))")
  }

  /// Sends an xterm SGR 1006 mouse report for the cell (x, y), counted from 0: the bytes a
  /// terminal sends for a press (`button` 0 left, 64 wheel up, 65 wheel down).
  func mouse(button: Int = 0, x: Int, y: Int) {
    let report = "\u{1B}[<\(button);\(x + 1);\(y + 1)M"
    let hex = report.utf8.map { String($0, radix: 16) }.joined(separator: " ")
    tmux("send-keys -t 0 -H \(hex)")
  }

  /// A click: press and release.
  func click(x: Int, y: Int) {
    mouse(x: x, y: y)
    let release = "\u{1B}[<0;\(x + 1);\(y + 1)m"
    tmux("send-keys -t 0 -H " + release.utf8.map { String($0, radix: 16) }.joined(separator: " "))
  }

  /// Column and row of the first place `text` appears on `screen`.
  static func position(of text: String, in screen: String) -> (x: Int, y: Int)? {
    let needle = Array(text)
    for (row, line) in screen.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let characters = Array(line)
      guard characters.count >= needle.count else { continue }
      for start in 0...(characters.count - needle.count)
      where Array(characters[start..<start + needle.count]) == needle {
        return (start, row)
      }
    }
    return nil
  }

  /// The pane's text now.
  func capture() -> String {
    tmux("capture-pane -p -t 0")
  }

  /// A tmux format of the pane (`#{pane_dead_status}`).
  func format(_ text: String) -> String {
    var value = tmux("display-message -p -t 0 \(TmuxSession.quote(text))")
    while value.hasSuffix("\n") { value.removeLast() }
    return value
  }

  /// Waits until the screen satisfies `predicate` and then stops changing (two equal captures);
  /// returns the screen, or nil after `waitLimitSeconds`.
  func waitFor(_ predicate: (String) -> Bool) -> String? {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var previous: String?
    while true {
      let screen = capture()
      lastScreen = screen
      if predicate(screen) {
        if screen == previous { return screen }
        previous = screen
      } else {
        previous = nil
      }
      var now = timespec()
      clock_gettime(CLOCK_MONOTONIC, &now)
      if Double(now.tv_sec - start.tv_sec) > TmuxSession.waitLimitSeconds {
        return nil
      }
      usleep(TmuxSession.pollMicroseconds)
    }
  }

  /// Waits for a screen containing every one of `texts`.
  func waitFor(_ texts: String...) -> String? {
    waitFor { screen in texts.allSatisfy { screen.contains($0) } }
  }

  /// Waits until the pane's program has exited; returns `#{pane_dead_status}`. `nudge` keys are
  /// sent again every second. tmux 3.3a sometimes marks a pane dead before it has reaped the
  /// process and then never shows a status: after 2 s dead without one, returns "" (the caller
  /// has the status printed by the pane's shell as well).
  func waitForExit(nudge: String? = nil) -> String? {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var polls = 0
    var deadPolls = 0
    while true {
      if let nudge, polls % 40 == 0, format("#{pane_dead}") != "1" { send(nudge) }
      polls += 1
      if format("#{pane_dead}") == "1" {
        let status = format("#{pane_dead_status}")
        if !status.isEmpty { return status }
        deadPolls += 1
        if deadPolls >= 80 { return "" }
      }
      var now = timespec()
      clock_gettime(CLOCK_MONOTONIC, &now)
      if Double(now.tv_sec - start.tv_sec) > TmuxSession.waitLimitSeconds { return nil }
      usleep(TmuxSession.pollMicroseconds)
    }
  }

  // MARK: - Shell

  /// Runs `command` with /bin/sh; returns its exit status and standard output.
  static func shell(_ command: String) -> (status: Int32, output: String) {
    guard let pipe = popen(command, "r") else { return (-1, "") }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = fread(&buffer, 1, buffer.count, pipe)
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    let status = pclose(pipe)
    return ((status >> 8) & 0xFF, String(decoding: bytes, as: UTF8.self))
  }

  /// `text` in single quotes for /bin/sh.
  static func quote(_ text: String) -> String {
    "'" + text.replacingAll("'", with: "'\\''") + "'"
  }

  nonisolated(unsafe) private static var sessions = 0
  private static func counter() -> Int {
    sessions += 1
    return sessions
  }

  /// True when `tmux` runs here.
  static var isAvailable: Bool { shell("tmux -V >/dev/null 2>&1").status == 0 }
}

struct TmuxError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    for character in self {
      if character == target { out += replacement } else { out.append(character) }
    }
    return out
  }
}
