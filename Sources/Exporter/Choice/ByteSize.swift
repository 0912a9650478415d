/// A memory size typed by a user: `24GB`, `24GiB`, `23.5G`, `800MB`, `1.5 TB`, or plain bytes.
///
/// kB/KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB and the single letters K, M, G, T are
/// powers of 1024 (as `ls -h` and `free -h` print them). Units are case-insensitive, a `B` alone is
/// bytes, a space may separate number and unit. The result is rounded down to whole bytes.
public enum ByteSize {
  /// The number of bytes `text` names, or nil with the reason.
  public static func parse(_ text: String) -> Result<UInt64, ByteSizeError> {
    let trimmed = text.trimmingCharacters(in: " ")
    let digits = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: " ").lowercased()
    guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits != ".",
      let number = Double(String(digits))
    else {
      return .failure(
        ByteSizeError(
          text: text, reason: "expected a number and a unit, e.g. 24GB, 23.5GiB, 800MB or bytes"))
    }
    let multipliers: [String: Double] = [
      "": 1, "b": 1,
      "k": 1024, "kib": 1024, "m": 1_048_576, "mib": 1_048_576, "g": 1_073_741_824,
      "gib": 1_073_741_824,
      "t": 1_099_511_627_776, "tib": 1_099_511_627_776,
      "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
    ]
    guard let multiplier = multipliers[unit] else {
      return .failure(
        ByteSizeError(
          text: text,
          reason: "unknown unit '\(unit)' (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, K, M, G, T)"))
    }
    if multiplier == 1 && digits.contains(".") {
      return .failure(ByteSizeError(text: text, reason: "a size in bytes is a whole number"))
    }
    let bytes = (number * multiplier).rounded(.down)
    guard bytes >= 1, bytes < 1.8e19 else {
      return .failure(
        ByteSizeError(text: text, reason: "the size must be at least 1 byte and below 16 EiB"))
    }
    return .success(UInt64(bytes))
  }
}

/// Why a size could not be read.
public struct ByteSizeError: Error, Sendable, Hashable, CustomStringConvertible {
  public var text: String
  public var reason: String
  public var description: String { "'\(text)' is not a size: \(reason)" }
}

extension String {
  fileprivate func trimmingCharacters(in character: Character) -> String {
    var slice = Substring(self)
    while slice.first == character { slice = slice.dropFirst() }
    while slice.last == character { slice = slice.dropLast() }
    return String(slice)
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in character: Character) -> String {
    String(self).trimmingCharacters(in: character)
  }
}
