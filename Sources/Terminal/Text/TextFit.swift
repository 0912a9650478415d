/// The one rule for text that does not fit its columns: shorten it where it loses least and mark
/// every cut with `…`; a number is never cut into another number.
///
/// Two levels:
/// - `truncated(_:width:)` shortens one string: it prefers a word boundary close to the cut, and
///   when the cut would fall inside a number (`0.0158`, `layers.10`, `4.2e-5`) it moves to the
///   number's start, so what remains never reads as a different value.
/// - `fit(_:width:)` fits a line made of parts: it first swaps parts for their short forms
///   (abbreviated labels), then drops whole parts, least important first (a column, a rate),
///   leaving `…` where they were, and only then truncates the last part that is left.
///
/// `Canvas.put` applies `truncated` whenever text runs past its limit, so no screen clips
/// silently.
public enum TextFit {
  /// The mark of shortened text.
  public static let ellipsis: Character = "…"

  /// One piece of a line for `fit`.
  public struct Part: Sendable, Equatable {
    public var text: String
    public var style: CellStyle
    /// A shorter form used before anything is dropped (`⏎ open` → `⏎`), nil when none.
    public var short: String?
    /// Parts with the lowest importance are shortened and dropped first; `essential` never is.
    public var importance: Int

    public static let essential = Int.max

    public init(
      _ text: String, _ style: CellStyle = .text, short: String? = nil, importance: Int = essential
    ) {
      self.text = text
      self.style = style
      self.short = short
      self.importance = importance
    }
  }

  // MARK: - One string

  /// `text` in at most `width` columns, ending in `…` when shortened.
  ///
  /// - Complexity: O(text.count).
  public static func truncated(_ text: String, width: Int) -> String {
    guard width > 0 else { return "" }
    let characters = Array(text)
    guard characters.count > width else { return text }
    guard width > 1 else { return String(ellipsis) }
    let cut = cutPosition(characters, keep: width - 1)
    var kept = characters[..<cut]
    while let last = kept.last, last == " " { kept.removeLast() }
    return String(kept) + String(ellipsis)
  }

  /// `text` in at most `width` columns keeping its end (`…/models/Llama-3-8B`): for paths,
  /// whose last components tell most.
  public static func truncatedHead(_ text: String, width: Int) -> String {
    guard width > 0 else { return "" }
    let characters = Array(text)
    guard characters.count > width else { return text }
    guard width > 1 else { return String(ellipsis) }
    var start = characters.count - (width - 1)
    // Never start inside a number: move right past its remaining digits.
    while start < characters.count && start > 0 && isNumberCharacter(characters[start - 1])
      && isNumberCharacter(characters[start])
    {
      start += 1
    }
    return String(ellipsis) + String(characters[start...])
  }

  /// Where to cut `characters` to keep at most `keep` of them: out of any number, and back to a
  /// word boundary when one is near (within a third of what is kept, at most 12 columns).
  static func cutPosition(_ characters: [Character], keep: Int) -> Int {
    var cut = keep
    // Inside a number: back to its first character.
    if cut > 0 && cut < characters.count && isNumberCharacter(characters[cut - 1])
      && isNumberCharacter(characters[cut])
    {
      while cut > 0 && isNumberCharacter(characters[cut - 1]) { cut -= 1 }
      return cut
    }
    // Inside a word: back to the last space when it is near.
    if cut > 0 && cut < characters.count && isWordCharacter(characters[cut - 1])
      && isWordCharacter(characters[cut])
    {
      let reach = min(12, keep / 3)
      var position = cut - 1
      while position > 0 && cut - position <= reach {
        if characters[position] == " " { return position }
        position -= 1
      }
    }
    return cut
  }

  /// Digits and what joins them into one number or shape (`.`, `e`, `-`, `+`, `%`, `×`): cutting
  /// anywhere in `1.2e-05` or `4096×4096` changes its value.
  static func isNumberCharacter(_ character: Character) -> Bool {
    if character == "×" { return true }
    return character.isASCII
      && (character.isNumber || character == "." || character == "e" || character == "E"
        || character == "-"
        || character == "+" || character == "%")
  }

  static func isWordCharacter(_ character: Character) -> Bool {
    character.isLetter || character.isNumber || character == "_"
  }

  // MARK: - A line of parts

  /// `parts` fitted into `width` columns: short forms first, then whole parts dropped (least
  /// important first, each run of dropped parts leaving one `…`), then the longest part
  /// truncated.
  ///
  /// - Complexity: O(parts² · text) at worst; lines hold a few dozen parts.
  public static func fit(_ parts: [Part], width: Int) -> [Part] {
    var parts = parts
    func total(_ list: [Part?]) -> Int { list.reduce(0) { $0 + ($1?.text.count ?? 1) } }
    var slots: [Part?] = parts
    // A run of dropped parts becomes one marker: `…`, plus the space the run ended with, so the
    // words around it stay apart.
    func marker(_ run: ArraySlice<Part>) -> String {
      String(ellipsis) + (run.last?.text.hasSuffix(" ") == true ? " " : "")
    }
    func measured(_ slots: [Part?]) -> Int {
      var width = 0
      var index = 0
      while index < slots.count {
        if let slot = slots[index] {
          width += slot.text.count
          index += 1
        } else {
          var end = index
          while end < slots.count && slots[end] == nil { end += 1 }
          width += marker(parts[index..<end]).count
          index = end
        }
      }
      return width
    }
    if total(slots) <= width { return parts }
    let byImportance = parts.indices
      .sorted {
        parts[$0].importance != parts[$1].importance
          ? parts[$0].importance < parts[$1].importance : $0 > $1
      }
    // 1. Short forms (essential parts may have one too).
    for index in byImportance where measured(slots) > width {
      if let short = parts[index].short {
        parts[index].text = short
        slots[index] = parts[index]
      }
    }
    // 2. Drop whole parts that are not essential.
    for index in byImportance
    where measured(slots) > width && parts[index].importance != Part.essential {
      slots[index] = nil
    }
    // 3. Rebuild with `…` markers, then truncate the longest part (it loses least) until it fits.
    var result: [Part] = []
    var index = 0
    while index < slots.count {
      if let slot = slots[index] {
        result.append(slot)
        index += 1
      } else {
        var end = index
        while end < slots.count && slots[end] == nil { end += 1 }
        let style = parts[index].style
        result.append(
          Part(marker(parts[index..<end]), CellStyle(.muted, headerBar: style.isHeaderBar)))
        index = end
      }
    }
    var excess = result.reduce(0) { $0 + $1.text.count } - width
    while excess > 0 {
      guard let longest = result.indices.max(by: { result[$0].text.count < result[$1].text.count }),
        result[longest].text.count > 1
      else { break }
      let length = result[longest].text.count
      result[longest].text = truncated(result[longest].text, width: max(1, length - excess))
      let saved = length - result[longest].text.count
      if saved <= 0 { break }
      excess -= saved
    }
    return result.filter { !$0.text.isEmpty }
  }
}
