import Engine
import Safetensors
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// True when `python3 -c "import torch"` succeeds.
private let torchImports: Bool = CaptureScriptTests.run(["python3", "-c", "import torch"]) == 0

/// `scripts/capture_activations.py` end to end: PyTorch hooks capture a tiny model's Linear inputs,
/// and the project's reader and activation analysis load them. Runs only where `torch` imports
/// (CI: `pip install "torch==2.13.0+cpu"`).
@Suite(.enabled(if: torchImports, "python3 cannot import torch"))
struct CaptureScriptTests {
  /// The script's tiny model: 2 blocks, hidden 32, MLP 64, 2 × 8 tokens.
  static let tokens = 16
  static let modules =
    ["q_proj", "k_proj", "v_proj", "o_proj"].map { "self_attn." + $0 }
    + ["gate_proj", "up_proj", "down_proj"].map { "mlp." + $0 }

  /// Runs `arguments` (PATH lookup), output discarded; returns the exit status (-1 if not run).
  static func run(_ arguments: [String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
  }

  static func temporaryDirectory() -> String {
    var template = Array("/tmp/quantscope-capture-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { return "/tmp" }
    return String(cString: made)
  }

  static func removeCapture(_ directory: String) {
    for file in ["activations.safetensors", "model.safetensors"] { unlink(directory + "/" + file) }
    rmdir(directory)
  }

  static func capture(mode: String) -> String {
    let directory = temporaryDirectory()
    let status = run([
      "python3", FixturePaths.packageRoot + "/scripts/capture_activations.py", "--tiny", directory,
      "--mode", mode,
    ])
    #expect(status == 0)
    return directory
  }
}

extension CaptureScriptTests {
  @Test func fullCaptureLoadsAndMatchesTheWeights() throws {
    let directory = Self.capture(mode: "full")
    defer { Self.removeCapture(directory) }
    let capture = try Checkpoint.open(directory + "/activations.safetensors")
    var expected: [String: [Int]] = [:]
    for layer in 0..<2 {
      for module in Self.modules {
        expected["model.layers.\(layer).\(module)"] = [
          Self.tokens, module.hasSuffix("down_proj") ? 64 : 32,
        ]
      }
    }
    #expect(
      Dictionary(uniqueKeysWithValues: capture.tensors.map { ($0.name, $0.shape) }) == expected)
    #expect(capture.tensors.allSatisfy { $0.dtype == .F32 })

    let weights = try Checkpoint.open(directory + "/model.safetensors")
    let analysis = try ActivationAnalysis.run(
      capturePath: directory + "/activations.safetensors", weights: weights)
    #expect(analysis.problems.isEmpty)
    #expect(analysis.modules.count == 14)
    // The script sets hidden feature 3 of the input to 20: an outlier entering layer 0.
    let q0 = analysis.module(named: "model.layers.0.self_attn.q_proj")
    #expect(q0?.outlierFeatures == [3])
    #expect(q0?.outlierTokenFraction == 1)
    #expect(q0?.featureAbsmax[3] == 20)
    let errors = q0?.outputError ?? [:]
    #expect((errors[.int8Decomposed]?.relErr ?? 1) < (errors[.int8]?.relErr ?? 0))
  }

  @Test func maxCaptureIsOneDimensional() throws {
    let directory = Self.capture(mode: "max")
    defer { Self.removeCapture(directory) }
    let capture = try Checkpoint.open(directory + "/activations.safetensors")
    #expect(capture.tensors.count == 14)
    #expect(capture.tensors.allSatisfy { $0.shape.count == 1 && $0.dtype == .F32 })
    let weights = try Checkpoint.open(directory + "/model.safetensors")
    let analysis = try ActivationAnalysis.run(
      capturePath: directory + "/activations.safetensors", weights: weights)
    #expect(analysis.problems.isEmpty)
    #expect(analysis.module(named: "model.layers.0.mlp.gate_proj")?.outlierFeatures == [3])
  }
}
