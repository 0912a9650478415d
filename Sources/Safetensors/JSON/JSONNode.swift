/// A parsed JSON value and the byte offset where it starts.
///
/// Objects keep every member in document order, repeated keys included, because the safetensors
/// rules treat repeats differently (a repeated tensor name keeps the last entry; a repeated field
/// is an error).
struct JSONNode {
  /// One `"key": value` pair of an object.
  struct Member {
    var key: String
    var keyOffset: Int
    var value: JSONNode
  }

  enum Kind {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONNode])
    case object([Member])
  }

  var offset: Int
  var kind: Kind

  /// A short name of the value's type for error messages ("a string", "null").
  var typeName: String {
    switch kind {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

/// A JSON number as written.
struct JSONNumber {
  /// The number's text (`4.0`, `-0`, `12`).
  var text: String
  /// True when the text is digits only: no sign, fraction or exponent.
  var isBareDigits: Bool
  /// The value when `isBareDigits` and it fits in 64 bits.
  var unsignedValue: UInt64?

  /// The text, cut to 40 characters for error lines.
  var shortText: String {
    text.utf8.count <= 40 ? text : String(text.prefix(40)) + "…"
  }
}
