/// Plain-text tables with aligned columns, for the headless outputs.
public enum TextTable {
  /// Renders `rows` (the first is the header) with two spaces between columns; columns in
  /// `rightAligned` are right-aligned. Widths count Unicode characters.
  public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    var text = ""
    for row in rows {
      var line = ""
      for (index, cell) in row.enumerated() {
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        let isLast = index == row.count - 1
        if rightAligned.contains(index) {
          line += pad + cell
        } else {
          line += cell + (isLast ? "" : pad)
        }
        if !isLast { line += "  " }
      }
      text += line + "\n"
    }
    return text
  }
}
