import Safetensors
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The real `quantscope` binary in a private tmux server, on the synthetic demo: open a q_proj,
/// cycle its bins, raise the threshold, compare, help, resize, quit; then the exit status and the
/// restored terminal. Needs tmux (CI installs it) and the built binary (`swift build --build-tests`).
@Suite(.enabled(if: TmuxSession.isAvailable, "tmux is not installed"), .serialized)
struct TmuxTests {
  /// `quantscope` beside the test bundle (`.build/<config>/quantscope`).
  static var binary: String? { BuiltBinary.path }

  /// Starts quantscope in a shell that, once it exits, prints its status and waits for a line
  /// before exiting with the same status: the live pane shows the terminal as quantscope left it
  /// (a dead pane reports no cursor), and `#{pane_dead_status}` then gives the status.
  func start(_ scratch: TemporaryDirectory, extra: String = "", noColour: Bool = false) throws
    -> TmuxSession
  {
    let binary = try #require(
      Self.binary, "quantscope not found beside the test bundle: run swift build --build-tests")
    // Private home, cache, config and state folders: the demo is generated there on first use.
    let colour = noColour ? "NO_COLOR=1" : "-u NO_COLOR"
    let isolated = IsolatedEnvironment.assignments(root: scratch.path).joined(separator: " ")
    let run = "env \(colour) LANG=C.UTF-8 TERM=tmux-256color \(isolated) \(binary) \(extra)"
    let command =
      "sh -c "
      + TmuxSession.quote("\(run); s=$?; echo \"quantscope exited: $s\"; read line; exit $s")
    return try TmuxSession(command: command, scratch: scratch.path)
  }

  /// After quantscope exited with `status`: the terminal is back in its normal mode, then the
  /// pane's exit status is that status.
  func expectExitAndRestored(_ session: TmuxSession, status: Int) {
    let screen = session.waitFor("quantscope exited: \(status)")
    #expect(screen != nil, "\(session.lastScreen)")
    #expect(session.format("#{alternate_on}") == "0", "still on the alternate screen")
    #expect(session.format("#{cursor_flag}") == "1", "cursor left hidden")
    #expect(session.format("#{keypad_cursor_flag}") == "0", "keypad mode left on")
    #expect(screen?.contains("QuantScope ▸") == false, "the explorer's screen was left behind")
    let paneStatus = session.waitForExit(nudge: "Enter")
    #expect(
      paneStatus == "\(status)" || paneStatus == "", "pane exit status \(paneStatus ?? "none")")
  }

  @Test func userSession() throws {
    let scratch = try TemporaryDirectory("tmux")
    let session = try start(scratch)
    let home = session.waitFor(
      "QuantScope ▸", "synthetic demo", "analysed 39 tensors", "totals ")
    try #require(home != nil, "home screen never settled:\n\(session.lastScreen)")
    #expect(home?.contains("engine: cpu") == true)

    // Navigate to a q_proj: filter, go to the last row (the tensor), open it.
    session.send("/")
    session.type("layers.0.self_attn.q_proj")
    session.send("Enter", "G", "Enter")
    let tensor = session.waitFor(
      "model.layers.0.self_attn.q_proj.weight", "bins: NF4-DQ (nonlinear)", "outlier columns",
      "rel_err")
    try #require(tensor != nil, "tensor screen:\n\(session.lastScreen)")
    #expect(tensor?.contains("512×512 BF16") == true)

    // Cycle the bins from the default choice's format: nf4-dq → fp4 → fp4-dq → int8.
    session.send("f")
    #expect(session.waitFor("bins: FP4 (nonlinear)") != nil, "\(session.lastScreen)")
    session.send("f")
    #expect(session.waitFor("bins: FP4-DQ (nonlinear)") != nil, "\(session.lastScreen)")
    session.send("f")
    #expect(session.waitFor("bins: INT8 (linear)", "255 levels") != nil, "\(session.lastScreen)")

    // Raise the threshold: the outlier list is re-derived at once.
    session.send("+")
    #expect(session.waitFor("6.5┼", "≥ 6.5:") != nil, "\(session.lastScreen)")

    // Compare.
    session.send("Escape", "c")
    let compare = session.waitFor("compare formats", "q_proj", "totals", "memory")
    #expect(compare != nil, "\(session.lastScreen)")

    // Help, generated from the key table.
    session.send("?")
    #expect(
      session.waitFor("help", "export an Axolotl config", "keep the tensor in 16-bit") != nil,
      "\(session.lastScreen)")

    // Resize: smaller than 80×24 says so; back to a size that fits redraws the screen.
    session.tmux("resize-window -t 0 -x 70 -y 20")
    #expect(session.waitFor("terminal too small: 70×20") != nil, "\(session.lastScreen)")
    session.tmux("resize-window -t 0 -x 100 -y 30")
    let resized = session.waitFor {
      $0.contains("export an Axolotl config") && !$0.contains("too small")
    }
    #expect(resized != nil, "\(session.lastScreen)")
    #expect(
      resized.map { $0.split(separator: "\n", omittingEmptySubsequences: false).count <= 31 }
        == true)

    // Export: the dialog previews the YAML; write it to a path typed in.
    session.send("Escape", "Escape", "e")
    #expect(
      session.waitFor("export Axolotl config", "load_in_4bit: true", "path: ./qlora-quantscope.yml")
        != nil, "\(session.lastScreen)")
    session.send("C-u")
    session.type(scratch.file("out.yml"))
    session.send("Enter")
    #expect(session.waitFor("wrote \(scratch.file("out.yml"))") != nil, "\(session.lastScreen)")
    #expect(access(scratch.file("out.yml"), R_OK) == 0)

    // Quit.
    session.send("q")
    expectExitAndRestored(session, status: 0)
  }

  @Test func sigtermRestoresTheTerminalAndNoColourShowsShades() throws {
    let scratch = try TemporaryDirectory("tmux-term")
    let session = try start(scratch, noColour: true)
    // Without colour, heat cells carry shade glyphs.
    let home = session.waitFor { $0.contains("analysed 39 tensors") && $0.contains("█0.") }
    try #require(home != nil, "\(session.lastScreen)")
    let pid = session.format("#{pane_pid}")
    // The pane runs sh; quantscope is its only child: signal it by its process id.
    let child = TmuxSession.shell("cat /proc/\(pid)/task/\(pid)/children").output
      .split(separator: " ").first.flatMap { Int32($0.filter(\.isNumber)) }
    let quantscope = try #require(child, "no child process of the pane's shell")
    #expect(kill(quantscope, SIGTERM) == 0)
    expectExitAndRestored(session, status: 143)
  }

  @Test func activationOutlierMapOfTheDemoCapture() throws {
    let scratch = try TemporaryDirectory("tmux-act")
    let session = try start(scratch)
    try #require(session.waitFor("QuantScope ▸", "synthetic demo") != nil, "\(session.lastScreen)")
    // The outlier map starts on the weights; `a` switches to the demo's own capture.
    session.send("o")
    #expect(session.waitFor("outlier map", "source: weights") != nil, "\(session.lastScreen)")
    session.send("a")
    let map = session.waitFor(
      "activations |x| ≥ 6.0 (capture)", "layer 3", "systematic: 37, 129, 266, 401")
    #expect(map != nil, "\(session.lastScreen)")
    // Raising the threshold re-derives the stripes at once (layer 0's dim 266 is exactly 6.0).
    session.send("+")
    #expect(session.waitFor("activations |x| ≥ 6.5 (capture)") != nil, "\(session.lastScreen)")
    session.send("q")
    expectExitAndRestored(session, status: 0)
  }

  @Test func captureProblemsAreWarnedOnStderrAndInTheStatusLine() throws {
    let scratch = try TemporaryDirectory("tmux-capture-problems")
    // One usable module of the demo, and one name that matches no weight.
    let capture = SafetensorsFixture.valid([
      (
        name: "model.layers.0.self_attn.q_proj", dtype: .F32, shape: [2, 512],
        bytes: [UInt8](repeating: 0, count: 2 * 512 * 4)
      ),
      (
        name: "stray.module", dtype: .F32, shape: [2, 4],
        bytes: [UInt8](repeating: 0, count: 2 * 4 * 4)
      ),
    ])
    try SafetensorsFixture.write(capture, to: scratch.file("capture.safetensors"))
    let session = try start(scratch, extra: "--activations \(scratch.file("capture.safetensors"))")
    let home = session.waitFor(
      "QuantScope ▸", "capture: stray.module: no tensor stray.module.weight")
    #expect(home != nil, "\(session.lastScreen)")
    session.send("q")
    // The warning printed before the UI started is on the restored terminal.
    let after = session.waitFor("quantscope exited: 0")
    #expect(after?.contains("quantscope: warning:") == true, "\(session.lastScreen)")
    #expect(after?.contains("stray.module") == true, "\(session.lastScreen)")
    _ = session.waitForExit(nudge: "Enter")
  }

  @Test func unreadableCaptureIsAOneLineErrorWithStatus2() throws {
    let scratch = try TemporaryDirectory("tmux-capture")
    let session = try start(scratch, extra: "--activations \(scratch.file("missing.safetensors"))")
    let screen = session.waitFor("quantscope exited: 2")
    #expect(screen?.contains("quantscope: error:") == true, "\(session.lastScreen)")
    #expect(screen?.contains("missing.safetensors") == true, "\(session.lastScreen)")
    let paneStatus = session.waitForExit(nudge: "Enter")
    #expect(paneStatus == "2" || paneStatus == "", "pane exit status \(paneStatus ?? "none")")
  }

  @Test func badThemeIsAOneLineErrorWithStatus2() throws {
    let scratch = try TemporaryDirectory("tmux-theme")
    let session = try start(scratch, extra: "--theme no-such-theme")
    let screen = session.waitFor("quantscope exited: 2")
    #expect(
      screen?.contains("quantscope: error: theme 'no-such-theme' not found") == true,
      "\(session.lastScreen)")
    let paneStatus = session.waitForExit(nudge: "Enter")
    #expect(paneStatus == "2" || paneStatus == "", "pane exit status \(paneStatus ?? "none")")
  }
}
