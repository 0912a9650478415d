/// The explorer's screens.
public enum ScreenKind: String, CaseIterable, Sendable, Hashable {
  case model, tensor, compare
  case outlierMap = "outlier map"
  case help, export, plan
}

/// The panels of the Tensor screen, in Tab order.
public enum TensorPanel: String, CaseIterable, Sendable, Hashable {
  case values, bins, outliers, errors
}

/// The metric heat cells show.
public enum CellMetric: String, Sendable, Hashable {
  case relErr = "rel_err"
  case sqnr = "SQNR dB"
}

/// Orders of the tensor tree.
public enum TreeSort: String, CaseIterable, Sendable, Hashable {
  case name, error, outliers
}

/// What the outlier map (and the Tensor screen's outlier panel) shows.
public enum OutlierSource: String, Sendable, Hashable {
  /// Weight columns with max |w| ≥ threshold (QuantScope's view).
  case weights
  /// Captured activation features with fp16(max |x|) ≥ fp16(threshold) (LLM.int8()'s view).
  case activations
}
