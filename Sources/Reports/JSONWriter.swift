import Safetensors

/// A small streaming JSON text builder for the headless outputs (`inspect --json`, `report`).
///
/// Numbers are written in Swift's shortest round-trip form; NaN becomes `null` and ±infinity the
/// strings `"inf"` / `"-inf"` (JSON has no such numbers). Keys keep insertion order.
public struct JSONWriter {
  public private(set) var text = ""
  private var needsComma: [Bool] = [false]

  public init() {}

  // MARK: - Containers

  public mutating func beginObject(_ key: String? = nil) { open(key, "{") }
  public mutating func endObject() { close("}") }
  public mutating func beginArray(_ key: String? = nil) { open(key, "[") }
  public mutating func endArray() { close("]") }

  // MARK: - Values

  public mutating func string(_ key: String?, _ value: String) {
    prefix(key)
    text += Self.quoted(value)
  }

  public mutating func bool(_ key: String?, _ value: Bool) {
    prefix(key)
    text += value ? "true" : "false"
  }

  public mutating func integer<T: BinaryInteger>(_ key: String?, _ value: T) {
    prefix(key)
    text += String(value)
  }

  public mutating func number(_ key: String?, _ value: Double) {
    prefix(key)
    text += Self.number(value)
  }

  /// One number member per pair, in order.
  public mutating func numbers(_ members: KeyValuePairs<String, Double>) {
    for (key, value) in members { number(key, value) }
  }

  public mutating func null(_ key: String?) {
    prefix(key)
    text += "null"
  }

  /// A complete JSON value produced elsewhere, inserted as is.
  public mutating func raw(_ key: String?, _ jsonText: String) {
    prefix(key)
    var trimmed = Substring(jsonText)
    while let last = trimmed.last, last == "\n" || last == " " { trimmed.removeLast() }
    text += trimmed
  }

  /// An array of integers on one line.
  public mutating func integers<T: BinaryInteger>(_ key: String?, _ values: [T]) {
    prefix(key)
    text += "[" + values.map { String($0) }.joined(separator: ",") + "]"
  }

  // MARK: - Formatting

  /// JSON text of a double: shortest round-trip digits, `null` for NaN, `"inf"`/`"-inf"`.
  public static func number(_ value: Double) -> String {
    if value.isNaN { return "null" }
    if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
    if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
    return "\(value)"
  }

  /// A JSON string literal (RFC 8259 escapes).
  public static func quoted(_ value: String) -> String { SafetensorsWriter.jsonString(value) }

  // MARK: - Private

  private mutating func prefix(_ key: String?) {
    if needsComma[needsComma.count - 1] { text += "," }
    needsComma[needsComma.count - 1] = true
    if let key { text += Self.quoted(key) + ":" }
  }

  private mutating func open(_ key: String?, _ bracket: String) {
    prefix(key)
    text += bracket
    needsComma.append(false)
  }

  private mutating func close(_ bracket: String) {
    if needsComma.count > 1 { needsComma.removeLast() }
    text += bracket
  }
}
