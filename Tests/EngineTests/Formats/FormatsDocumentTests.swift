import Engine
import Safetensors
import TestSupport
import Testing

/// The worked examples of `docs/FORMATS.md` §10, read from the document's fenced `examples` blocks
/// and run through the reference kernels. The expected numbers in the document were computed by
/// `scripts/make-golden.py` (checked against bitsandbytes 0.50.2), never by QuantScope.
@Suite struct FormatsDocumentTests {}

/// The examples that must be present in the document, each with at least one line (E10 and E11,
/// the LLM.int8() layer outputs, are checked by `ActivationOutputTests`). Named here so that a
/// missing document or block fails instead of running no example.
private let requiredExamples = [
  "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E12", "E13", "E14",
]

/// One line of an `examples` block, with the example (`# En` comment) it belongs to.
struct FormatsExample: Sendable, CustomTestStringConvertible {
  var example: String
  var lineNumber: Int
  var fields: [String]
  var testDescription: String { "\(example) (FORMATS.md:\(lineNumber))" }
}

/// Reasons an examples line cannot be read.
struct FormatsExampleError: Error, CustomStringConvertible {
  var description: String
}

extension FormatsExample {
  /// Every example line of the document at `path`.
  static func all(in path: String) throws -> [FormatsExample] {
    let text = try FileContents.text(path)
    var examples: [FormatsExample] = []
    var inside = false
    var current = ""
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingWhitespace()
      if line.hasPrefix("```") {
        inside = line == "```examples"
        continue
      }
      guard inside, !line.isEmpty else { continue }
      if line.hasPrefix("#") {
        current = String(line.dropFirst()).trimmingWhitespace()
        continue
      }
      let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
        String($0).trimmingWhitespace()
      }
      examples.append(FormatsExample(example: current, lineNumber: index + 1, fields: fields))
    }
    return examples
  }

  /// The field at `index` as float32 values; nil for `-`.
  func floats(_ index: Int) throws -> [Float]? {
    try numbers(index) { token in
      let negative = token.hasPrefix("-")
      let body = negative ? String(token.dropFirst()) : token
      if body.lowercased().hasPrefix("0x"), let bits = UInt32(body.dropFirst(2), radix: 16) {
        let value = Float(bitPattern: bits)
        return negative ? -value : value
      }
      return Float(token)
    }
  }

  /// The field at `index` as integers (codes); nil for `-`.
  func integers(_ index: Int) throws -> [Int]? {
    try numbers(index) { Int($0) }
  }

  private func numbers<T>(_ index: Int, _ parse: (String) -> T?) throws -> [T]? {
    guard index < fields.count else {
      throw FormatsExampleError(description: "line \(lineNumber): too few fields")
    }
    if fields[index] == "-" { return nil }
    var values: [T] = []
    for token in fields[index].split(separator: " ") {
      let parts = token.split(separator: "*")
      guard let value = parse(String(parts[0])), parts.count <= 2 else {
        throw FormatsExampleError(description: "line \(lineNumber): cannot read \(token)")
      }
      let repeats = parts.count == 2 ? Int(parts[1]) ?? -1 : 1
      guard repeats >= 0 else {
        throw FormatsExampleError(description: "line \(lineNumber): bad repeat in \(token)")
      }
      values += Array(repeating: value, count: repeats)
    }
    return values
  }
}

extension Substring {
  fileprivate func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}

extension String {
  fileprivate func trimmingWhitespace() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" || first == "\r" {
      scalars.removeFirst()
    }
    while let last = scalars.last, last == " " || last == "\t" || last == "\r" {
      scalars.removeLast()
    }
    return String(scalars)
  }
}

private let documentPath = FixturePaths.packageRoot + "/docs/FORMATS.md"

/// The examples, read once; an unreadable document yields no lines and fails `everyExampleIsPresent`.
private let documentExamples: [FormatsExample] = (try? FormatsExample.all(in: documentPath)) ?? []

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// `value` rounded to the storage dtype (nearest, ties to even), as a tensor of that dtype holds it.
private func stored(_ value: Float, as dtype: DType) -> Float {
  switch dtype {
  case .F16: Float(Float16(value))
  case .BF16: Float(bitPattern: UInt32(bfloat16Bits(value)) << 16)
  default: value
  }
}

extension FormatsDocumentTests {
  @Test func everyExampleIsPresent() throws {
    let examples = try FormatsExample.all(in: documentPath)
    for name in requiredExamples {
      #expect(
        examples.contains { $0.example == name }, "FORMATS.md has no example line for \(name)")
    }
    #expect(examples.allSatisfy { $0.fields.count == ($0.fields.first == "dq-scales" ? 6 : 5) })
  }

  @Test(arguments: documentExamples.filter { $0.fields.first != "dq-scales" })
  func blockAndInt8Example(_ line: FormatsExample) throws {
    let head = line.fields[0]
    let formatAndShape = head.split(separator: "@", maxSplits: 1)
    let formatAndDtype = formatAndShape[0].split(separator: "/", maxSplits: 1)
    let format = try #require(
      QuantFormat(rawValue: String(formatAndDtype[0])), "unknown format in \(head)")
    let dtype: DType =
      formatAndDtype.count == 2 ? try #require(DType(rawValue: String(formatAndDtype[1]))) : .F32
    let values = try #require(try line.floats(1)).map { stored($0, as: dtype) }
    var shape = [values.count]
    if formatAndShape.count == 2 {
      shape = formatAndShape[1].split(separator: "x").compactMap { Int($0) }
      try #require(shape.count == 2 && shape[0] * shape[1] == values.count, "shape of \(head)")
    }
    let result = FormatReference.roundTrip(
      format, values: values, dtype: dtype, shape: shape, blocksize: 64)
    if let scales = try line.floats(2) { #expect(bits(result.absmax) == bits(scales), "scales") }
    if let codes = try line.integers(3) {
      let actual =
        format == .int8
        ? result.codes.map { Int(Int8(bitPattern: $0)) } : result.codes.map { Int($0) }
      #expect(actual == codes, "codes")
    }
    if let dequantized = try line.floats(4) {
      #expect(bits(result.dequantized) == bits(dequantized), "ŵ")
    }
  }

  @Test(arguments: documentExamples.filter { $0.fields.first == "dq-scales" })
  func doubleQuantizationExample(_ line: FormatsExample) throws {
    // One 64-block per first-level scale, the scale being the block's only nonzero element.
    let scales = try #require(try line.floats(1))
    var values = [Float](repeating: 0, count: scales.count * 64)
    for (block, scale) in scales.enumerated() { values[block * 64] = scale }
    let result = FormatReference.roundTrip(
      .nf4dq, values: values, dtype: .F32, shape: [values.count], blocksize: 64)
    let second = try #require(result.doubleQuantization)
    #expect(bits(result.absmax) == bits(scales))
    if let offset = try line.floats(2) { #expect(bits([second.offset]) == bits(offset), "offset") }
    if let absmax2 = try line.floats(3) {
      #expect(bits(second.absmax2) == bits(absmax2), "absmax2")
    }
    if let codes = try line.integers(4) {
      #expect(second.qabsmax.map { Int($0) } == codes, "codes")
    }
    if let absmaxHat = try line.floats(5) {
      #expect(bits(second.absmaxHat) == bits(absmaxHat), "absmax_hat")
    }
  }
}
