/// A shard file name, `PREFIX[-_]NNNNN-of-MMMMM.safetensors` (huggingface_hub
/// `src/huggingface_hub/serialization/_base.py`; older exports use `_` before the index).
struct ShardName {
  /// `PREFIX` plus its separator (`model-`, `model_`): shards of one set share it.
  var group: String
  /// 1-based shard number.
  var index: Int
  /// Number of shards in the set.
  var total: Int

  /// Parses `name`; nil when it does not follow the pattern.
  init?(_ name: String) {
    let suffix = ".safetensors"
    guard name.hasSuffix(suffix) else { return nil }
    let stem = Array(name.utf8.dropLast(suffix.utf8.count))
    let marker = Array("-of-".utf8)
    // Find the last "-of-".
    guard stem.count > marker.count else { return nil }
    var markerStart: Int?
    for start in stride(from: stem.count - marker.count, through: 0, by: -1)
    where Array(stem[start..<(start + marker.count)]) == marker {
      markerStart = start
      break
    }
    guard let markerStart else { return nil }
    let totalDigits = stem[(markerStart + marker.count)...]
    var indexStart = markerStart
    while indexStart > 0 && Self.isDigit(stem[indexStart - 1]) { indexStart -= 1 }
    let indexDigits = stem[indexStart..<markerStart]
    guard !totalDigits.isEmpty, totalDigits.allSatisfy(Self.isDigit), !indexDigits.isEmpty,
      indexDigits.count <= 9, totalDigits.count <= 9, indexStart >= 2
    else { return nil }
    let separator = stem[indexStart - 1]
    guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "_") else { return nil }
    guard let index = Int(String(decoding: indexDigits, as: UTF8.self)),
      let total = Int(String(decoding: totalDigits, as: UTF8.self)), index >= 1, total >= 1,
      index <= total
    else { return nil }
    self.group = String(decoding: stem[0..<indexStart], as: UTF8.self)
    self.index = index
    self.total = total
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}
