import Engine

/// The analysis options shared by `report`, `export`, `bench` and the explorer.
enum AnalysisOptions {
  static let valueOptions: Set<String> = ["--formats", "--blocksize", "--threshold", "--bins"]

  /// AnalysisSettings from `--formats`, `--blocksize`, `--threshold`, `--bins`.
  static func settings(_ parsed: Arguments) throws(CLIError) -> AnalysisSettings {
    var settings = AnalysisSettings()
    if let list = parsed.value("--formats") {
      var formats: [QuantFormat] = []
      for name in list.split(separator: ",").map({ String($0).trimmingSpaces }) where !name.isEmpty {
        guard let format = QuantFormat(rawValue: name) else {
          throw .usage("unknown format '\(name)' in --formats (known: \(QuantFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if !formats.contains(format) { formats.append(format) }
      }
      guard !formats.isEmpty else { throw .usage("--formats needs at least one format") }
      settings.formats = formats
    }
    if let blocksize = try parsed.integer("--blocksize", in: 32...4096) {
      guard blocksize & (blocksize - 1) == 0 else {
        throw .usage("--blocksize must be a power of two between 32 and 4096, got \(blocksize)")
      }
      settings.blocksize = blocksize
    }
    if let threshold = try parsed.float("--threshold") { settings.threshold = threshold }
    if let bins = try parsed.integer("--bins", in: 2...4096) { settings.bins = bins }
    return settings
  }

  /// Worker threads from `--jobs` (default: every core).
  static func jobs(_ parsed: Arguments) throws(CLIError) -> Int {
    try parsed.integer("--jobs", in: 1...1024) ?? SystemInfo.coreCount
  }
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  var trimmingSpaces: String {
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
    return String(scalars)
  }
}
