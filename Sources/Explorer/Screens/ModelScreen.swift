import Engine
import Safetensors
import Terminal

/// The home screen: header, the tensor tree with one heat cell per format, model totals, memory.
enum ModelScreen {
  /// Rows of the tensor list for a terminal `height` rows tall (header 2, box borders and column
  /// titles 3, totals 2, status 1, hints 1).
  static func listHeight(_ height: Int) -> Int { max(1, height - 9) }

  static func render(_ state: AppState, into canvas: inout Canvas, context: RenderContext) {
    header(state, &canvas)
    let listTop = 2
    let boxHeight = canvas.height - 6
    let sortMark = "sort: \(state.sort.rawValue)" + (state.sort == .error ? " (\(state.viewFormat.rawValue))" : "")
    canvas.box(x: 0, y: listTop, width: canvas.width, height: boxHeight, title: "tensors", rightTitle: sortMark)
    let columns = Columns(width: canvas.width - 2, formats: state.settings.formats)
    columnTitles(state, columns, &canvas, y: listTop + 1)
    let rows = state.rows
    let scales = Chrome.heatScales(state)
    let height = listHeight(canvas.height)
    for line in 0..<height {
      let index = state.scroll + line
      guard rows.indices.contains(index) else { break }
      let y = listTop + 2 + line
      drawRow(rows[index], state, columns, scales, context, &canvas, y: y)
      if index == state.cursor {
        canvas.restyle(x: 1, y: y, width: canvas.width - 2) { $0.selected }
      }
    }
    if rows.isEmpty {
      canvas.put(state.filter.isEmpty ? "no tensors" : "no tensor matches '\(state.filter)'",
                 x: 3, y: listTop + 2, style: .muted)
    }
    if rows.count > height {
      let position = "\(state.cursor + 1)/\(rows.count)"
      canvas.put(" \(position) ", x: canvas.width - position.count - 4, y: listTop + boxHeight - 1, style: .muted)
    }
    footer(state, &canvas, y: canvas.height - 4)
    Chrome.statusLine(&canvas, y: canvas.height - 2, state)
    Chrome.hintBar(&canvas, state)
  }

  // MARK: - Header

  static func header(_ state: AppState, _ canvas: inout Canvas) {
    let checkpoint = state.checkpoint
    let dtypes = Dictionary(grouping: checkpoint.tensors, by: \.dtype)
      .sorted { $0.value.count > $1.value.count }.map(\.key.rawValue).joined(separator: ",")
    var facts = "\(checkpoint.tensors.count) tensors · \(NumberText.count(checkpoint.parameterCount)) params"
    if checkpoint.files.count > 1 { facts = "\(checkpoint.files.count) shards · " + facts }
    if !dtypes.isEmpty { facts += " · " + dtypes }
    let room = canvas.width - 16 - state.engineLabel.count - 14 - (state.isDemo ? 16 : 0)
    let path = checkpoint.path.count > max(24, room - facts.count) ? "…" + checkpoint.path.suffix(max(23, room - facts.count - 1)) : checkpoint.path
    var left: [(String, CellStyle)] = [("QuantScope", CellStyle(.title, bold: true)), (" ▸ ", .muted), (path, .text)]
    if state.isDemo { left.append(("  synthetic demo", CellStyle(.warning, bold: true))) }
    left.append(("  " + Chrome.fit(facts, max(0, room - path.count)), .muted))
    Chrome.headerLine(&canvas, y: 0, left: left, right: [("engine: ", .muted), (state.engineLabel, CellStyle(.text, bold: true))])
    progressLine(state, &canvas, y: 1)
  }

  static func progressLine(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let right: [(String, CellStyle)] = [
      ("format: ", .muted), (state.globalFormat.rawValue, CellStyle(.key, bold: true)),
      ("  view: ", .muted), (state.viewFormat.rawValue + " " + state.metric.rawValue, .text),
      ("  threshold: ", .muted), (NumberText.threshold(state.threshold), .text),
    ]
    Chrome.headerLine(&canvas, y: y, left: [], right: right)
    // The progress on the left never runs into the settings on the right: parts that do not fit
    // are left out (rate and ETA first).
    let limit = canvas.width - right.reduce(0) { $0 + $1.0.count } - 2
    guard let progress = state.progress else {
      canvas.put("waiting for the engine…", x: 1, y: y, style: CellStyle(.muted, headerBar: true))
      return
    }
    if progress.tensorsDone >= progress.tensorsTotal {
      var done = "analysed \(progress.tensorsTotal) tensors"
      let duration = state.elapsedSeconds > 0 ? " in \(NumberText.duration(state.elapsedSeconds))" : ""
      if 1 + done.count + duration.count < limit { done += duration }  // whole or not at all
      let end = canvas.put(done,
                           x: 1, y: y, style: CellStyle(.muted, headerBar: true), maxWidth: max(0, limit - 1))
      captureProgress(state, &canvas, x: end, y: y, limit: limit)
      return
    }
    let fraction = progress.bytesTotal > 0
      ? Double(progress.bytesDone) / Double(progress.bytesTotal)
      : Double(progress.tensorsDone) / Double(max(1, progress.tensorsTotal))
    var x = canvas.put("analysing ", x: 1, y: y, style: CellStyle(.text, headerBar: true))
    let barWidth = canvas.width >= 120 ? 28 : canvas.width >= 100 ? 12 : 6
    ProgressBar.draw(into: &canvas, fraction: fraction, x: x, y: y, width: barWidth, background: true)
    x += barWidth
    var text = " \(Int((fraction * 100).rounded(.down)))%"
    var parts = ["  \(progress.tensorsDone)/\(progress.tensorsTotal)"]
    if state.elapsedSeconds > 0.5 && progress.bytesDone > 0 {
      let rate = Double(progress.bytesDone) / state.elapsedSeconds
      let remaining = Double(progress.bytesTotal - min(progress.bytesTotal, progress.bytesDone)) / rate
      parts.append("  " + InspectRenderer.byteText(UInt64(rate)) + "/s  ETA " + NumberText.duration(remaining))
    }
    for part in parts where x + text.count + part.count < limit { text += part }
    let end = canvas.put(text, x: x, y: y, style: CellStyle(.text, headerBar: true), maxWidth: max(0, limit - x - 1))
    captureProgress(state, &canvas, x: end, y: y, limit: limit)
  }

  /// ` · capture 3/28` while an activation capture is analysed, then its module count.
  static func captureProgress(_ state: AppState, _ canvas: inout Canvas, x: Int, y: Int, limit: Int) {
    guard state.activationsPath != nil else { return }
    let text: String
    if state.activationFailure != nil {
      text = " · capture failed"
    } else if let analysis = state.activations {
      text = " · capture: \(analysis.modules.count) modules"
    } else {
      text = " · capture " + (state.activationProgress.map { "\($0.done)/\($0.total)" } ?? "…")
    }
    // Shown whole or not at all: the format and threshold on the right come first.
    if x + text.count <= limit { canvas.put(text, x: x, y: y, style: CellStyle(.muted, headerBar: true)) }
  }

  // MARK: - Columns

  /// Column layout inside the box; the shape column appears from 100 columns on.
  struct Columns {
    static let cellWidth = 7
    var nameX = 1
    var nameWidth: Int
    var shapeX: Int?
    var dtypeX: Int
    var outX: Int
    var formatX: [Int]

    init(width: Int, formats: [QuantFormat]) {
      let formatsWidth = formats.count * Columns.cellWidth
      let shapeWidth = width >= 98 ? 12 : 0
      let fixed = shapeWidth + 6 + 5 + formatsWidth + 1
      nameWidth = max(8, width - fixed)
      var x = 1 + nameWidth
      shapeX = shapeWidth > 0 ? x : nil
      x += shapeWidth
      dtypeX = x
      x += 6
      outX = x
      x += 5
      formatX = formats.indices.map { x + $0 * Columns.cellWidth }
    }
  }

  static func columnTitles(_ state: AppState, _ columns: Columns, _ canvas: inout Canvas, y: Int) {
    let title = CellStyle(.muted)
    canvas.put("tensor" + (state.sort == .name ? " ▾" : ""), x: 1 + columns.nameX, y: y, style: title)
    if let shapeX = columns.shapeX { canvas.putRight("shape", right: 1 + shapeX + 11, y: y, style: title) }
    canvas.put("dtype", x: 1 + columns.dtypeX, y: y, style: title)
    canvas.putRight((state.sort == .outliers ? "▾" : "") + "out", right: 1 + columns.outX + 4, y: y, style: title)
    for (format, x) in zip(state.settings.formats, columns.formatX) {
      let isView = format == state.viewFormat
      let label = (isView && state.sort == .error ? "▾" : "") + format.rawValue
      canvas.putRight(label, right: 1 + x + Columns.cellWidth, y: y,
                      style: isView ? CellStyle(.title, bold: true, underlined: true) : title)
    }
  }

  // MARK: - Rows

  static func drawRow(
    _ row: TreeRow, _ state: AppState, _ columns: Columns, _ scales: [QuantFormat: HeatScale],
    _ context: RenderContext, _ canvas: inout Canvas, y: Int
  ) {
    let left = 1 + columns.nameX
    let indent = row.depth * 2
    if let tensor = row.tensorIndex {
      let info = state.checkpoint.tensors[tensor]
      let quantizable = Quantizability.isQuantizable(info)
      let isKept = state.kept.contains(info.name)
      if isKept { canvas.set("■", x: left - 1, y: y, style: CellStyle(.kept, bold: true)) }
      var label = row.label
      if !quantizable && info.dtype.isAnalysable && info.shape.count == 2 && columns.nameWidth - indent - label.count >= 14 { label += " (16-bit)" }
      let style = isKept ? CellStyle(.kept) : (quantizable ? CellStyle.text : CellStyle.muted)
      canvas.put("  " + Chrome.fit(label, columns.nameWidth - indent - 3), x: left + indent, y: y, style: style)
      let shape = InspectRenderer.shapeText(info.shape)
      if let shapeX = columns.shapeX {
        canvas.putRight(shape.count > 11 ? "…" + shape.suffix(10) : shape, right: 1 + shapeX + 11, y: y, style: .muted)
      }
      canvas.put(info.dtype.rawValue, x: 1 + columns.dtypeX, y: y, style: .muted, maxWidth: 5)
      drawOutliers(state.outlierCount(tensor), columns, &canvas, y: y)
      for (format, x) in zip(state.settings.formats, columns.formatX) {
        let value = state.metricValue(tensor, format)
        let pending = state.analyses[tensor] == nil && info.dtype.isAnalysable && state.failures[tensor] == nil
        drawCell(value, pending: pending, dimmed: !quantizable, state, scales[format], context, &canvas, x: 1 + x, y: y)
      }
    } else {
      // While some of its tensors await results the group's numbers are partial: they are dimmed
      // and the label says how many of its tensors are in (`(7/9)`).
      let coverage = state.nodeCoverage(row.node)
      let partial = coverage.done < coverage.total
      let marker = row.isExpanded ? "▾ " : "▸ "
      let count = partial ? " (\(coverage.done)/\(coverage.total))" : row.isExpanded ? "" : " (\(row.leafCount))"
      let name = marker + Chrome.fit(row.label, columns.nameWidth - indent - 3 - count.count)
      let end = canvas.put(name, x: left + indent, y: y, style: CellStyle(.group, bold: row.depth == 0))
      canvas.put(count, x: end, y: y, style: partial ? CellStyle(.warning) : CellStyle(.group, bold: row.depth == 0))
      drawOutliers(state.nodeOutliers(row.node), partial: partial, columns, &canvas, y: y)
      for (format, x) in zip(state.settings.formats, columns.formatX) {
        drawCell(state.nodeMetric(row.node, format), pending: partial, dimmed: partial, state, scales[format],
                 context, &canvas, x: 1 + x, y: y)
      }
    }
  }

  static func drawOutliers(_ count: Int?, partial: Bool = false, _ columns: Columns, _ canvas: inout Canvas, y: Int) {
    guard let count else { return }
    canvas.putRight(String(count), right: 1 + columns.outX + 4, y: y,
                    style: count > 0 && !partial ? CellStyle(.outlier, bold: true) : .muted)
  }

  /// A heat cell: a lead (shade glyph without colour) and the value in 6 columns.
  static func drawCell(
    _ value: Double?, pending: Bool, dimmed: Bool, _ state: AppState, _ scale: HeatScale?,
    _ context: RenderContext, _ canvas: inout Canvas, x: Int, y: Int
  ) {
    guard let value else {
      canvas.putRight(pending ? "…" : "·", right: x + Columns.cellWidth, y: y, style: .muted)
      return
    }
    let text = Chrome.metricText(value, state)
    let position = scale?.position(value) ?? 0
    if dimmed {
      canvas.putRight(text, right: x + Columns.cellWidth, y: y, style: .muted)
      return
    }
    let style = CellStyle.heat(position)
    canvas.set(Chrome.heatLead(position, context), x: x, y: y, style: style)
    canvas.putRight(text, right: x + Columns.cellWidth, y: y, style: style)
  }

  // MARK: - Footer

  static func footer(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let totals = state.totals
    var x = canvas.put(
      "model totals (param-weighted \(state.metric == .relErr ? "rel_err" : "SQNR dB")): ",
      x: 1, y: y, style: .muted)
    let waiting = totals.formats.values.allSatisfy { $0.tensors == 0 }
    // Totals over part of the model say so; the marker keeps its place however many fit.
    let partial = state.partialCoverage.map { "(partial: \($0.done)/\($0.total) tensors)" }
    let end = canvas.width - 1 - (partial.map { $0.count + 1 } ?? 0)
    for format in state.settings.formats {
      guard let total = totals.formats[format], total.tensors > 0 else { continue }
      let value = state.metric == .relErr ? NumberText.error(total.relErr) : NumberText.decibels(total.sqnrDB)
      let isChosen = format == state.globalFormat
      let entry = "\(format.rawValue) \(value)  "
      if x + entry.count > end { break }
      x = canvas.put(entry, x: x, y: y, style: isChosen ? CellStyle(.key, bold: true) : .text)
    }
    if waiting {
      canvas.put("waiting for results", x: x, y: y, style: .muted)
    } else if let partial {
      canvas.put(partial, x: x, y: y, style: CellStyle(.warning))
    }
    let chosen = state.choiceSummary?.weightsBytes ?? totals.memoryBytes(format: state.globalFormat, keeping: [])
    var memory = "memory: 16-bit \(InspectRenderer.byteText(totals.bytes16)) → \(state.globalFormat.rawValue) \(InspectRenderer.byteText(chosen))"
    let keptCount = state.appliedKept.count
    if keptCount > 0 {
      let extra = state.choiceSummary?.keptExtraBytes ?? 0
      memory += " (incl. \(keptCount) kept in 16-bit: +\(InspectRenderer.byteText(extra)))"
    } else if !state.kept.isEmpty {
      memory += " (\(state.kept.count) kept: not applied by 8-bit loading)"
    }
    canvas.put(memory, x: 1, y: y + 1, style: .text, maxWidth: canvas.width - 2)
  }
}
