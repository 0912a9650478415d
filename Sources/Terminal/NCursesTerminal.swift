@preconcurrency import CNCurses
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The one place that talks to ncurses: starts and restores the terminal, reads keys, and flushes
/// a `Canvas` with a `Theme`.
///
/// Call `start()` once, then `stop()` on every exit path (it is idempotent); SIGINT and SIGTERM
/// set `NCursesTerminal.interruptSignal`, which the caller's loop checks, so the terminal is
/// restored by the caller's `defer` rather than inside a signal handler.
public final class NCursesTerminal {
  public private(set) var isActive = false
  /// Colours the terminal offers (0 when none).
  public private(set) var colourCount = 0
  private var theme: Theme = .builtIn
  private var monochrome = true
  private var pairs: [PairKey: Int32] = [:]
  private var styleCache: [CellStyle: (attr_t, Int32)] = [:]

  private struct PairKey: Hashable {
    var foreground: Int
    var background: Int
  }

  public init() {}

  // MARK: - Lifecycle

  /// Initialises the screen: UTF-8 locale, cbreak, no echo, keypad, hidden cursor, colours,
  /// and mouse reporting when asked.
  ///
  /// - Throws: `TerminalError.noTerminal` when stdin/stdout is not a terminal or TERM is unknown.
  /// - Parameter mouse: report mouse clicks and the wheel (xterm SGR 1006).
  public func start(mouse: Bool = true) throws(TerminalError) {
    guard isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 else {
      throw .noTerminal("the explorer needs a terminal (try 'quantscope report MODEL')")
    }
    setlocale(LC_ALL, "")
    // ESC alone must be quick to recognise (default 1 s).
    setenv("ESCDELAY", "25", 0)
    NCursesTerminal.installSignalHandlers()
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    guard let screen = newterm(nil, stdout, stdin) else {
      throw .noTerminal("cannot initialise the terminal (TERM=\(term) is unknown)")
    }
    // A terminal that cannot address the cursor (TERM=dumb) would get a partial line and
    // nothing else: refuse it as clearly as an unknown one.
    let cursorAddress = tigetstr("cup").map { Int(bitPattern: $0) } ?? 0
    if cursorAddress == 0 || cursorAddress == -1 {
      endwin()
      delscreen(screen)
      throw .noTerminal(
        "the explorer needs a full-screen terminal (TERM=\(term) cannot move the cursor; try 'quantscope report MODEL')"
      )
    }
    isActive = true
    cbreak()
    noecho()
    nonl()
    keypad(stdscr, true)
    curs_set(0)
    if has_colors() {
      start_color()
      use_default_colors()
      colourCount = Int(COLORS)
    }
    if mouse {
      // Mouse reports are decoded here (`MouseEvent.sgr`), not by ncurses: its own decoding
      // follows terminfo's `kmous`, which differs between terminals (`\E[M`, `\E[<`).
      keyok(KEY_MOUSE, false)
      writeControl(Self.mouseOn)
      isMouseOn = true
    }
  }

  /// xterm: report button presses and releases (1000) in SGR form (1006).
  static let mouseOn = "\u{1B}[?1000h\u{1B}[?1006h"
  static let mouseOff = "\u{1B}[?1006l\u{1B}[?1000l"
  private var isMouseOn = false
  /// Input codes read ahead while looking for a mouse report, handed out before new input.
  private var pending: [(code: UInt32, isFunctionKey: Bool)] = []

  /// Writes a control sequence straight to the terminal (outside ncurses' screen model).
  private func writeControl(_ text: String) {
    fflush(stdout)
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
  }

  /// Puts `text` on the terminal's clipboard (OSC 52; tmux keeps it as a paste buffer when
  /// `set-clipboard` is on).
  public func copyToClipboard(_ text: String) {
    guard isActive else { return }
    writeControl(ClipboardSequence.osc52(text))
  }

  /// Restores the terminal (idempotent).
  public func stop() {
    guard isActive else { return }
    isActive = false
    if isMouseOn {
      writeControl(Self.mouseOff)
      isMouseOn = false
    }
    curs_set(1)
    endwin()
  }

  deinit { stop() }

  /// Columns and rows of the terminal now.
  public var size: (width: Int, height: Int) {
    guard isActive else { return (80, 24) }
    return (Int(getmaxx(stdscr)), Int(getmaxy(stdscr)))
  }

  /// Sets the theme for later `present` calls; monochrome when the theme says so or the terminal
  /// has fewer than 8 colours.
  public func use(_ theme: Theme) {
    self.theme = theme
    monochrome = theme.isMonochrome || theme.hasNoColours || colourCount < 8
    styleCache = [:]
  }

  /// True when drawing with attributes only.
  public var isMonochrome: Bool { monochrome }

  // MARK: - Input

  /// Waits up to `timeoutMilliseconds` for a key; nil on timeout or an unused code.
  /// The corresponding C function is `wget_wch`.
  public func readKey(timeoutMilliseconds: Int32) -> Key? {
    guard isActive else { return nil }
    guard let (code, isFunctionKey) = readCode(timeoutMilliseconds: timeoutMilliseconds) else {
      return nil
    }
    if !isFunctionKey && code == 0x1B {
      // ESC: a mouse report when `[<…M` follows at once, else the Escape key (what was read
      // ahead is handed out next).
      var following: [UInt32] = []
      while following.count < KeyDecoder.longestMouseReport,
        let (next, nextIsFunction) = readCode(timeoutMilliseconds: 10)
      {
        if nextIsFunction {
          pending.append((next, true))
          break
        }
        following.append(next)
        if !KeyDecoder.isMouseReportPrefix(following) || KeyDecoder.isMouseReportEnd(next) { break }
      }
      if let event = KeyDecoder.mouseReport(following) { return .mouse(event) }
      pending.insert(contentsOf: following.map { ($0, false) }, at: 0)
      return .escape
    }
    return KeyDecoder.decode(code, isFunctionKey: isFunctionKey)
  }

  /// The next input code: one read ahead, else from ncurses within the timeout.
  private func readCode(timeoutMilliseconds: Int32) -> (UInt32, Bool)? {
    if !pending.isEmpty {
      let next = pending.removeFirst()
      return (next.code, next.isFunctionKey)
    }
    timeout(timeoutMilliseconds)
    var code: UInt32 = 0
    var isFunctionKey: Int32 = 0
    guard qs_read_key(&code, &isFunctionKey) == OK else { return nil }
    return (code, isFunctionKey != 0)
  }

  // MARK: - Output

  /// Writes every cell of `canvas` and refreshes the screen (ncurses sends only what changed).
  /// The corresponding C functions are `mvadd_wch` and `refresh`.
  public func present(_ canvas: Canvas) {
    guard isActive else { return }
    let (width, height) = size
    for y in 0..<min(height, canvas.height) {
      for x in 0..<min(width, canvas.width) {
        let cell = canvas[x, y]
        let (attributes, pair) = resolve(cell.style)
        let scalar = cell.character.unicodeScalars.first?.value ?? 0x20
        _ = qs_put_cell(Int32(y), Int32(x), scalar, attributes, pair)
      }
    }
    refresh()
  }

  private func resolve(_ style: CellStyle) -> (attr_t, Int32) {
    if let cached = styleCache[style] { return cached }
    var attributes: attr_t = 0
    var pair: Int32 = 0
    if monochrome {
      let mono = style.monochromeAttributes
      if mono.bold { attributes |= qs_attr_bold() }
      if mono.dim { attributes |= qs_attr_dim() }
      if mono.underline { attributes |= qs_attr_underline() }
      if mono.reverse { attributes |= qs_attr_reverse() }
    } else {
      if style.isBold { attributes |= qs_attr_bold() }
      if style.isDim { attributes |= qs_attr_dim() }
      if style.isUnderlined { attributes |= qs_attr_underline() }
      if style.isReversed { attributes |= qs_attr_reverse() }
      let foreground =
        style.heat.map { theme.heatColour(Int($0)) } ?? theme.colour(style.role)
      let backgroundRole: ThemeRole =
        style.isSelected ? .selection : (style.isHeaderBar ? .headerBar : .background)
      let background = theme.colour(backgroundRole)
      pair = pairNumber(
        PairKey(
          foreground: foreground.paletteIndex(colours: colourCount),
          background: background.paletteIndex(colours: colourCount)))
    }
    styleCache[style] = (attributes, pair)
    return (attributes, pair)
  }

  /// The colour pair for a (foreground, background), allocated on first use.
  /// The corresponding C function is `init_pair`.
  private func pairNumber(_ key: PairKey) -> Int32 {
    if key.foreground == -1 && key.background == -1 { return 0 }
    if let pair = pairs[key] { return pair }
    let next = Int32(pairs.count + 1)
    guard next < min(Int32(COLOR_PAIRS), 32767) else { return 0 }
    init_pair(Int16(next), Int16(key.foreground), Int16(key.background))
    pairs[key] = next
    return next
  }

  // MARK: - Signals

  /// The signal (SIGINT, SIGTERM, SIGHUP) that asked the program to stop, or 0.
  public static var interruptSignal: Int32 { receivedSignal.load(ordering: .relaxed) }

  private static func installSignalHandlers() {
    for number in [SIGINT, SIGTERM, SIGHUP] {
      signal(number) { received in
        NCursesTerminal.receivedSignal.store(received, ordering: .relaxed)
      }
    }
  }

  private static let receivedSignal = Atomic<Int32>(0)
}
