/// What a cell shows, which decides its colour: the keys of a theme file.
///
/// Most roles name a foreground colour drawn on `background`; `selection` and `header_bar` are
/// background colours (of the selected row and of the header lines).
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
  /// The terminal background behind everything ("" keeps the terminal's own).
  case background
  /// Ordinary text.
  case text
  /// Secondary text: units, hints, axis labels.
  case muted
  /// Titles of panels and screens.
  case title
  /// Panel borders.
  case border
  /// The border of the focused panel.
  case focusBorder = "focus_border"
  /// Background of the header lines.
  case headerBar = "header_bar"
  /// Background of the selected row.
  case selection
  /// Group rows of the tensor tree.
  case group
  /// Tensors marked "keep in 16-bit".
  case kept
  /// Best error in view; heat cells are graded from start over mid to end.
  case heatStart = "heat_start"
  /// Middle of the heat gradient.
  case heatMid = "heat_mid"
  /// Worst error in view.
  case heatEnd = "heat_end"
  /// Histogram bars.
  case histogram
  /// Quantization levels drawn over the block-normalised histogram.
  case level
  /// Code-usage bars.
  case codeUsage = "code_usage"
  /// Outlier columns.
  case outlier
  /// The outlier threshold line.
  case thresholdLine = "threshold_line"
  /// The filled part of the progress bar.
  case progress
  /// Keys in the hint bar and the help screen.
  case key
  /// Warnings and disabled actions.
  case warning
  /// Errors.
  case error

  /// The letter this role has in snapshot role maps.
  public var mapLetter: Character {
    switch self {
    case .background: " "
    case .text: "."
    case .muted: "m"
    case .title: "T"
    case .border: "b"
    case .focusBorder: "B"
    case .headerBar: "H"
    case .selection: "S"
    case .group: "g"
    case .kept: "k"
    case .heatStart: "<"
    case .heatMid: "="
    case .heatEnd: ">"
    case .histogram: "h"
    case .level: "l"
    case .codeUsage: "c"
    case .outlier: "o"
    case .thresholdLine: "t"
    case .progress: "p"
    case .key: "K"
    case .warning: "w"
    case .error: "E"
    }
  }

  /// True for the roles whose colour is a background.
  public var isBackground: Bool {
    switch self {
    case .background, .selection, .headerBar: true
    default: false
    }
  }
}
