import Engine
import Safetensors
import TestSupport
import Testing

@testable import Explorer

/// Choices saved per model and read back; a corrupt file is a warning.
#if canImport(Glibc)
  import Glibc
#endif

@Suite struct RememberedChoicesTests {}

extension RememberedChoicesTests {
  @Test func choicesRoundTripThroughTheFile() throws {
    let scratch = try TemporaryDirectory("choices")
    var state = Fixture.state()
    state.handle(.character("s"), pageHeight: 10)
    state.setThreshold(6.5)
    state.kept = ["model.layers.0.self_attn.q_proj.weight", "lm_head.weight"]
    state.globalFormat = .nf4dq
    let saved = RememberedChoices(state, theme: "mono")
    let path = scratch.path + "/state/quantscope/x.choices"
    #expect(saved.save(path) == nil)
    let (loaded, problem) = RememberedChoices.load(path)
    #expect(problem == nil)
    #expect(loaded == saved)

    var fresh = Fixture.state()
    fresh.restore(try #require(loaded))
    #expect(fresh.kept == state.kept)
    #expect(fresh.globalFormat == .nf4dq)
    #expect(fresh.viewFormat == .nf4dq)
    #expect(fresh.threshold == 6.5)
    #expect(fresh.sort == .error)
  }

  @Test func aMissingFileIsNoChoicesAndNoWarning() throws {
    let scratch = try TemporaryDirectory("choices-missing")
    let (choices, problem) = RememberedChoices.load(scratch.file("none.choices"))
    #expect(choices == nil)
    #expect(problem == nil)
  }

  @Test(arguments: [
    ("format = nf5\n", "2: bad format 'nf5'"), ("threshold = -1\n", "1: bad threshold '-1'"),
    ("colour = red\n", "1: unknown key 'colour'"), ("just words\n", "1: expected key = value"),
  ])
  func aCorruptFileIsAWarningNamingTheLine(text: String, expected: String) throws {
    let scratch = try TemporaryDirectory("choices-corrupt")
    let path = scratch.file("bad.choices")
    let contents = expected.hasPrefix("2:") ? "# comment\n" + text : text
    let file = try #require(fopen(path, "w"))
    fputs(contents, file)
    fclose(file)
    let (choices, problem) = RememberedChoices.load(path)
    #expect(choices == nil)
    #expect(problem?.description == "\(path):\(expected); saved choices ignored")
    #expect(problem?.short == "saved choices ignored (\(expected)); --fresh starts without them")
  }

  @Test func unknownTensorsAndFormatsAreNotRestored() {
    var choices = RememberedChoices()
    choices.kept = ["no.such.weight", "model.layers.1.mlp.up_proj.weight"]
    choices.format = .int4
    var state = AppState(
      checkpoint: Fixture.checkpoint(), isDemo: false,
      settings: AnalysisSettings(formats: [.nf4, .int8]), engineLabel: "cpu")
    state.restore(choices)
    #expect(state.kept == ["model.layers.1.mlp.up_proj.weight"])
    #expect(state.globalFormat == .nf4)
  }

  @Test func theIdentityFollowsTheTensorsNotThePath() {
    let checkpoint = Fixture.checkpoint()
    let moved = Checkpoint(
      path: "/elsewhere/model", indexPath: nil, totalSizeHint: nil, files: checkpoint.files,
      tensors: checkpoint.tensors, warnings: [])
    var reshaped = checkpoint.tensors
    reshaped[1].shape = [65]
    let other = Checkpoint(
      path: checkpoint.path, indexPath: nil, totalSizeHint: nil, files: checkpoint.files,
      tensors: reshaped, warnings: [])
    #expect(RememberedChoices.identity(checkpoint) == RememberedChoices.identity(moved))
    #expect(RememberedChoices.identity(checkpoint) != RememberedChoices.identity(other))
    #expect(RememberedChoices.identity(checkpoint).count == 16)
  }

  @Test func theStateDirectoryFollowsXDG() {
    let xdg = RememberedChoices.directory { ["XDG_STATE_HOME": "/s", "HOME": "/h"][$0] }
    let home = RememberedChoices.directory { ["HOME": "/h"][$0] }
    let relative = RememberedChoices.directory { ["XDG_STATE_HOME": "rel", "HOME": "/h"][$0] }
    #expect(xdg == "/s/quantscope")
    #expect(home == "/h/.local/state/quantscope")
    // A relative XDG path is ignored, as the XDG spec asks.
    #expect(relative == "/h/.local/state/quantscope")
  }
}
