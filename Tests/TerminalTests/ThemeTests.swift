import BuiltInThemes
import TestSupport
import Testing

@testable import Terminal

@Suite struct ThemeTests {}

// MARK: - Files

extension ThemeTests {
  @Test func defaultThemeFileEqualsTheBuiltInSchema() throws {
    let path = FixturePaths.packageRoot + "/Themes/default.theme"
    if let problem = TextSnapshot.check(Theme.builtIn.fileText, path: path) {
      Issue.record(Comment(rawValue: problem))
    }
  }

  /// Every file in Themes/ is built in, needs no folder, and is the file's own text.
  @Test(arguments: ["default", "mono", "nord", "gruvbox"])
  func shippedThemesAreBuiltInAndLoadWithoutWarnings(name: String) throws {
    let path = FixturePaths.packageRoot + "/Themes/\(name).theme"
    let fromFile = try ThemeLoader.loadFile(path)
    let builtIn = try ThemeLoader.load(name)
    #expect(builtIn.warnings.isEmpty)
    #expect(builtIn.theme.name == name)
    #expect(builtIn.theme == fromFile.theme)
  }

  @Test func everyThemeFileIsBuiltIn() throws {
    let directory = FixturePaths.packageRoot + "/Themes"
    let files = try TemporaryDirectory.fileNames(in: directory).filter { $0.hasSuffix(".theme") }
    #expect(files.map { String($0.dropLast(6)) }.sorted() == BuiltInThemeFiles.names)
  }

  @Test func monoThemeIsDrawnWithoutColours() throws {
    #expect(try ThemeLoader.load("mono").theme.hasNoColours)
    #expect(!Theme.builtIn.hasNoColours)
  }

  @Test func aUserFileOverridesTheBuiltInTheme() throws {
    let directory = try TemporaryDirectory()
    try directory.write("nord.theme", "text = \"#010203\"\n")
    let result = try ThemeLoader.load("nord", directories: [directory.path])
    #expect(result.theme.colour(.text) == .rgb(1, 2, 3))
    #expect(result.theme != (try ThemeLoader.load("nord")).theme)
  }

  @Test func unknownNameIsAnErrorNamingTheSearch() {
    let error = #expect(throws: TerminalError.self) {
      try ThemeLoader.load("no-such-theme", directories: ["/nonexistent"])
    }
    let message = error.map { String(describing: $0) } ?? ""
    #expect(message.contains("/nonexistent"))
    #expect(message.contains("built in: default, gruvbox, mono, nord"))
  }

  @Test func builtInThemesNeedNoFiles() throws {
    #expect(try ThemeLoader.load("default", directories: []).theme == .builtIn)
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
    let result = ThemeLoader.parse(
      "text = \"#12345\"\nmuted = \"300\"\n", name: "t", file: "x.theme")
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
