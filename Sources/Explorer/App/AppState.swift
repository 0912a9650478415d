import Engine
import Exporter
import Safetensors

/// Everything the explorer shows: the checkpoint, the results streamed in so far, and the user's
/// choices. Screens are pure functions of it; key actions mutate it.
public struct AppState: Sendable {
  // MARK: - Data
  public let checkpoint: Checkpoint
  public let isDemo: Bool
  public var settings: AnalysisSettings
  /// Results by tensor index (nil: not analysed yet, or not analysable).
  public private(set) var analyses: [TensorAnalysis?]
  /// Per-tensor analysis failures, one line each.
  public var failures: [Int: String] = [:]
  public var engineLabel: String
  public var progress: AnalysisProgress?
  /// Seconds since the sweep started (for rate and ETA).
  public var elapsedSeconds: Double = 0
  /// A one-line message in the status line (errors, warnings, confirmations).
  public var status: String?
  let tree: ModelTree
  /// What the checkpoint stores already quantized: a bitsandbytes save fixes the model's choice
  /// (type, double quant, skip list); FP8 weights are quantized again like any others.
  public let storedKind: StoredExport.Kind
  /// Outlier column count per tensor at `threshold` (nil: unknown).
  private(set) var outlierCounts: [Int?]

  // MARK: - Choices
  public var screen: ScreenKind = .model
  /// Screen to return to from Help.
  public var previousScreen: ScreenKind = .model
  /// Screens Esc returns to from the Tensor, Compare and outlier-map screens, the last one first
  /// (`c` on a tensor, then Esc, returns to the tensor).
  public var backStack: [ScreenKind] = []
  /// The format chosen for the model (what an export writes).
  public var globalFormat: QuantFormat
  /// The format the Model/Compare heat and sort use, and the Tensor screen's bins.
  public var viewFormat: QuantFormat
  public var metric: CellMetric = .relErr
  public var sort: TreeSort = .name
  public var filter: String = ""
  public var isEditingFilter = false
  /// The outlier threshold (`+`/`-`); counts are re-derived from `columnAbsmax`.
  public private(set) var threshold: Float
  /// Names of tensors to keep in 16-bit.
  public var kept: Set<String> = []

  /// The keeps that take effect under `globalFormat`: all of them for the 4-bit formats (QLoRA's
  /// `llm_int8_skip_modules`), none for the 8-bit ones (Axolotl's 8-bit path passes no skip list;
  /// the export says so), so memory figures match the exported config.
  public var appliedKept: Set<String> {
    switch globalFormat {
    case .nf4, .nf4dq, .fp4, .fp4dq, .int4: kept
    case .int8, .dyn8: []
    }
  }
  /// Group ids that are collapsed.
  public var collapsed: Set<String>
  public var cursor = 0
  public var scroll = 0
  /// The tensor open on the Tensor screen.
  public var openTensor: Int?
  public var focus: TensorPanel = .values
  public var histogramLog = true
  /// Y zoom of the values histogram: 1, 4, 16 (clips the peak to show the tails).
  public var histogramZoom = 1
  public var braille = true
  public var compareScroll = 0
  /// The Compare cursor: a row of its layer list (in the order shown) and a module column.
  public var compareCursor = (row: 0, column: 0)
  /// The outlier map's cursor: a layer row (counted over every width's section) and a cell.
  public var mapCursor = (row: 0, column: 0)
  /// Columns of the terminal drawn last: the outlier map folds dims into cells by it.
  public var terminalWidth = 80
  /// Text for the terminal's clipboard (`y`); the app loop sends it and clears it.
  public var clipboardRequest: String?
  /// Compare lists the worst layers (in the view format) first.
  public var compareWorstFirst = false
  public var mapScroll = 0
  public var helpScroll = 0
  public var quitRequested = false
  /// The outlier map's (and the Tensor screen's outlier panel's) source: weights or activations.
  public var mapSource: OutlierSource = .weights

  // MARK: - Activations
  /// The capture file being (or having been) analysed; nil when none is loaded.
  public var activationsPath: String?
  /// The capture's analysis once it arrives.
  public private(set) var activations: ActivationAnalysis?
  /// Modules of the capture analysed so far.
  public var activationProgress: ActivationProgress?
  /// Why the capture analysis failed, one line.
  public var activationFailure: String?
  /// The capture's outliers at `threshold`, re-derived when it changes.
  private(set) var activationOutliers: ActivationOutliers?

  /// The Plan screen's budget, objective and result.
  public var planState = PlanState()

  /// The export dialog while it is open.
  public var exportDialog: ExportDialog?
  /// The date written into exports (tests fix it).
  public var exportDate = AxolotlExporter.today()

  public init(checkpoint: Checkpoint, isDemo: Bool, settings: AnalysisSettings, engineLabel: String)
  {
    self.checkpoint = checkpoint
    self.isDemo = isDemo
    self.settings = settings
    self.engineLabel = engineLabel
    analyses = Array(repeating: nil, count: checkpoint.tensors.count)
    outlierCounts = Array(repeating: nil, count: checkpoint.tensors.count)
    tree = ModelTree(names: checkpoint.tensors.map(\.name))
    collapsed = Set(tree.blockIDs.dropFirst()).union(tree.expertGroupIDs)
    threshold = settings.threshold
    storedKind = StoredExport.kind(checkpoint)
    globalFormat = Self.defaultFormat(settings.formats, stored: storedKind)
    viewFormat = globalFormat
  }

  /// Why the model's choice cannot change: the checkpoint is a bitsandbytes save, which loads
  /// only as saved (nil otherwise).
  var fixedChoiceReason: String? {
    guard case .bitsandbytes(let quant, let doubleQuant, _) = storedKind else { return nil }
    return
      "stored as \(StoredExport.describe(quant, doubleQuant)) in the file: it loads only as saved"
  }

  // MARK: - Results

  /// Stores a result streamed in from the analysis.
  public mutating func receive(_ analysis: TensorAnalysis, at index: Int) {
    guard analyses.indices.contains(index) else { return }
    analyses[index] = analysis
    outlierCounts[index] = Self.countOutliers(analysis, threshold)
    if var dialog = exportDialog {
      dialog.refresh(self, date: exportDate)
      exportDialog = dialog
    }
  }

  /// Sets the outlier threshold and re-derives every outlier count from `columnAbsmax`.
  public mutating func setThreshold(_ value: Float) {
    threshold = max(0.25, min(1000, value))
    for index in analyses.indices {
      outlierCounts[index] = analyses[index].flatMap { Self.countOutliers($0, threshold) }
    }
    if let activations {
      activationOutliers = ActivationOutliers(activations, threshold: threshold)
    }
  }

  /// Stores the capture's analysis and derives its outliers at the current threshold.
  /// Problems of the capture (names matching no weight, wrong feature counts) go to the status
  /// line; they were printed on stderr before the UI started.
  public mutating func receiveActivations(_ analysis: ActivationAnalysis) {
    activations = analysis
    activationOutliers = ActivationOutliers(analysis, threshold: threshold)
    if let first = analysis.problems.first, status == nil {
      let more =
        analysis.problems.count > 1
        ? " (+\(analysis.problems.count - 1) more, printed on start)" : ""
      status = "capture: " + first + more
    }
  }

  static func countOutliers(_ analysis: TensorAnalysis, _ threshold: Float) -> Int? {
    guard let outliers = analysis.outliers else { return nil }
    return outliers.columnAbsmax.reduce(0) { $0 + ($1 >= threshold ? 1 : 0) }
  }

  /// Columns of `analysis` at or above the current threshold, ascending.
  public func outlierColumns(_ analysis: TensorAnalysis) -> [Int] {
    guard let outliers = analysis.outliers else { return [] }
    return outliers.columnAbsmax.indices.filter { outliers.columnAbsmax[$0] >= threshold }
  }

  func outlierCount(_ tensor: Int) -> Int? {
    outlierCounts.indices.contains(tensor) ? outlierCounts[tensor] : nil
  }

  /// The global format of the default choice (`QuantChoice.standard`, nf4 + double quant) when
  /// it is analysed, else nf4, else the first format analysed.
  ///
  /// A bitsandbytes save's choice is the one it is stored in.
  static func defaultFormat(_ formats: [QuantFormat], stored: StoredExport.Kind = .none)
    -> QuantFormat
  {
    if case .bitsandbytes(let quant, let doubleQuant, _) = stored {
      let format = QuantChoice(quant: quant, doubleQuant: doubleQuant).errorFormat
      if formats.contains(format) { return format }
    }
    if formats.contains(QuantChoice.standard.errorFormat) { return QuantChoice.standard.errorFormat }
    return formats.contains(.nf4) ? .nf4 : formats.first ?? .nf4
  }

  /// The model's choice (global format and kept tensors), or nil for a format Axolotl cannot load.
  public var choice: QuantChoice? { QuantChoice(format: globalFormat, kept: kept) }

  /// The figures of the choice: what the footers, the export and the Plan screen print.
  public var choiceSummary: ChoiceSummary? {
    choice.map {
      ChoiceSummary(
        choice: $0, tensors: checkpoint.tensors, analyses: analyses, settings: settings,
        architecture: ModelArchitecture(checkpoint))
    }
  }

  /// Model-level totals over the results so far, over the tensors the choice quantizes (kept
  /// tensors left out, as in the export's comments).
  public var totals: ModelTotals {
    ChoiceSummary.totals(
      tensors: checkpoint.tensors, analyses: analyses, settings: settings, kept: appliedKept,
      architecture: ModelArchitecture(checkpoint))
  }

  /// Tensors whose dtype can be analysed.
  var analysableCount: Int { checkpoint.tensors.filter { $0.dtype.isAnalysable }.count }

  /// True while tensor `index` awaits its result: analysable, neither analysed nor failed.
  func isPending(_ index: Int) -> Bool {
    analyses[index] == nil && checkpoint.tensors[index].dtype.isAnalysable && failures[index] == nil
  }

  /// Tensors analysed so far and tensors to analyse, while some are still pending (nil once
  /// every analysable tensor has a result or a failure): aggregates over them are partial.
  var partialCoverage: (done: Int, total: Int)? {
    guard analyses.indices.contains(where: isPending) else { return nil }
    return (analyses.filter { $0 != nil }.count, analysableCount)
  }

  /// The value a heat cell shows for `format` on a tensor (nil: no metrics, or the format the
  /// tensor is stored in, whose error cannot be measured).
  func metricValue(_ tensor: Int, _ format: QuantFormat) -> Double? {
    guard analyses.indices.contains(tensor), let analysis = analyses[tensor],
      let metrics = analysis.formats[format], !analysis.isStoredFormat(format)
    else {
      return nil
    }
    return metric == .relErr ? metrics.relErr : metrics.sqnrDB
  }

  /// True when some tensor of `tensors` is stored in `format` (its cell reads "stored").
  func hasStoredFormat(_ tensors: [Int], _ format: QuantFormat) -> Bool {
    tensors.contains {
      analyses.indices.contains($0) && analyses[$0]?.isStoredFormat(format) == true
    }
  }

  /// True when a larger metric value is worse.
  var higherIsWorse: Bool { metric == .relErr }

  /// The worst of `values` under the current metric.
  func worst(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    if values.contains(where: \.isNaN) { return .nan }
    return higherIsWorse ? values.max() : values.min()
  }
}
