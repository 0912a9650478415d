import Engine
import Exporter

#if canImport(Glibc)
  import Glibc
#endif

/// The export dialog's state: the choice read from the app (global format, kept tensors,
/// threshold), the rendered YAML, the output path being edited, and what happened last.
public struct ExportDialog: Sendable {
  /// The rendered config, or why it cannot be rendered.
  public var rendered: Result<ExportResult, ExportError>
  public var choice: ExportChoice
  /// The output path (edited by typing).
  public var path: String
  /// First line of the preview shown.
  public var scroll = 0
  /// True after a write found the file existing: ⏎ again overwrites.
  public var confirmOverwrite = false
  /// The last outcome, one line.
  public var message: String?

  /// The export choice that the global format stands for, or nil for formats Axolotl cannot
  /// express (int4, dyn8).
  public static func choice(for format: QuantFormat, kept: Set<String>, threshold: Float)
    -> ExportChoice?
  {
    let skip = kept.sorted().compactMap { ModuleName(tensor: TensorName($0)) }
    switch format {
    case .nf4:
      return ExportChoice(quant: .nf4, doubleQuant: false, skip: skip, threshold: threshold)
    case .nf4dq:
      return ExportChoice(quant: .nf4, doubleQuant: true, skip: skip, threshold: threshold)
    case .fp4:
      return ExportChoice(quant: .fp4, doubleQuant: false, skip: skip, threshold: threshold)
    case .fp4dq:
      return ExportChoice(quant: .fp4, doubleQuant: true, skip: skip, threshold: threshold)
    case .int8: return ExportChoice(quant: .int8, skip: skip, threshold: threshold)
    case .int4, .dyn8: return nil
    }
  }

  /// Opens the dialog for `state` (nil when the global format cannot be exported).
  static func open(_ state: AppState, date: String) -> ExportDialog? {
    guard var choice = choice(for: state.globalFormat, kept: state.kept, threshold: state.threshold)
    else {
      return nil
    }
    // A bitsandbytes save is exported as saved, as `quantscope export` does: its type, double
    // quant and config.json's skip list.
    if case .bitsandbytes(let quant, let doubleQuant, let skip) = state.storedKind,
      let loaded = try? StoredExport.reconcile(
        stored: quant, doubleQuant: doubleQuant, skip: skip, requested: nil,
        requestedDoubleQuant: nil, requestedSkip: [])
    {
      (choice.quant, choice.doubleQuant, choice.skip) =
        (loaded.quant, loaded.doubleQuant, loaded.skip)
    }
    if let applied = state.planState.applied, applied.choice.isSameDecision(as: state.choice) {
      choice.budgetBytes = applied.budget
      choice.objective = applied.choice.objective
    }
    let path = choice.quant.isFourBit ? "./qlora-quantscope.yml" : "./lora-8bit-quantscope.yml"
    return ExportDialog(rendered: render(choice, state, date: date), choice: choice, path: path)
  }

  /// Renders the preview again from `state`'s results (they keep arriving while the dialog is
  /// open; what is written is always the latest), keeping the path, scroll and last outcome.
  mutating func refresh(_ state: AppState, date: String) {
    rendered = Self.render(choice, state, date: date)
  }

  private static func render(_ choice: ExportChoice, _ state: AppState, date: String)
    -> Result<ExportResult, ExportError>
  {
    do throws(ExportError) {
      return .success(
        try AxolotlExporter.render(
          choice: choice, checkpoint: state.checkpoint, analyses: state.analyses,
          settings: state.settings,
          date: date))
    } catch {
      return .failure(error)
    }
  }

  /// `path` with a leading `~` (alone or before `/`) replaced by `home`, as a shell would.
  static func expandingTilde(_ path: String, home: String?) -> String {
    guard let home, !home.isEmpty, path == "~" || path.hasPrefix("~/") else { return path }
    return home + path.dropFirst()
  }

  /// Writes the YAML to `path` (`~` expanded) atomically; an existing file needs a second ⏎.
  mutating func write() -> Bool {
    guard case .success(let result) = rendered else { return false }
    let path = Self.expandingTilde(path, home: getenv("HOME").map { String(cString: $0) })
    do throws(ExportError) {
      try AtomicFile.write(result.yaml, to: path, overwrite: confirmOverwrite)
      message = "wrote \(path)"
      confirmOverwrite = false
      return true
    } catch {
      if case .fileExists = error {
        confirmOverwrite = true
        message = "\(path) exists: ⏎ again to replace it, or edit the path"
      } else {
        message = error.description
        confirmOverwrite = false
      }
      return false
    }
  }

}
