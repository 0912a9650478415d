/// An in-memory screen: a grid of cells (one character and its style each) that screens draw
/// into and a terminal flushes.
///
/// Every character is taken to be one column wide: QuantScope draws ASCII, box-drawing, block and
/// Braille characters only; other text is passed through `Canvas.sanitised` first.
public struct Canvas: Sendable, Equatable {
  /// One cell of the grid.
  public struct Cell: Sendable, Hashable {
    public var character: Character
    public var style: CellStyle

    public init(_ character: Character = " ", _ style: CellStyle = .text) {
      self.character = character
      self.style = style
    }
  }

  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(), count: self.width * self.height)
  }

  // MARK: - Access

  /// The cell at column `x`, row `y` (a blank cell outside the grid).
  public subscript(x: Int, y: Int) -> Cell {
    get { contains(x: x, y: y) ? cells[y * width + x] : Cell() }
    set { if contains(x: x, y: y) { cells[y * width + x] = newValue } }
  }

  public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

  // MARK: - Drawing

  /// Writes `text` from (x, y) rightwards within `maxWidth` columns and the right edge; text
  /// that does not fit is shortened by `TextFit.truncated` (ends in `…`, never splits a number).
  ///
  /// - Returns: the column after the last character written.
  @discardableResult
  public mutating func put(
    _ text: String, x: Int, y: Int, style: CellStyle = .text, maxWidth: Int? = nil
  ) -> Int {
    guard y >= 0 && y < height else { return x }
    let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
    let shown = x >= 0 && text.count > limit - x ? TextFit.truncated(text, width: limit - x) : text
    var column = x
    for character in shown {
      if column >= limit { break }
      if column >= 0 { cells[y * width + column] = Cell(Canvas.sanitised(character), style) }
      column += 1
    }
    return column
  }

  /// Writes a line of parts fitted into `width` columns by `TextFit.fit`.
  ///
  /// - Returns: the column after the last character written.
  @discardableResult
  public mutating func put(_ parts: [TextFit.Part], x: Int, y: Int, width: Int) -> Int {
    var column = x
    for part in TextFit.fit(parts, width: width) {
      column = put(part.text, x: column, y: y, style: part.style)
    }
    return column
  }

  /// Writes `text` so that it ends at column `right` (exclusive).
  public mutating func putRight(_ text: String, right: Int, y: Int, style: CellStyle = .text) {
    put(text, x: right - text.count, y: y, style: style)
  }

  /// Sets one cell.
  public mutating func set(_ character: Character, x: Int, y: Int, style: CellStyle = .text) {
    self[x, y] = Cell(Canvas.sanitised(character), style)
  }

  /// Fills a rectangle with `character`.
  public mutating func fill(
    x: Int, y: Int, width: Int, height: Int, character: Character = " ", style: CellStyle = .text
  ) {
    for row in max(0, y)..<min(self.height, y + max(0, height)) {
      for column in max(0, x)..<min(self.width, x + max(0, width)) {
        cells[row * self.width + column] = Cell(character, style)
      }
    }
  }

  /// Changes the style of a rectangle, keeping its characters (e.g. to mark the selected row).
  public mutating func restyle(
    x: Int, y: Int, width: Int, height: Int = 1, _ transform: (CellStyle) -> CellStyle
  ) {
    for row in max(0, y)..<min(self.height, y + max(0, height)) {
      for column in max(0, x)..<min(self.width, x + max(0, width)) {
        cells[row * self.width + column].style = transform(cells[row * self.width + column].style)
      }
    }
  }

  /// Draws a single-line box with an optional title in its top border.
  public mutating func box(
    x: Int, y: Int, width: Int, height: Int, title: String? = nil, focused: Bool = false,
    rightTitle: String? = nil
  ) {
    guard width >= 2 && height >= 2 else { return }
    let style = CellStyle(focused ? .focusBorder : .border, bold: focused)
    let right = x + width - 1
    let bottom = y + height - 1
    for column in x + 1..<right {
      set("─", x: column, y: y, style: style)
      set("─", x: column, y: bottom, style: style)
    }
    for row in y + 1..<bottom {
      set("│", x: x, y: row, style: style)
      set("│", x: right, y: row, style: style)
    }
    set("┌", x: x, y: y, style: style)
    set("┐", x: right, y: y, style: style)
    set("└", x: x, y: bottom, style: style)
    set("┘", x: right, y: bottom, style: style)
    if let title, width > 4 {
      put(" \(title) ", x: x + 1, y: y, style: CellStyle(.title, bold: true), maxWidth: width - 2)
    }
    if let rightTitle, width >= (title?.count ?? 0) + rightTitle.count + 8 {
      put(" \(rightTitle) ", x: right - rightTitle.count - 2, y: y, style: .muted)
    }
  }

  // MARK: - Text form (snapshots, tests)

  /// The characters, one line per row, trailing spaces kept.
  public var text: String {
    lines.joined(separator: "\n")
  }

  /// The characters of each row.
  public var lines: [String] {
    (0..<height).map { row in String(cells[row * width..<(row + 1) * width].map(\.character)) }
  }

  /// The role map: one letter per cell (`CellStyle.mapLetter`).
  public var roleMap: String {
    (0..<height).map { row in
      String(cells[row * width..<(row + 1) * width].map(\.style.mapLetter))
    }.joined(separator: "\n")
  }

  /// The snapshot form: characters, then the role map.
  public var snapshot: String {
    "# \(width)x\(height) characters\n\(text)\n# roles\n\(roleMap)\n"
  }

  /// Replaces control and wide characters by `?` so one character is always one column.
  public static func sanitised(_ character: Character) -> Character {
    guard let scalar = character.unicodeScalars.first else { return " " }
    if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return "?" }
    if character.unicodeScalars.count > 1 { return "?" }
    // East Asian wide ranges and emoji take two columns in terminals.
    let value = scalar.value
    if (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
      || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
      || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
      || (0xFFE0...0xFFE6).contains(value) || (0x1F300...0x1FAFF).contains(value)
      || (0x20000...0x3FFFD).contains(value)
    {
      return "?"
    }
    return character
  }
}
