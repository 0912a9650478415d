#if canImport(Glibc)
  import Glibc
#endif

/// Every number rendering of the reports, the explorer and the export comments, in one place (no
/// Foundation `String(format:)`). Each format is one function; the same value in the same format
/// prints the same text everywhere.
public enum NumberText {
  // MARK: - Fixed point

  /// `value` with `digits` decimals, rounded half away from zero (0.10386 → `0.1039`); `nan`,
  /// `inf`, `-inf`; magnitudes from 9·10¹⁵ on in Swift's shortest form.
  public static func fixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let scale = pow10(digits)
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

  /// A float32 rounded to two decimals, in Swift's shortest form (`44.97`, `6.0`).
  public static func hundredths(_ value: Float) -> String {
    value.isFinite ? "\((Double(value) * 100).rounded() / 100)" : JSONWriter.number(Double(value))
  }

  /// A fraction as a percentage with one decimal (0.0312 → `3.1%`).
  public static func percent(_ fraction: Double) -> String {
    let tenths = Int((fraction * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
  }

  // MARK: - Scientific

  /// `1.2e-05`-like text with `digits` decimals of mantissa (`4.2e-5`, `1.000e-2`).
  public static func scientific(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    guard value != 0 else { return "0" }
    var exponent = 0
    var mantissa = abs(value)
    while mantissa >= 10 {
      mantissa /= 10
      exponent += 1
    }
    while mantissa < 1 {
      mantissa *= 10
      exponent -= 1
    }
    if (mantissa * pow10(digits)).rounded() >= 10 * pow10(digits) {
      mantissa /= 10
      exponent += 1
    }
    return (value < 0 ? "-" : "") + fixed(mantissa, digits: digits) + "e" + String(exponent)
  }

  /// Three significant digits with a signed two-digit exponent, as C's `%.2e` (`3.72e-03`);
  /// `0`, `inf`, `-inf`, `nan`.
  public static func exponential(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == 0 { return "0" }
    var exponent = Int(floor(log10(Swift.abs(value))))
    var mantissa = (Swift.abs(value) / pow(10, Double(exponent)) * 100).rounded()
    if mantissa >= 1000 {
      mantissa /= 10
      exponent += 1
    }
    let digits = Int(mantissa)
    let sign = value < 0 ? "-" : ""
    let e = Swift.abs(exponent)
    let exponentText = (exponent < 0 ? "-" : "+") + (e < 10 ? "0\(e)" : "\(e)")
    let fraction = digits % 100
    return
      "\(sign)\(digits / 100).\(fraction < 10 ? "0\(fraction)" : "\(fraction)")e\(exponentText)"
  }

  // MARK: - Cells of the explorer

  /// An error value in 6 characters: `0.0912`, `1.234`, `4.2e-5`, `nan`.
  public static func error(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    if value == 0 { return "0" }
    if abs(value) >= 1e6 { return scientific(value, digits: 1) }
    return stepped(value, measure: value, errorSteps)
  }

  /// `error`'s decimals: the first step whose bound the value reaches (`0.0912`, `12.34`).
  private static let errorSteps: [(bound: Double, digits: Int)] = [
    (100, 0), (10, 2), (1, 3), (0.0001, 4),
  ]

  /// `value` with the decimals of the first of `steps` whose bound `measure` reaches; below the
  /// last bound, scientific with one decimal.
  private static func stepped(
    _ value: Double, measure: Double, _ steps: [(bound: Double, digits: Int)]
  ) -> String {
    for step in steps where measure >= step.bound { return fixed(value, digits: step.digits) }
    return scientific(value, digits: 1)
  }

  /// SQNR in dB with one decimal (`33.6`, `inf`).
  public static func decibels(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if abs(value) >= 1e6 { return scientific(value, digits: 1) }
    return fixed(value, digits: 1)
  }

  /// A value with about 3 significant digits (`-7.81`, `0.0213`, `1520`).
  public static func short(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e6 { return scientific(value, digits: 2) }
    return stepped(value, measure: magnitude, shortSteps)
  }

  /// `short`'s decimals, by magnitude (`1234`, `123.4`, `1.23`, `0.123`, `0.0123`).
  private static let shortSteps: [(bound: Double, digits: Int)] = [
    (1000, 0), (100, 1), (1, 2), (0.1, 3), (0.001, 4),
  ]

  /// A threshold with one decimal (`6.0`, `0.5`), two when needed (`0.25`).
  public static func threshold(_ value: Float) -> String {
    guard value.isFinite && abs(value) < 1e6 else { return short(Double(value)) }
    let scaled = Double(value) * 10
    return fixed(Double(value), digits: scaled.rounded() == scaled ? 1 : 2)
  }

  /// `m:ss` or `h:mm:ss`.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 && seconds < 1e7 else { return "–" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
    let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
  }

  // MARK: - Counts and sizes

  /// Parameter counts: `8.03 B`, `22.7 M`, `4.1 k`, `512`.
  public static func count(_ value: Int) -> String {
    let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
    let number = Double(value)
    for (scale, unit) in units where number >= scale {
      let scaled = number / scale
      return fixed(scaled, digits: scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2) + " " + unit
    }
    return String(value)
  }

  /// 22713216 → `22,713,216`.
  public static func groupedDigits(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
      out.append(character)
    }
    return value < 0 ? "-" + out : out
  }

  /// Bytes in decimal units with three significant digits: `4.61 GB`, `90.9 MB`, `512 B`.
  public static func bytes(_ count: UInt64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    if unit == 0 { return "\(count) B" }
    return fixed(value, digits: value >= 100 ? 0 : value >= 10 ? 1 : 2) + " " + units[unit]
  }

  /// Bytes in decimal units with one decimal, as the export comments write them: `27.8 MB`.
  public static func bytesOneDecimal(_ count: UInt64) -> String {
    let value = Double(count)
    if value >= 1e12 { return fixed(value / 1e12, digits: 1) + " TB" }
    if value >= 1e9 { return fixed(value / 1e9, digits: 1) + " GB" }
    if value >= 1e6 { return fixed(value / 1e6, digits: 1) + " MB" }
    if value >= 1e3 { return fixed(value / 1e3, digits: 1) + " kB" }
    return "\(count) B"
  }

  private static func pow10(_ digits: Int) -> Double {
    var result = 1.0
    for _ in 0..<digits { result *= 10 }
    return result
  }
}
