extension Theme {
  /// The built-in default theme: the schema of theme files. A key missing from a file falls back
  /// to the value here; `Themes/default.theme` must equal `Theme.builtIn.fileText` (a test checks).
  public static let builtIn = Theme(
    name: "default",
    colours: [
      .background: .terminalDefault,
      .text: .rgb(0xd0, 0xd0, 0xd0),
      .muted: .rgb(0x80, 0x80, 0x80),
      .title: .rgb(0x5f, 0xaf, 0xff),
      .border: .rgb(0x4e, 0x4e, 0x4e),
      .focusBorder: .rgb(0x5f, 0xaf, 0xff),
      .headerBar: .rgb(0x26, 0x26, 0x26),
      .selection: .rgb(0x30, 0x3a, 0x4a),
      .group: .rgb(0xaf, 0xaf, 0xd7),
      .kept: .rgb(0x87, 0xd7, 0xff),
      .heatStart: .rgb(0x2e, 0x7d, 0x32),
      .heatMid: .rgb(0xd7, 0xaf, 0x00),
      .heatEnd: .rgb(0xd7, 0x00, 0x00),
      .histogram: .rgb(0x5f, 0x87, 0xd7),
      .level: .rgb(0xff, 0xd7, 0x5f),
      .codeUsage: .rgb(0x87, 0xaf, 0x87),
      .outlier: .rgb(0xff, 0x8f, 0x00),
      .thresholdLine: .rgb(0xff, 0xd5, 0x4f),
      .progress: .rgb(0x5f, 0xaf, 0x5f),
      .key: .rgb(0xff, 0xd7, 0x87),
      .warning: .rgb(0xff, 0xaf, 0x00),
      .error: .rgb(0xff, 0x5f, 0x5f),
    ])

  /// One comment line per key, written above it in theme files.
  static let roleComments: [ThemeRole: String] = [
    .background: "terminal background (\"\" keeps the terminal's own)",
    .text: "ordinary text",
    .muted: "secondary text: units, axis labels, hints",
    .title: "panel and screen titles",
    .border: "panel borders",
    .focusBorder: "border of the focused panel",
    .headerBar: "background of the header lines",
    .selection: "background of the selected row",
    .group: "group rows of the tensor tree",
    .kept: "tensors kept in 16-bit",
    .heatStart: "heat gradient: best error in view",
    .heatMid: "heat gradient: middle",
    .heatEnd: "heat gradient: worst error in view",
    .histogram: "histogram bars",
    .level: "quantization levels over the normalised histogram",
    .codeUsage: "code-usage bars",
    .outlier: "outlier columns",
    .thresholdLine: "outlier threshold line",
    .progress: "progress bar",
    .key: "keys in hints and help",
    .warning: "warnings and disabled actions",
    .error: "errors",
  ]
}
