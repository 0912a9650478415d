/// Which modules a key of `llm_int8_skip_modules` keeps out of quantization, under the rules of
/// current and older transformers (docs/AXOLOTL.md trap 5).
enum SkipKeyMatcher {
  /// transformers ≥ 4.57 / 5.x, `should_convert_module` (quantizers_utils.py): a module is kept
  /// when `re.match(key, name)` or `re.match(key + "\.", name)` matches, or the name ends with
  /// `key`. `re.match` anchors at the start only, and `.` matches any character.
  static let currentRule = "transformers' current rule (regex match at the start, or name suffix)"
  /// Older transformers (`_replace_with_bnb_linear`): the leaf name equals the key, or the full
  /// name equals it or contains `key + "."`.
  static let olderRule = "older transformers' rule (leaf name, or 'key.' inside the name)"

  static func matchesCurrent(key: String, module: String) -> Bool {
    regexPrefixMatch(key, module) || module.hasSuffix(key)
  }

  static func matchesOlder(key: String, module: String) -> Bool {
    let leaf = module.split(separator: ".").last.map(String.init) ?? module
    return leaf == key || module == key || module.contains(key + ".")
  }

  /// `re.match(key, text) is not None` for keys made of letters, digits, `_`, `-` and `.`
  /// (`ModuleName` guarantees that): `.` matches any character except a newline.
  /// (`re.match(key + "\.", …)` implies `re.match(key, …)`, so it adds nothing.)
  static func regexPrefixMatch(_ key: String, _ text: String) -> Bool {
    let pattern = Array(key.unicodeScalars)
    let subject = Array(text.unicodeScalars)
    guard pattern.count <= subject.count else { return false }
    for (p, s) in zip(pattern, subject) {
      if p == "." { if s == "\n" { return false } } else if p != s { return false }
    }
    return true
  }

  /// The candidate modules `key` matches under each rule (sorted).
  static func matches(of key: ModuleName, among modules: [ModuleName]) -> (
    current: [String], older: [String]
  ) {
    let current = modules.filter { matchesCurrent(key: key.rawValue, module: $0.rawValue) }
    let older = modules.filter { matchesOlder(key: key.rawValue, module: $0.rawValue) }
    return (current.map(\.rawValue).sorted(), older.map(\.rawValue).sorted())
  }
}
