import Engine

/// The analysis options shared by `report`, `export`, `bench` and the explorer.
enum AnalysisOptions {
  static let valueOptions: Set<String> = [
    "--formats", "--blocksize", "--threshold", "--bins", "--range",
  ]

  /// AnalysisSettings from `--formats`, `--blocksize`, `--threshold`, `--bins`, `--range LO,HI`.
  static func settings(_ parsed: Arguments) throws(CLIError) -> AnalysisSettings {
    var settings = AnalysisSettings()
    if let list = parsed.value("--formats") {
      var formats: [QuantFormat] = []
      for name in list.split(separator: ",").map({ String($0).trimmingSpaces }) where !name.isEmpty
      {
        guard let format = QuantFormat(rawValue: name) else {
          throw .usage(
            "unknown format '\(name)' in --formats (known: \(QuantFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
          )
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
    if let text = parsed.value("--range") {
      let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
        Double(String($0).trimmingSpaces)
      }
      guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite,
        lo < hi
      else {
        throw .usage("--range must be LO,HI with LO < HI (e.g. --range -0.1,0.1), got '\(text)'")
      }
      settings.histogramRange = ValueRange(lo: lo, hi: hi)
    }
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
