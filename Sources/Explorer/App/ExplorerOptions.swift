import Engine

/// What the explorer needs besides the checkpoint; filled in by the `quantscope` command line.
public struct ExplorerOptions: Sendable {
  /// The checkpoint is QuantScope's synthetic demo (shown in the header).
  public var isDemo: Bool
  /// `--theme NAME|PATH`; nil = `default` (or `mono` under NO_COLOR).
  public var themeName: String?
  public var settings: AnalysisSettings
  /// Creates the analysis backend; called once on a background thread, so a slow start (CUDA)
  /// never delays the first screen.
  public var makeBackend: @Sendable () -> any Backend
  /// Shown in the header until the backend reports its own name ("cpu ×2", "auto").
  public var engineLabel: String
  /// Tensors analysed at the same time (at least 1).
  public var jobs: Int
  /// `--activations FILE` (or the demo's own capture): analysed in the background for the
  /// activation outliers; nil = none.
  public var activationsPath: String?
  /// Start the analysis sweep (tests of the UI alone turn it off).
  public var analyses: Bool
  /// Report mouse clicks and the wheel (`--no-mouse` turns it off).
  public var isMouseEnabled = true
  /// Start without the choices remembered for this model (`--fresh`); they are still saved.
  public var isFresh = false

  public init(
    isDemo: Bool = false, themeName: String? = nil, settings: AnalysisSettings = AnalysisSettings(),
    makeBackend: @escaping @Sendable () -> any Backend, engineLabel: String = "cpu", jobs: Int = 1,
    analyses: Bool = true, activationsPath: String? = nil
  ) {
    self.activationsPath = activationsPath
    self.isDemo = isDemo
    self.themeName = themeName
    self.settings = settings
    self.makeBackend = makeBackend
    self.engineLabel = engineLabel
    self.jobs = jobs
    self.analyses = analyses
  }
}
