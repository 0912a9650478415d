import TestSupport
import Testing

/// The real binary in tmux on the nf4 + double quant fixture (scripts/make-prequantized.py): the
/// stored mark on the rows, "stored" where the stored format's own error would be, and the
/// tensor screen's histogram, outliers and stored code usage.
@Suite(.enabled(if: TmuxSession.isAvailable, "tmux is not installed"), .serialized)
struct StoredTmuxTests {
  @Test func nf4DoubleQuantSaveShowsItsStoredMark() throws {
    let scratch = try TemporaryDirectory("tmux-stored")
    let fixture = FixturePaths.root + "/prequantized/nf4-dq"
    let harness = TmuxTests()
    let session = try harness.start(scratch, extra: TmuxSession.quote(fixture), noColour: true)
    let home = session.waitFor(
      "QuantScope ▸", "analysed 4 tensors", "up_proj [stored nf4 (+dq)]", "nf4-dq stored")
    try #require(home != nil, "home screen:\n\(session.lastScreen)")
    #expect(home?.contains("down_proj [stored nf4 (+dq)]") == true)
    #expect(home?.contains("nan") == false, "\(session.lastScreen)")

    // Open up_proj (filter, last row): histogram, outliers, the stored codes.
    session.send("/")
    session.type("up_proj")
    session.send("Enter", "G", "Enter")
    let tensor = session.waitFor(
      "model.layers.0.mlp.up_proj.weight", "128×256 BF16 · stored nf4 (+dq)", "values (log count)",
      "outlier columns", "stored nf4 (+dq): code use")
    try #require(tensor != nil, "tensor screen:\n\(session.lastScreen)")
    #expect(tensor?.contains("nan") == false, "\(session.lastScreen)")
    session.send("q")
    harness.expectExitAndRestored(session, status: 0)
  }
}
