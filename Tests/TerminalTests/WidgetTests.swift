import Testing

@testable import Terminal

@Suite struct WidgetTests {
  /// (0.2 − 0.1) / (0.3 − 0.1) is 0.5 up to one rounding of each subtraction.
  let positionTolerance = 1e-12
}

// MARK: - Canvas

extension WidgetTests {
  @Test func putShortensWithAnEllipsisAtTheEdgeAndAtMaxWidth() {
    var canvas = Canvas(width: 6, height: 2)
    #expect(canvas.put("abcdefgh", x: 2, y: 0) == 6)
    canvas.put("xyz", x: 0, y: 1, maxWidth: 2)
    #expect(canvas.lines == ["  abc…", "x…    "])
  }

  @Test func controlAndWideCharactersBecomeOneColumn() {
    var canvas = Canvas(width: 4, height: 1)
    canvas.put("a\u{1}漢b", x: 0, y: 0)
    #expect(canvas.lines == ["a??b"])
  }

  @Test func boxDrawsBordersTitleAndRoles() {
    var canvas = Canvas(width: 12, height: 3)
    canvas.box(x: 0, y: 0, width: 12, height: 3, title: "ab", focused: true)
    #expect(canvas.lines == ["┌ ab ──────┐", "│          │", "└──────────┘"])
    #expect(canvas.roleMap.split(separator: "\n").first == "BTTTTBBBBBBB")
  }

  @Test func snapshotHoldsCharactersThenRoles() {
    var canvas = Canvas(width: 3, height: 1)
    canvas.put("x", x: 0, y: 0, style: CellStyle(.outlier))
    canvas.set("█", x: 2, y: 0, style: .heat(1))
    #expect(canvas.snapshot == "# 3x1 characters\nx █\n# roles\no.7\n")
  }
}

// MARK: - Histogram

extension WidgetTests {
  @Test func brailleCellsRaiseDotsFromTheBottom() {
    #expect(HistogramPlot.braille(left: 0, right: 0) == " ")
    #expect(HistogramPlot.braille(left: 1, right: 0) == "⡀")
    #expect(HistogramPlot.braille(left: 4, right: 0) == "⡇")
    #expect(HistogramPlot.braille(left: 4, right: 4) == "⣿")
    #expect(HistogramPlot.braille(left: 0, right: 2) == "⢠")
  }

  @Test func blocksCountEighths() {
    #expect(HistogramPlot.block(0) == " ")
    #expect(HistogramPlot.block(3) == "▃")
    #expect(HistogramPlot.block(8) == "█")
    #expect(HistogramPlot.block(20) == "█")
  }

  @Test func plotFillsColumnsInProportionAndKeepsThinTails() {
    var canvas = Canvas(width: 3, height: 2)
    HistogramPlot(values: [16, 8, 0.01], resolution: .blocks).draw(
      into: &canvas, x: 0, y: 0, width: 3, height: 2)
    #expect(canvas.lines == ["█  ", "██▁"])
  }

  @Test func braillePlotUsesTwoBarsPerColumn() {
    var canvas = Canvas(width: 1, height: 1)
    HistogramPlot(values: [4, 2], resolution: .braille).draw(
      into: &canvas, x: 0, y: 0, width: 1, height: 1)
    #expect(canvas.lines == ["⣧"])
  }

  @Test func resamplingAveragesOrRepeats() {
    #expect(HistogramPlot.resample([1, 3, 5, 7], to: 2) == [2, 6])
    #expect(HistogramPlot.resample([1, 2], to: 4) == [1, 1, 2, 2])
    #expect(HistogramPlot.resampleMax([1, 9, 5, 7], to: 2) == [9, 7])
  }

  @Test func sparklineLeavesUnusedCodesBlank() {
    #expect(Sparkline.text([0, 1, 8], width: 3) == " ▁█")
  }
}

// MARK: - Heat and progress

extension WidgetTests {
  @Test func heatScalePlacesValuesBetweenBestAndWorst() {
    let scale = HeatScale(values: [0.1, 0.3, .nan])
    #expect(scale.position(0.1) == 0)
    #expect(abs(scale.position(0.2) - 0.5) < positionTolerance)
    #expect(scale.position(0.3) == 1)
    #expect(scale.position(.nan) == 1)
    let higher = HeatScale(values: [10, 30], higherIsBetter: true)
    #expect(higher.position(30) == 0)
    #expect(HeatScale(values: [0.5]).position(0.5) == 0)
  }

  @Test func shadesRunFromLightToFull() {
    #expect(HeatScale.shade(0) == "░")
    #expect(HeatScale.shade(0.3) == "▒")
    #expect(HeatScale.shade(0.6) == "▓")
    #expect(HeatScale.shade(1) == "█")
  }

  @Test func heatStylesMapToSteps() {
    #expect(CellStyle.heat(0).heat == 0)
    #expect(CellStyle.heat(1).heat == UInt8(CellStyle.heatSteps - 1))
    #expect(CellStyle.heat(.nan).heat == UInt8(CellStyle.heatSteps - 1))
  }

  @Test func progressBarSplitsDoneAndToDo() {
    var canvas = Canvas(width: 4, height: 1)
    ProgressBar.draw(into: &canvas, fraction: 0.5, x: 0, y: 0, width: 4)
    #expect(canvas.lines == ["██░░"])
  }

  @Test func monochromeKeepsMeaningInAttributes() {
    #expect(CellStyle(.title).monochromeAttributes.bold)
    #expect(CellStyle(.muted).monochromeAttributes.dim)
    #expect(CellStyle(.text, selected: true).monochromeAttributes.reverse)
  }
}
