import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The explorer's mouse, jumps, clipboard, remembered choices and terminal checks, on the real
/// binary in a private tmux server (the demo checkpoint). Mouse reports are the xterm SGR 1006
/// bytes a terminal sends, written into the pane with `send-keys -H`.
@Suite(.enabled(if: TmuxSession.isAvailable, "tmux is not installed"), .serialized)
struct TmuxUsabilityTests {
  /// Starts quantscope (see `TmuxTests.start`) with its cache and state under `scratch`.
  func start(
    _ scratch: TemporaryDirectory, extra: String = "", environment: String = "TERM=tmux-256color",
    width: Int = 120, height: Int = 40
  ) throws -> TmuxSession {
    let binary = try #require(
      BuiltBinary.path, "quantscope not found beside the test bundle: run swift build --build-tests"
    )
    let isolated = IsolatedEnvironment.assignments(root: scratch.path).joined(separator: " ")
    let run = "env -u NO_COLOR LANG=C.UTF-8 \(environment) \(isolated) \(binary) \(extra)"
    let command =
      "sh -c "
      + TmuxSession.quote("\(run); s=$?; echo \"quantscope exited: $s\"; read line; exit $s")
    return try TmuxSession(command: command, width: width, height: height, scratch: scratch.path)
  }

  /// Quits with `q` and waits for the exit line; then the mouse modes are off again.
  func quit(_ session: TmuxSession) {
    session.send("q")
    #expect(session.waitFor("quantscope exited: 0") != nil, "\(session.lastScreen)")
    #expect(session.format("#{mouse_sgr_flag}") == "0", "mouse reporting left on")
    #expect(session.format("#{mouse_standard_flag}") == "0", "mouse reporting left on")
    _ = session.waitForExit(nudge: "Enter")
  }

  func home(_ session: TmuxSession) throws -> String {
    // The totals line: "model totals (…)" where it fits, "totals rel_err:" at 120 columns.
    let screen = session.waitFor("QuantScope ▸", "analysed 39 tensors", "totals ")
    return try #require(screen, "home screen never settled:\n\(session.lastScreen)")
  }
}

// MARK: - Mouse

extension TmuxUsabilityTests {
  @Test func clicksOpenRowsCellsAndKeysAndTheWheelScrolls() throws {
    let scratch = try TemporaryDirectory("tmux-mouse")
    let session = try start(scratch)
    let screen = try home(session)
    #expect(session.format("#{mouse_sgr_flag}") == "1", "SGR mouse reporting not asked for")
    // A click selects q_proj's row, a second click on it opens it.
    let row = try #require(TmuxSession.position(of: "q_proj", in: screen))
    session.click(x: row.x, y: row.y)
    session.click(x: row.x, y: row.y)
    #expect(
      session.waitFor("model.layers.0.self_attn.q_proj.weight", "bins: NF4") != nil,
      "\(session.lastScreen)")
    // The wheel on the Tensor screen steps to the next tensor in tree order.
    session.mouse(button: 65, x: 20, y: 10)
    #expect(
      session.waitFor("model.layers.0.self_attn.v_proj.weight") != nil, "\(session.lastScreen)")
    // A click on the key bar runs the key: `c` opens Compare.
    session.send("Escape")
    let model = try #require(session.waitFor("totals "))
    let compareKey = try #require(
      TmuxSession.position(
        of: " c ", in: String(model.split(separator: "\n", omittingEmptySubsequences: false)[39])))
    session.click(x: compareKey.x + 1, y: 39)
    let compare = try #require(
      session.waitFor("compare formats", "heat (nf4-dq, all layers):"), "\(session.lastScreen)")
    // A click on a Compare cell moves the cursor there; a second opens its tensor.
    let lines = compare.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let layerRow = try #require(lines.firstIndex { $0.hasPrefix(" layers.2") })
    let column = try #require(TmuxSession.position(of: "down_proj", in: compare)).x + 4
    session.click(x: column, y: layerRow)
    #expect(
      session.waitFor("▸ model.layers.2.mlp.down_proj.weight") != nil, "\(session.lastScreen)")
    session.click(x: column, y: layerRow)
    #expect(
      session.waitFor("model.layers.2.mlp.down_proj.weight   512×1408") != nil,
      "\(session.lastScreen)")
    quit(session)
  }

  @Test func noMouseLeavesReportingOff() throws {
    let scratch = try TemporaryDirectory("tmux-no-mouse")
    let session = try start(scratch, extra: "--no-mouse")
    _ = try home(session)
    #expect(session.format("#{mouse_sgr_flag}") == "0")
    #expect(session.format("#{mouse_standard_flag}") == "0")
    quit(session)
  }
}

// MARK: - Jumps and the clipboard

extension TmuxUsabilityTests {
  @Test func worstJumpNextTensorAndCopyToTheClipboard() throws {
    let scratch = try TemporaryDirectory("tmux-jumps")
    let session = try start(scratch)
    _ = try home(session)
    // w: the worst nf4-dq tensor of the demo; y copies its name (OSC 52 → a tmux paste buffer).
    session.send("w")
    #expect(
      session.waitFor("worst nf4-dq: model.layers.2.mlp.down_proj.weight") != nil,
      "\(session.lastScreen)")
    session.send("y")
    #expect(
      session.waitFor("copied: model.layers.2.mlp.down_proj.weight") != nil, "\(session.lastScreen)"
    )
    #expect(session.tmux("show-buffer") == "model.layers.2.mlp.down_proj.weight")
    // n/N over a filter, then ] on the Tensor screen stays within it.
    session.send("/")
    session.type("q_proj")
    session.send("Enter", "n", "n", "Enter")
    #expect(
      session.waitFor("model.layers.1.self_attn.q_proj.weight   512×512") != nil,
      "\(session.lastScreen)")
    session.send("]")
    #expect(
      session.waitFor("model.layers.2.self_attn.q_proj.weight   512×512") != nil,
      "\(session.lastScreen)")
    quit(session)
  }
}

// MARK: - Remembered choices

extension TmuxUsabilityTests {
  @Test func choicesAreRestoredIgnoredWithFreshAndACorruptFileIsAWarning() throws {
    let scratch = try TemporaryDirectory("tmux-choices")
    var session = try start(scratch, extra: "--theme mono")
    _ = try home(session)
    // Keep the worst tensor, choose fp4 (after the default nf4-dq), raise the threshold, sort by
    // error (theme: mono).
    session.send("w", "Space", "F", "+", "s")
    #expect(
      session.waitFor("format: fp4", "threshold: 6.5", "sort: error") != nil,
      "\(session.lastScreen)")
    quit(session)

    session = try start(scratch)
    let restored = session.waitFor(
      "restored this model's choices: 1 kept, fp4, threshold 6.5, sort error, theme mono",
      "analysed 39 tensors")
    #expect(restored != nil, "\(session.lastScreen)")
    #expect(restored?.contains("format: fp4") == true)
    // The mono theme is back: heat cells carry shade glyphs.
    #expect(restored?.contains("░0.0") == true, "\(session.lastScreen)")
    #expect(
      restored?.contains("(incl. 1 kept in 16-bit") == true, "the kept tensor counts in memory")
    quit(session)

    session = try start(scratch, extra: "--fresh")
    let fresh = session.waitFor("QuantScope ▸", "format: nf4-dq ", "threshold: 6.0")
    #expect(fresh != nil, "\(session.lastScreen)")
    #expect(fresh?.contains("restored") == false)
    quit(session)

    // A corrupt file: one warning line, and the explorer runs.
    let directory = scratch.path + "/state/quantscope"
    let files = TmuxSession.shell("ls \(directory)").output.split(separator: "\n")
    let file = try #require(files.first.map { directory + "/" + $0 })
    #expect(TmuxSession.shell("printf 'format = nf5\\n' > \(file)").status == 0)
    session = try start(scratch)
    #expect(
      session.waitFor("QuantScope ▸", "saved choices ignored (1: bad format 'nf5')") != nil,
      "\(session.lastScreen)")
    session.send("q")
    // The warning printed before the UI started is on the restored terminal (wrapped: compared
    // without spaces and line ends).
    let squeezed = { (text: String) in text.filter { $0 != " " && $0 != "\n" } }
    let after = session.waitFor("quantscope exited: 0").map(squeezed)
    #expect(
      after?.contains(
        squeezed("quantscope: warning: \(file):1: bad format 'nf5'; saved choices ignored"))
        == true, "\(session.lastScreen)")
    _ = session.waitForExit(nudge: "Enter")
  }
}

// MARK: - Terminals and layouts

extension TmuxUsabilityTests {
  @Test(arguments: [
    ("dumb", "TERM=dumb cannot move the cursor"),
    ("no-such-term", "(TERM=no-such-term is unknown)"),
  ])
  func aTerminalThatCannotDrawIsOneErrorLine(term: String, message: String) throws {
    let scratch = try TemporaryDirectory("tmux-term-\(term)")
    let session = try start(scratch, environment: "TERM=\(term)")
    let screen = try #require(session.waitFor("quantscope exited: 2"), "\(session.lastScreen)")
    let lines = screen.split(separator: "\n").filter { !$0.isEmpty }
    #expect(lines.first?.hasPrefix("quantscope: error: ") == true, "\(screen)")
    #expect(screen.replacingAll("\n", with: "").contains(message), "\(screen)")
    _ = session.waitForExit(nudge: "Enter")
  }

  /// Every screen at 80×24: each shows its key content and the key bar keeps help and quit.
  @Test func everyScreenAt80x24() throws {
    let scratch = try TemporaryDirectory("tmux-80x24")
    let session = try start(scratch, width: 80, height: 24)
    #expect(
      session.waitFor("QuantScope ▸", "analysed 39 tensors", "totals rel_err:", "? help  q quit")
        != nil, "\(session.lastScreen)")
    session.send("w", "Enter")
    #expect(
      session.waitFor("model.layers.2.mlp.down_proj.weight", "bins: NF4", "? help  q quit") != nil,
      "\(session.lastScreen)")
    session.send("c")
    #expect(
      session.waitFor("compare formats", "heat (nf4-dq, all layers):", "current choice") != nil,
      "\(session.lastScreen)")
    session.send("o")
    #expect(
      session.waitFor("outlier map", "in 512 ·", "in 1408 ·", "▸ layer") != nil,
      "\(session.lastScreen)")
    session.send("a")
    #expect(
      session.waitFor("activations |x| ≥ 6.0 (capture)", "systematic: 37, 129, 266, 401") != nil,
      "\(session.lastScreen)")
    session.send("?")
    #expect(session.waitFor("help", "keys by screen") != nil, "\(session.lastScreen)")
    session.send("Escape", "e")
    #expect(
      session.waitFor("export Axolotl config", "path: ./qlora-quantscope.yml") != nil,
      "\(session.lastScreen)")
    // `~` in the path is the home directory (HOME is the scratch directory's home/ here).
    _ = TmuxSession.shell("mkdir -p \(scratch.path)/home")
    session.send("C-u")
    session.type("~/from-tilde.yml")
    session.send("Enter")
    #expect(
      session.waitFor("wrote \(scratch.path)/home/from-tilde.yml") != nil, "\(session.lastScreen)")
    #expect(access(scratch.path + "/home/from-tilde.yml", R_OK) == 0)
    quit(session)
  }
}
