import Engine
import Reports
import Safetensors
import Terminal

#if canImport(Glibc)
  import Glibc
#endif

/// The explorer: opens at once on the checkpoint's header, analyses in the background, and
/// redraws as results stream in.
public enum ExplorerApp {
  /// How long the loop waits for a key before looking at the inbox again.
  static let pollMilliseconds: Int32 = 50

  /// Runs the TUI until the user quits; returns the exit status (0, 2 on a start-up error,
  /// 128 + signal when interrupted).
  public static func run(checkpoint: Checkpoint, options: ExplorerOptions) -> Int32 {
    // The choices remembered for this model, unless --fresh.
    let choicesPath = RememberedChoices.path(for: checkpoint)
    var remembered: RememberedChoices?
    var choicesProblem: RememberedChoices.Problem?
    if let choicesPath, !options.isFresh {
      (remembered, choicesProblem) = RememberedChoices.load(choicesPath)
      if let choicesProblem { printError("quantscope: warning: \(choicesProblem)") }
    }
    let theme: Theme
    // The theme remembered with the choices: kept as it is under NO_COLOR, which only overrides it.
    var themeName = options.themeName ?? remembered?.theme
    var themeWarnings: [String] = []
    do throws(TerminalError) {
      (theme, themeWarnings) = try resolveTheme(options.themeName)
    } catch {
      printError("quantscope: error: \(error)")
      return 2
    }
    var chosenTheme = theme
    // A remembered theme applies when none is given and colour is not turned off; one that is
    // gone is a warning.
    if options.themeName == nil, !isNoColour, let saved = remembered?.theme {
      do throws(TerminalError) {
        (chosenTheme, themeWarnings) = try resolveTheme(saved)
      } catch {
        themeName = nil
        themeWarnings = ["remembered theme: \(error)"]
        printError("quantscope: warning: remembered theme: \(error)")
      }
    }
    var state = AppState(
      checkpoint: checkpoint, isDemo: options.isDemo || InspectRenderer.isSyntheticDemo(checkpoint),
      settings: options.settings,
      engineLabel: options.engineLabel)
    if let remembered {
      state.restore(remembered)
      state.status =
        "restored this model's choices: " + remembered.summary + " (--fresh ignores them)"
    }
    if let first = themeWarnings.first {
      state.status =
        "theme: " + first
        + (themeWarnings.count > 1 ? " (+\(themeWarnings.count - 1) more, printed on exit)" : "")
    }
    if let choicesProblem { state.status = choicesProblem.short }
    let startChoices = RememberedChoices(state, theme: themeName)
    let worker =
      options.analyses && !checkpoint.tensors.isEmpty
      ? AnalysisWorker(
        checkpoint: checkpoint, settings: options.settings, makeBackend: options.makeBackend,
        jobs: options.jobs)
      : nil
    state.activationsPath = options.activationsPath
    let activationWorker = options.activationsPath.map {
      ActivationWorker(
        path: $0, weights: checkpoint, settings: ActivationSettings(options.settings))
    }
    let terminal = NCursesTerminal()
    do throws(TerminalError) {
      try terminal.start(mouse: options.isMouseEnabled)
    } catch {
      printError("quantscope: error: \(error)")
      return 2
    }
    // The one place the terminal is restored, whatever way the loop ends; the choices are
    // saved when they changed.
    defer {
      worker?.stop()
      activationWorker?.stop()
      terminal.stop()
      let choices = RememberedChoices(state, theme: themeName)
      if let choicesPath, choices != startChoices, let problem = choices.save(choicesPath) {
        printError("quantscope: warning: cannot save the choices: \(problem)")
      }
    }
    terminal.use(chosenTheme)
    let context = RenderContext(isMonochrome: terminal.isMonochrome)
    let clock = ContinuousClock()
    let started = clock.now
    if let first = state.firstTensorUnderCursor { worker?.prioritise(first) }
    worker?.start()
    activationWorker?.start()
    var dirty = true
    var lastProgress: AnalysisProgress?
    var lastProgressDraw = clock.now
    while true {
      let signal = NCursesTerminal.interruptSignal
      if signal != 0 { return 128 + signal }
      if let worker {
        let delivery = worker.drain()
        for (index, analysis) in delivery.results { state.receive(analysis, at: index) }
        for (index, failure) in delivery.failures { state.failures[index] = failure }
        if let name = delivery.backendName { state.engineLabel = name }
        if !delivery.results.isEmpty || !delivery.failures.isEmpty || delivery.backendName != nil {
          dirty = true
        }
        if state.progress != nil || delivery.backendName != nil {
          let progress = worker.progress()
          if progress.tensorsDone < progress.tensorsTotal {
            state.elapsedSeconds = seconds(clock.now - started)
          } else if lastProgress.map({ $0.tensorsDone < $0.tensorsTotal }) ?? true {
            state.elapsedSeconds = seconds(clock.now - started)
          }
          // The bar moves inside big tensors too, but a few redraws a second are enough.
          if progress != lastProgress
            && (clock.now - lastProgressDraw > .milliseconds(200)
              || progress.tensorsDone != lastProgress?.tensorsDone)
          {
            state.progress = progress
            lastProgress = progress
            lastProgressDraw = clock.now
            dirty = true
          }
        }
      }
      if let activationWorker, state.activations == nil && state.activationFailure == nil {
        let delivery = activationWorker.drain()
        if delivery.progress != nil || delivery.analysis != nil || delivery.failure != nil {
          dirty = true
        }
        if let progress = delivery.progress { state.activationProgress = progress }
        if let analysis = delivery.analysis {
          state.receiveActivations(analysis)
        }
        if let failure = delivery.failure {
          state.activationFailure = failure
          state.status = "capture: " + failure
        }
      }
      if dirty {
        let (width, height) = terminal.size
        var canvas = Canvas(width: width, height: height)
        state.clampCursor(listHeight: ModelScreen.listHeight(height))
        Screens.render(state, into: &canvas, context: context)
        terminal.present(canvas)
        dirty = false
      }
      guard let key = terminal.readKey(timeoutMilliseconds: pollMilliseconds) else { continue }
      dirty = true
      if key == .resize { continue }
      state.terminalWidth = terminal.size.width
      state.handle(key, terminalHeight: terminal.size.height)
      if let text = state.clipboardRequest {
        terminal.copyToClipboard(text)
        state.clipboardRequest = nil
      }
      if state.quitRequested { return 0 }
      if let tensor = state.screen == .tensor ? state.openTensor : state.firstTensorUnderCursor {
        worker?.prioritise(tensor)
      }
    }
  }

  /// The theme for `--theme` (nil: `default`, or `mono` when NO_COLOR is set). Warnings of the
  /// theme file are printed before the UI starts.
  static func resolveTheme(_ name: String?) throws(TerminalError) -> (Theme, [String]) {
    guard let name else { return (isNoColour ? .monochrome : .builtIn, []) }
    let result = try ThemeLoader.load(name)
    for warning in result.warnings { printError("quantscope: warning: \(warning)") }
    return (result.theme, result.warnings)
  }

  /// NO_COLOR is set (to anything but the empty string).
  static var isNoColour: Bool {
    getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
  }

  static func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
  }

  private static func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
  }
}

extension AppState {
  /// The tensor under the cursor, or the first tensor of the group under it.
  var firstTensorUnderCursor: Int? {
    let current = rows
    guard current.indices.contains(cursor) else { return nil }
    return tree.leaves[current[cursor].node].first
  }
}
