/// Compact number renderings for cells (no Foundation `String(format:)`).
enum NumberText {
  /// An error value in 6 characters: `0.0912`, `1.234`, `4.2e-5`, `nan`.
  static func error(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    if value == 0 { return "0" }
    if abs(value) >= 1e6 { return scientific(value, digits: 1) }
    if value >= 100 { return InspectRenderer.fixed(value, digits: 0) }
    if value >= 10 { return InspectRenderer.fixed(value, digits: 2) }
    if value >= 1 { return InspectRenderer.fixed(value, digits: 3) }
    if value >= 0.0001 { return InspectRenderer.fixed(value, digits: 4) }
    return scientific(value, digits: 1)
  }

  /// SQNR in dB with one decimal (`33.6`, `inf`).
  static func decibels(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if abs(value) >= 1e6 { return scientific(value, digits: 1) }
    return InspectRenderer.fixed(value, digits: 1)
  }

  /// `1.2e-05`-like text with `digits` decimals of mantissa.
  static func scientific(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    guard value != 0 else { return "0" }
    var exponent = 0
    var mantissa = abs(value)
    while mantissa >= 10 { mantissa /= 10; exponent += 1 }
    while mantissa < 1 { mantissa *= 10; exponent -= 1 }
    if (mantissa * pow10(digits)).rounded() >= 10 * pow10(digits) {
      mantissa /= 10
      exponent += 1
    }
    return (value < 0 ? "-" : "") + InspectRenderer.fixed(mantissa, digits: digits) + "e" + String(exponent)
  }

  /// A value with about 3 significant digits (`-7.81`, `0.0213`, `1520`).
  static func short(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e6 { return scientific(value, digits: 2) }
    if magnitude >= 1000 { return InspectRenderer.fixed(value, digits: 0) }
    if magnitude >= 100 { return InspectRenderer.fixed(value, digits: 1) }
    if magnitude >= 1 { return InspectRenderer.fixed(value, digits: 2) }
    if magnitude >= 0.1 { return InspectRenderer.fixed(value, digits: 3) }
    if magnitude >= 0.001 { return InspectRenderer.fixed(value, digits: 4) }
    return scientific(value, digits: 1)
  }

  /// A threshold with one decimal (`6.0`, `0.5`), two when needed (`0.25`).
  static func threshold(_ value: Float) -> String {
    guard value.isFinite && abs(value) < 1e6 else { return short(Double(value)) }
    let scaled = Double(value) * 10
    return InspectRenderer.fixed(Double(value), digits: scaled.rounded() == scaled ? 1 : 2)
  }

  /// Parameter counts: `8.03 B`, `22.7 M`, `4.1 k`, `512`.
  static func count(_ value: Int) -> String {
    let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
    let number = Double(value)
    for (scale, unit) in units where number >= scale {
      let scaled = number / scale
      return InspectRenderer.fixed(scaled, digits: scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2) + " " + unit
    }
    return String(value)
  }

  /// `m:ss` or `h:mm:ss`.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 && seconds < 1e7 else { return "–" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
    let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
  }

  private static func pow10(_ digits: Int) -> Double {
    var result = 1.0
    for _ in 0..<digits { result *= 10 }
    return result
  }
}
