import TestSupport
import Testing

@testable import Terminal

@Suite struct ThemeTests {}

// MARK: - Files

extension ThemeTests {
  @Test func defaultThemeFileEqualsTheBuiltInSchema() throws {
    let path = TextSnapshot.packageRoot(#filePath) + "/Themes/default.theme"
    if let problem = TextSnapshot.check(Theme.builtIn.fileText, path: path) {
      Issue.record(Comment(rawValue: problem))
    }
  }

  @Test(arguments: ["default", "mono", "nord", "gruvbox"])
  func shippedThemesLoadWithoutWarnings(name: String) throws {
    let directory = TextSnapshot.packageRoot(#filePath) + "/Themes"
    let result = try ThemeLoader.load(name, directories: [directory])
    #expect(result.warnings.isEmpty)
    #expect(result.theme.name == name)
  }

  @Test func monoThemeIsDrawnWithoutColours() throws {
    let directory = TextSnapshot.packageRoot(#filePath) + "/Themes"
    #expect(try ThemeLoader.load("mono", directories: [directory]).theme.hasNoColours)
    #expect(!Theme.builtIn.hasNoColours)
  }

  @Test func unknownNameIsAnErrorNamingTheSearch() {
    #expect(throws: TerminalError.self) { try ThemeLoader.load("no-such-theme", directories: ["/nonexistent"]) }
  }

  @Test func builtInThemesNeedNoFiles() throws {
    #expect(try ThemeLoader.load("default", directories: []).theme == .builtIn)
    #expect(try ThemeLoader.load("mono", directories: []).theme.isMonochrome)
  }
}

// MARK: - Parsing

extension ThemeTests {
  @Test func unknownKeyWarnsWithFileAndLineAndTheRestApplies() {
    let text = """
      # a theme
      text = "#112233"
      heat_strat = "#000000"
      outlier = 208   # an index
      """
    let result = ThemeLoader.parse(text, name: "t", file: "Themes/t.theme")
    #expect(result.warnings == ["Themes/t.theme:3: unknown key 'heat_strat'"])
    #expect(result.theme.colour(.text) == .rgb(0x11, 0x22, 0x33))
    #expect(result.theme.colour(.outlier) == .index(208))
  }

  @Test func badValueWarnsAndKeepsTheDefault() {
    let result = ThemeLoader.parse("text = \"#12345\"\nmuted = \"300\"\n", name: "t", file: "x.theme")
    #expect(result.warnings.count == 2)
    #expect(result.warnings.first?.hasPrefix("x.theme:1: bad value '#12345' for 'text'") == true)
    #expect(result.warnings.last?.hasPrefix("x.theme:2: bad value '300'") == true)
    #expect(result.theme.colour(.text) == Theme.builtIn.colour(.text))
  }

  @Test func missingKeyFallsBackToTheDefault() {
    let result = ThemeLoader.parse("text = \"\"\n", name: "t", file: "x.theme")
    #expect(result.warnings.isEmpty)
    #expect(result.theme.colour(.text) == .terminalDefault)
    #expect(result.theme.colour(.heatEnd) == Theme.builtIn.colour(.heatEnd))
  }

  @Test func lineWithoutEqualsWarns() {
    let result = ThemeLoader.parse("text\n", name: "t", file: "x.theme")
    #expect(result.warnings == ["x.theme:1: expected key = \"value\""])
  }
}

// MARK: - Colours

extension ThemeTests {
  @Test func rgbMapsToTheNearestPaletteEntry() {
    #expect(ThemeColour.rgb(255, 0, 0).paletteIndex(colours: 256) == 196)
    #expect(ThemeColour.rgb(250, 10, 10).paletteIndex(colours: 8) == 1)
    #expect(ThemeColour.index(208).paletteIndex(colours: 256) == 208)
    #expect(ThemeColour.index(208).paletteIndex(colours: 8) == 3)
    #expect(ThemeColour.terminalDefault.paletteIndex(colours: 256) == -1)
  }

  @Test func heatGradientRunsFromStartOverMidToEnd() {
    let theme = Theme.builtIn
    #expect(theme.heatColour(0) == theme.colour(.heatStart))
    #expect(theme.heatColour(CellStyle.heatSteps - 1) == theme.colour(.heatEnd))
  }

  @Test func coloursRoundTripThroughTheirSpelling() {
    for text in ["", "#0a0b0c", "17"] {
      #expect(ThemeColour(parsing: text)?.description == text)
    }
    #expect(ThemeColour(parsing: "#zzzzzz") == nil)
  }
}
