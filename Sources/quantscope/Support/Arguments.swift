/// Parsed command-line arguments of one subcommand: `--name VALUE`, `--name=VALUE`, flags, positionals.
///
/// Each subcommand declares which options take a value and which are flags; anything else that
/// starts with `-` is a usage error. `--` ends option parsing.
struct Arguments {
  private(set) var positional: [String] = []
  private var values: [String: [String]] = [:]
  private var flags: Set<String> = []

  /// - Parameters:
  ///   - options: names (with dashes, e.g. `--format`, `-o`) that take a value.
  ///   - flags: names that take none.
  init(_ arguments: [String], options: Set<String>, flags: Set<String>) throws(CLIError) {
    var index = 0
    var onlyPositional = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositional || !argument.hasPrefix("-") || argument == "-" {
        positional.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositional = true
        continue
      }
      var name = argument
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      if flags.contains(name) {
        guard inlineValue == nil else { throw .usage("option \(name) takes no value") }
        self.flags.insert(name)
      } else if options.contains(name) {
        if let inlineValue {
          values[name, default: []].append(inlineValue)
        } else {
          guard index < arguments.count else { throw .usage("option \(name) needs a value") }
          values[name, default: []].append(arguments[index])
          index += 1
        }
      } else {
        throw .usage("unknown option \(name)")
      }
    }
  }

  /// The last value given for `name`, if any.
  func value(_ name: String) -> String? { values[name]?.last }
  /// Every value given for a repeatable option, in order.
  func allValues(_ name: String) -> [String] { values[name] ?? [] }
  /// True when the flag was given.
  func flag(_ name: String) -> Bool { flags.contains(name) }

  /// The value of `name` parsed as an integer within `range`.
  func integer(_ name: String, in range: ClosedRange<Int>) throws(CLIError) -> Int? {
    guard let text = value(name) else { return nil }
    guard let number = Int(text), range.contains(number) else {
      throw .usage(
        "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return number
  }

  /// The value of `name` parsed as a finite non-negative float.
  func float(_ name: String) throws(CLIError) -> Float? {
    guard let text = value(name) else { return nil }
    guard let number = Float(text), number.isFinite, number >= 0 else {
      throw .usage("\(name) must be a non-negative number, got '\(text)'")
    }
    return number
  }

  /// At most `count` positionals; throws a usage error otherwise.
  func positionals(atMost count: Int) throws(CLIError) -> [String] {
    guard positional.count <= count else {
      throw .usage("unexpected argument '\(positional[count])'")
    }
    return positional
  }
}
