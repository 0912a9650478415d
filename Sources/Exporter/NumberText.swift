/// Fixed-point and byte-size text for the evidence comments (no Foundation formatting).
enum NumberText {
  /// `value` with `digits` decimals, rounded half away from zero: 0.10386 → "0.1039".
  static func fixed(_ value: Double, _ digits: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e15 else { return String(value) }
    let integer = UInt64(scaled)
    let divisor = UInt64(scale)
    var text = String(integer / divisor)
    if digits > 0 {
      let fraction = String(integer % divisor)
      text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return (value < 0 && integer != 0 ? "-" : "") + text
  }

  /// Decimal byte size with one decimal: "27.8 MB", "4.6 GB".
  static func bytes(_ count: UInt64) -> String {
    let value = Double(count)
    if value >= 1e12 { return fixed(value / 1e12, 1) + " TB" }
    if value >= 1e9 { return fixed(value / 1e9, 1) + " GB" }
    if value >= 1e6 { return fixed(value / 1e6, 1) + " MB" }
    if value >= 1e3 { return fixed(value / 1e3, 1) + " kB" }
    return "\(count) B"
  }

  /// A rel_err: four decimals.
  static func relErr(_ value: Double) -> String { fixed(value, 4) }

  /// An SQNR in dB: one decimal.
  static func decibels(_ value: Double) -> String { fixed(value, 1) + " dB" }

  /// `1,234,567`: a count with thousands separators.
  static func count(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, character) in digits.enumerated() {
      if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
      result.append(character)
    }
    return (value < 0 ? "-" : "") + result
  }
}
