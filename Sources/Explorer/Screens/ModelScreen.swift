import Engine
import Reports
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
    let sortMark =
      "sort: \(state.sort.rawValue)"
      + (state.sort == .error ? " (\(state.viewFormat.rawValue))" : "")
    canvas.box(
      x: 0, y: listTop, width: canvas.width, height: boxHeight, title: "tensors",
      rightTitle: sortMark)
    let columns = Columns(width: canvas.width - 2, formats: state.settings.formats)
    columnTitles(state, columns, &canvas, y: listTop + 1)
    let rows = state.rows
    let heat = ViewHeat(model: state)
    let height = listHeight(canvas.height)
    for line in 0..<height {
      let index = state.scroll + line
      guard rows.indices.contains(index) else { break }
      let y = listTop + 2 + line
      drawRow(rows[index], state, columns, heat.scale, context, &canvas, y: y)
      if index == state.cursor {
        canvas.restyle(x: 1, y: y, width: canvas.width - 2) { $0.selected }
      }
    }
    if rows.isEmpty {
      canvas.put(
        state.filter.isEmpty ? "no tensors" : "no tensor matches '\(state.filter)'",
        x: 3, y: listTop + 2, style: .muted)
    }
    // The bottom border: the heat legend and what a group row shows, then the position.
    let bottom = listTop + boxHeight - 1
    let position = rows.count > height ? " \(state.cursor + 1)/\(rows.count) " : ""
    if !position.isEmpty {
      canvas.put(position, x: canvas.width - position.count - 3, y: bottom, style: .muted)
    }
    var x = canvas.put(" ", x: 2, y: bottom, style: .muted)
    let legendRoom = canvas.width - 6 - position.count
    if heat.count > 0 && heat.legendWidth(state, label: "heat, all formats:") + 2 <= legendRoom {
      x = heat.drawLegend(state, label: "heat, all formats:", x: x, y: bottom, context, &canvas)
      x = canvas.put(" ", x: x, y: bottom, style: .muted)
    }
    let groupNote = [
      TextFit.Part(
        "· ▸ group: worst " + state.metric.rawValue + ", outliers summed, over its shown tensors ",
        .muted,
        short: "· ▸ group: worst, Σ out ", importance: 1)
    ]
    canvas.put(groupNote, x: x, y: bottom, width: max(0, canvas.width - 3 - position.count - x))
    footer(state, &canvas, y: canvas.height - 4)
    ScreenFrame.statusLine(&canvas, y: canvas.height - 2, state)
    ScreenFrame.hintBar(&canvas, state)
  }

  // MARK: - Header

  static func header(_ state: AppState, _ canvas: inout Canvas) {
    let checkpoint = state.checkpoint
    let dtypes = Dictionary(grouping: checkpoint.tensors, by: \.dtype)
      .sorted { $0.value.count > $1.value.count }.map(\.key.rawValue).joined(separator: ",")
    let count = checkpoint.tensors.count
    let right = [
      TextFit.Part("engine: ", .muted),
      TextFit.Part(state.engineLabel, CellStyle(.text, bold: true)),
    ]
    let room = canvas.width - 4 - right.reduce(0) { $0 + $1.text.count }
    // What is left after the title and the facts goes to the path, which keeps its end.
    var facts: [TextFit.Part] = []
    if checkpoint.files.count > 1 {
      facts.append(TextFit.Part("  \(checkpoint.files.count) shards", .muted, importance: 1))
    }
    facts.append(
      TextFit.Part("  \(count) " + ScreenFrame.plural(count, "tensor"), .muted, importance: 3))
    facts.append(
      TextFit.Part(
        " · \(NumberText.count(checkpoint.parameterCount)) params", .muted, importance: 2))
    if !dtypes.isEmpty { facts.append(TextFit.Part(" · " + dtypes, .muted, importance: 1)) }
    if let mark = storedSummary(checkpoint) {
      facts.append(TextFit.Part(" · " + mark, .muted, importance: 2))
    }
    let demo =
      state.isDemo
      ? [TextFit.Part("  synthetic demo", CellStyle(.warning, bold: true), short: "  demo")] : []
    let fixed = 13 + demo.reduce(0) { $0 + $1.text.count } + facts.reduce(0) { $0 + $1.text.count }
    let pathRoom = max(24, room - fixed)
    let path = TextFit.truncatedHead(checkpoint.displayPath, width: pathRoom)
    let left =
      [
        TextFit.Part("QuantScope", CellStyle(.title, bold: true)), TextFit.Part(" ▸ ", .muted),
        TextFit.Part(path),
      ]
      + demo + facts
    ScreenFrame.headerLine(&canvas, y: 0, left: left, right: right)
    progressLine(state, &canvas, y: 1)
  }

  /// "2 stored nf4 (+dq)" (the commonest mark, and "+1 other" when the marks differ), nil when
  /// no tensor is stored quantized.
  static func storedSummary(_ checkpoint: Checkpoint) -> String? {
    let marks = checkpoint.tensors.compactMap { $0.stored?.mark }
    guard !marks.isEmpty else { return nil }
    let counts = Dictionary(grouping: marks, by: { $0 }).mapValues(\.count)
    guard let top = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return nil }
    let others = marks.count - top.value
    return "\(top.value) \(top.key)" + (others > 0 ? " +\(others) other" : "")
  }

  static func progressLine(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let right: [TextFit.Part] = [
      TextFit.Part("format: ", .muted),
      TextFit.Part(state.globalFormat.rawValue, CellStyle(.key, bold: true)),
      TextFit.Part("  view: ", .muted),
      TextFit.Part(state.viewFormat.rawValue + " " + state.metric.rawValue),
      TextFit.Part("  threshold: ", .muted), TextFit.Part(NumberText.threshold(state.threshold)),
    ]
    let bar = CellStyle(.text, headerBar: true)
    let muted = CellStyle(.muted, headerBar: true)
    guard let progress = state.progress else {
      ScreenFrame.headerLine(
        &canvas, y: y, left: [TextFit.Part("waiting for the engine…", muted)], right: right)
      return
    }
    var left: [TextFit.Part] = []
    var barAt: (offset: Int, width: Int, fraction: Double)?
    if progress.tensorsDone >= progress.tensorsTotal {
      left.append(
        TextFit.Part(
          "analysed \(progress.tensorsTotal) "
            + ScreenFrame.plural(progress.tensorsTotal, "tensor"), muted))
      if state.elapsedSeconds > 0 {
        left.append(
          TextFit.Part(" in \(NumberText.duration(state.elapsedSeconds))", muted, importance: 1))
      }
    } else {
      let fraction =
        progress.bytesTotal > 0
        ? Double(progress.bytesDone) / Double(progress.bytesTotal)
        : Double(progress.tensorsDone) / Double(max(1, progress.tensorsTotal))
      let barWidth = canvas.width >= 120 ? 28 : canvas.width >= 100 ? 12 : 6
      left.append(TextFit.Part("analysing ", bar))
      barAt = (10, barWidth, fraction)
      left.append(TextFit.Part(String(repeating: " ", count: barWidth), bar))
      left.append(TextFit.Part(" \(Int((fraction * 100).rounded(.down)))%", bar))
      left.append(
        TextFit.Part("  \(progress.tensorsDone)/\(progress.tensorsTotal)", bar, importance: 3))
      if state.elapsedSeconds > 0.5 && progress.bytesDone > 0 {
        let rate = Double(progress.bytesDone) / state.elapsedSeconds
        let remaining =
          Double(progress.bytesTotal - min(progress.bytesTotal, progress.bytesDone)) / rate
        left.append(
          TextFit.Part("  " + InspectRenderer.byteText(UInt64(rate)) + "/s", bar, importance: 1))
        left.append(TextFit.Part("  ETA " + NumberText.duration(remaining), bar, importance: 2))
      }
    }
    if let capture = captureProgress(state) {
      left.append(TextFit.Part(capture, muted, importance: 2))
    }
    ScreenFrame.headerLine(&canvas, y: y, left: left, right: right)
    if let barAt {
      ProgressBar.draw(
        into: &canvas, fraction: barAt.fraction, x: 1 + barAt.offset, y: y, width: barAt.width,
        background: true)
    }
  }

  /// ` · capture 3/28` while an activation capture is analysed, then its module count (nil
  /// without a capture).
  static func captureProgress(_ state: AppState) -> String? {
    guard state.activationsPath != nil else { return nil }
    if state.activationFailure != nil { return " · capture failed" }
    if let analysis = state.activations { return " · capture: \(analysis.modules.count) modules" }
    return " · capture " + (state.activationProgress.map { "\($0.done)/\($0.total)" } ?? "…")
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
    canvas.put(
      "tensor" + (state.sort == .name ? " ▾" : ""), x: 1 + columns.nameX, y: y, style: title)
    if let shapeX = columns.shapeX {
      canvas.putRight("shape", right: 1 + shapeX + 11, y: y, style: title)
    }
    canvas.put("dtype", x: 1 + columns.dtypeX, y: y, style: title)
    canvas.putRight(
      (state.sort == .outliers ? "▾" : "") + "out", right: 1 + columns.outX + 4, y: y, style: title)
    for (format, x) in zip(state.settings.formats, columns.formatX) {
      let isView = format == state.viewFormat
      let label = (isView && state.sort == .error ? "▾" : "") + format.rawValue
      canvas.putRight(
        label, right: 1 + x + Columns.cellWidth, y: y,
        style: isView ? CellStyle(.title, bold: true, underlined: true) : title)
    }
  }

  // MARK: - Rows

  static func drawRow(
    _ row: TreeRow, _ state: AppState, _ columns: Columns, _ scale: HeatScale,
    _ context: RenderContext, _ canvas: inout Canvas, y: Int
  ) {
    let left = 1 + columns.nameX
    let indent = row.depth * 2
    if let tensor = row.tensorIndex {
      let info = state.checkpoint.tensors[tensor]
      let role = ModelArchitecture(state.checkpoint).role(of: info)
      let quantizable = role.quantizable
      let isKept = state.kept.contains(info.name)
      if isKept { canvas.set("■", x: left - 1, y: y, style: CellStyle(.kept, bold: true)) }
      let style = isKept ? CellStyle(.kept) : (quantizable ? CellStyle.text : CellStyle.muted)
      var label = [TextFit.Part("  " + row.label, style)]
      // A pre-quantized tensor says how it is stored, as inspect and report do.
      if let stored = info.stored {
        label.append(TextFit.Part(" [\(stored.mark)]", .muted, short: " [stored]", importance: 1))
      }
      if !quantizable && info.dtype.isAnalysable && info.shape.count == 2 {
        label.append(
          role.isTiedToHead
            ? TextFit.Part(" (16-bit, tied head)", .muted, short: " 16b")
            : TextFit.Part(" (16-bit)", .muted, short: " 16b"))
      }
      canvas.put(label, x: left + indent, y: y, width: columns.nameWidth - indent - 1)
      let shape = InspectRenderer.shapeText(info.shape)
      if let shapeX = columns.shapeX {
        canvas.putRight(
          TextFit.truncatedHead(shape, width: 11), right: 1 + shapeX + 11, y: y, style: .muted)
      }
      canvas.put(info.dtype.rawValue, x: 1 + columns.dtypeX, y: y, style: .muted, maxWidth: 5)
      drawOutliers(state.outlierCount(tensor), columns, &canvas, y: y)
      for (format, x) in zip(state.settings.formats, columns.formatX) {
        if state.hasStoredFormat([tensor], format) {
          drawStoredCell(&canvas, x: 1 + x, y: y)
          continue
        }
        let value = state.metricValue(tensor, format)
        let pending =
          state.analyses[tensor] == nil && info.dtype.isAnalysable && state.failures[tensor] == nil
        drawCell(
          value, pending: pending, dimmed: !quantizable, state, scale, context, &canvas, x: 1 + x,
          y: y)
      }
    } else {
      // A group row aggregates the tensors under it that pass the filter. While some of them
      // await results its numbers are partial: dimmed, and the label says how many are in.
      let coverage = state.coverage(row.leaves)
      let partial = coverage.done < coverage.total
      let marker = row.isExpanded ? "▾ " : "▸ "
      let count =
        partial
        ? " (\(coverage.done)/\(coverage.total))" : row.isExpanded ? "" : " (\(row.leafCount))"
      let groupStyle = CellStyle(.group, bold: row.depth == 0)
      canvas.put(
        [
          TextFit.Part(marker + row.label, groupStyle),
          TextFit.Part(count, partial ? CellStyle(.warning) : groupStyle),
        ], x: left + indent, y: y, width: columns.nameWidth - indent - 1)
      drawOutliers(state.aggregateOutliers(row.leaves), partial: partial, columns, &canvas, y: y)
      for (format, x) in zip(state.settings.formats, columns.formatX) {
        let value = state.aggregateMetric(row.leaves, format)
        if value == nil && state.hasStoredFormat(row.leaves, format) {
          drawStoredCell(&canvas, x: 1 + x, y: y)
          continue
        }
        drawCell(
          value, pending: partial, dimmed: partial, state,
          scale,
          context, &canvas, x: 1 + x, y: y)
      }
    }
  }

  static func drawOutliers(
    _ count: Int?, partial: Bool = false, _ columns: Columns, _ canvas: inout Canvas, y: Int
  ) {
    guard let count else { return }
    canvas.putRight(
      String(count), right: 1 + columns.outX + 4, y: y,
      style: count > 0 && !partial ? CellStyle(.outlier, bold: true) : .muted)
  }

  /// The cell of the format a tensor is stored in: its error cannot be measured (the original
  /// weights are not in the file), so it says "stored", never a number.
  static func drawStoredCell(_ canvas: inout Canvas, x: Int, y: Int) {
    canvas.putRight(
      StoredCodeUsage.unmeasurableCell, right: x + Columns.cellWidth, y: y, style: .muted)
  }

  /// A heat cell: a lead (shade glyph without colour) and the value in 6 columns.
  static func drawCell(
    _ value: Double?, pending: Bool, dimmed: Bool, _ state: AppState, _ scale: HeatScale,
    _ context: RenderContext, _ canvas: inout Canvas, x: Int, y: Int
  ) {
    guard let value else {
      canvas.putRight(pending ? "…" : "·", right: x + Columns.cellWidth, y: y, style: .muted)
      return
    }
    let text = state.metricText(value)
    if dimmed {
      canvas.putRight(text, right: x + Columns.cellWidth, y: y, style: .muted)
      return
    }
    let position = scale.position(value)
    let style = CellStyle.heat(position)
    canvas.set(ViewHeat.lead(position, context), x: x, y: y, style: style)
    canvas.putRight(text, right: x + Columns.cellWidth, y: y, style: style)
  }

  // MARK: - Footer

  static func footer(_ state: AppState, _ canvas: inout Canvas, y: Int) {
    let totals = state.totals
    var line = [
      TextFit.Part(
        "model totals (param-weighted \(state.metric.rawValue)): ", .muted,
        short: "totals \(state.metric.rawValue): ")
    ]
    let waiting = totals.formats.values.allSatisfy { $0.tensors == 0 }
    // Formats further down the list give way first; the chosen one stays.
    let formats = state.settings.formats
    for (offset, format) in formats.enumerated() {
      guard let total = totals.formats[format], total.tensors > 0 else { continue }
      let value =
        total.isUnmeasurable
        ? StoredCodeUsage.unmeasurableCell
        : state.metric == .relErr
          ? NumberText.error(total.relErr) : NumberText.decibels(total.sqnrDB)
      let isChosen = format == state.globalFormat
      line.append(
        TextFit.Part(
          "\(format.rawValue) \(value)  ", isChosen ? CellStyle(.key, bold: true) : .text,
          short: "\(format.rawValue) \(value) ",
          importance: isChosen ? TextFit.Part.essential : formats.count - offset + 1))
    }
    if waiting {
      line.append(TextFit.Part("waiting for results", .muted))
    } else if let coverage = state.partialCoverage {
      // Totals over part of the model say so, whatever else gives way.
      line.append(
        TextFit.Part(
          "(partial: \(coverage.done)/\(coverage.total) tensors)", CellStyle(.warning),
          short: "(partial \(coverage.done)/\(coverage.total))"))
    }
    canvas.put(line, x: 1, y: y, width: canvas.width - 2)
    let chosen =
      state.choiceSummary?.weightsBytes
      ?? totals.memoryBytes(format: state.globalFormat, keeping: [])
    var memory = [
      TextFit.Part(
        "memory: 16-bit \(InspectRenderer.byteText(totals.bytes16)) → \(state.globalFormat.rawValue) \(InspectRenderer.byteText(chosen))"
      )
    ]
    let keptCount = state.appliedKept.count
    if keptCount > 0 {
      let extra = state.choiceSummary?.keptExtraBytes ?? 0
      memory.append(
        TextFit.Part(
          " (incl. \(keptCount) kept in 16-bit: +\(InspectRenderer.byteText(extra)))",
          CellStyle(.kept),
          short: " (■ \(keptCount): +\(InspectRenderer.byteText(extra)))"))
    } else if !state.kept.isEmpty {
      memory.append(
        TextFit.Part(
          " (\(state.kept.count) kept: not applied by 8-bit loading)", .muted,
          short: " (kept: not applied by 8-bit)"))
    }
    // A large 16-bit share (fused experts, big embeddings) is said, and warned about when most.
    let share = totals.sixteenBitShare(keeping: state.appliedKept)
    if share.fraction >= 0.25 {
      memory.append(
        TextFit.Part(
          " · \(share.percentText) stays 16-bit" + (share.isMost ? " (most of the model)" : ""),
          share.isMost ? CellStyle(.warning, bold: true) : .muted,
          short: " · \(share.percentText) 16-bit"))
    }
    canvas.put(memory, x: 1, y: y + 1, width: canvas.width - 2)
  }
}
