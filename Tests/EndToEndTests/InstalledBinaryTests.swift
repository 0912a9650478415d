import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The binary as a user installs it: copied alone into an empty folder, run from another empty
/// folder with a fresh home. The demo, every built-in theme, `report`, `export` and `doctor` must
/// work without the source tree (README "Install").
@Suite(.serialized) struct InstalledBinaryTests {
  /// A copy of the built binary in `scratch/bin`, and a working folder `scratch/work`.
  struct Installation {
    var binary: String
    var workingDirectory: String
    var environment: [String]
  }

  func install(into scratch: TemporaryDirectory) throws -> Installation {
    let built = try #require(BuiltBinary.path, "quantscope is built next to the test bundle")
    let bin = try scratch.subdirectory("bin")
    let copy = bin + "/quantscope"
    let copied = try ProcessRunner.run("/bin/cp", [built, copy])
    try #require(copied.status == 0, "cp: \(copied.stderr)")
    let environment =
      ["-i", "-C", try scratch.subdirectory("work"), "PATH=/usr/bin:/bin", "LANG=C.UTF-8"]
      + IsolatedEnvironment.assignments(root: scratch.path)
    return Installation(
      binary: copy, workingDirectory: scratch.file("work"), environment: environment)
  }

  func run(_ installation: Installation, _ arguments: [String]) throws -> ProcessResult {
    try ProcessRunner.run(
      "/usr/bin/env", installation.environment + [installation.binary] + arguments)
  }

  @Test func headlessCommandsWorkFromACopiedBinary() throws {
    let scratch = try TemporaryDirectory("installed")
    let installation = try install(into: scratch)

    let demo = try run(installation, ["demo", "--write", "demo"])
    #expect(demo.status == 0, "\(demo.stderr)")
    #expect(access(installation.workingDirectory + "/demo/model.safetensors", R_OK) == 0)

    let report = try run(installation, ["report", "demo", "--format", "csv", "--formats", "nf4"])
    #expect(report.status == 0, "\(report.stderr)")
    let qProj = report.stdout.split(separator: "\n").first {
      $0.hasPrefix("model.layers.0.self_attn.q_proj.weight,")
    }
    #expect(
      qProj?.contains(",true,") == true && qProj?.contains(",nf4,") == true,
      "\(report.stdout.prefix(400))")

    let export = try run(installation, ["export", "demo", "-o", "qlora.yml"])
    #expect(export.status == 0, "\(export.stderr)")
    let yaml = try FileContents.text(installation.workingDirectory + "/qlora.yml")
    #expect(yaml.contains("load_in_4bit: true"))

    let doctor = try run(installation, ["doctor"])
    #expect(doctor.status == 0, "\(doctor.stderr)")
    #expect(doctor.stdout.hasPrefix("cpu   available"), "\(doctor.stdout)")

    // The analysis cache went to the private XDG folder, nothing to the working folder but outputs.
    #expect(access(scratch.path + "/cache/quantscope", F_OK) == 0)
    let names = try TemporaryDirectory.fileNames(in: installation.workingDirectory).sorted()
    #expect(names == ["demo", "qlora.yml"])
  }

  @Test(.enabled(if: TmuxSession.isAvailable, "tmux is not installed"))
  func everyBuiltInThemeOpensTheExplorerFromACopiedBinary() throws {
    let scratch = try TemporaryDirectory("installed-tui")
    let installation = try install(into: scratch)
    var screens: [String: String] = [:]
    for theme in ["default", "nord", "gruvbox", "mono"] {
      let run =
        (["/usr/bin/env"] + installation.environment + [
          "TERM=tmux-256color", installation.binary, "--theme", theme,
        ])
        .map(TmuxSession.quote).joined(separator: " ")
      let session = try TmuxSession(command: run, scratch: scratch.path)
      let home = session.waitFor("QuantScope ▸", "synthetic demo", "totals ")
      try #require(home != nil, "--theme \(theme):\n\(session.lastScreen)")
      // The same text, drawn in the theme's colours: captured with its escape sequences.
      screens[theme] = session.tmux("capture-pane -p -e -t 0")
      session.send("q")
      #expect(session.waitForExit() != nil, "--theme \(theme) did not quit")
    }
    #expect(Set(screens.values).count == 4, "two themes drew the same colours")

    let missing = try run(installation, ["--theme", "no-such-theme"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("built in: default, gruvbox, mono, nord"), "\(missing.stderr)")
  }
}
