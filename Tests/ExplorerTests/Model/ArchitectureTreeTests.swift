import Engine
import Safetensors
import Synthetic
import Terminal
import TestSupport
import Testing

@testable import Explorer

/// The model tree and the layer matrix on real architectures: `/`-separated names group like
/// dotted ones, MoE experts group under their block, Conv1D and fused-expert checkpoints give
/// a layered matrix.
@Suite struct ArchitectureTreeTests {
  /// The labels of the tree, depth-first, indented two spaces per level.
  static func outline(_ tree: ModelTree) -> [String] {
    var lines: [String] = []
    func visit(_ index: Int) {
      let node = tree.nodes[index]
      lines.append(String(repeating: "  ", count: node.depth) + node.label)
      for child in node.children { visit(child) }
    }
    for root in tree.roots { visit(root) }
    return lines
  }

  @Test func slashSeparatedNamesGroupIntoBlocks() {
    let names = [
      "encoder/position_encodings/encodings",
      "encoder/layer_0/self_attention/linear_0/weight",
      "encoder/layer_0/self_attention/linear_1/weight",
      "encoder/layer_0/ffn/linear_0/weight", "encoder/layer_0/ffn/linear_1/weight",
      "encoder/layer_1/self_attention/linear_0/weight",
      "encoder/layer_1/self_attention/linear_1/weight",
      "encoder/layer_1/ffn/linear_0/weight", "encoder/layer_1/ffn/linear_1/weight",
    ]
    let tree = ModelTree(names: names)
    #expect(tree.blockIDs == ["encoder.layer.0", "encoder.layer.1"])
    #expect(
      Self.outline(tree) == [
        "encoder.position_encodings.encodings",
        "encoder.layer.0", "  self_attention", "    linear.0", "    linear.1", "  ffn",
        "    linear.0", "    linear.1",
        "encoder.layer.1", "  self_attention", "    linear.0", "    linear.1", "  ffn",
        "    linear.0", "    linear.1",
      ])
    #expect(tree.kindOfTensor[1] == "self_attention.linear.0")
    #expect(tree.blockOfTensor[0] == nil)
    // Leaves keep the tensor's real name as their id.
    #expect(
      tree.nodes.contains { $0.id == "encoder/layer_1/ffn/linear_1/weight" && $0.tensorIndex == 8 })
  }

  @Test func slashNamedCheckpointHasALayeredMatrixAndNoPositionTable() {
    let names = [
      "encoder/position_encodings/encodings",
      "encoder/layer_0/ffn/linear_0/weight", "encoder/layer_1/ffn/linear_0/weight",
    ]
    var offset: UInt64 = 0
    let tensors = names.map { name in
      defer { offset += 64 * 64 * 2 }
      return TensorInfo(
        name: name, dtype: .BF16, shape: [64, 64], fileIndex: 0, fileOffset: 8 + offset,
        byteCount: 64 * 64 * 2)
    }
    let file = SafetensorsFile(
      path: "/m/model.safetensors", size: offset + 8, modificationTime: 0, headerLength: 0,
      metadata: nil)
    let checkpoint = Checkpoint(
      path: "/m", indexPath: nil, totalSizeHint: nil, files: [file], tensors: tensors, warnings: [])
    let state = AppState(
      checkpoint: checkpoint, isDemo: false, settings: AnalysisSettings(), engineLabel: "cpu")
    let matrix = LayerMatrix(state)
    #expect(matrix.layers == ["encoder.layer.0", "encoder.layer.1"])
    #expect(matrix.kinds == ["ffn.linear.0"])
    #expect(matrix.cells == [[1], [2]])
  }

  @Test func mixtralExpertsGroupUnderTheirBlockAndStartCollapsed() {
    let preset = SyntheticCheckpoint.Preset.mixtral.small.layers(1)
    let names = preset.tensors.map(\.name)
    let tree = ModelTree(names: names)
    let outline = Self.outline(tree)
    #expect(
      outline.prefix(8) == [
        "model.embed_tokens", "model.layers.0", "  self_attn", "    q_proj", "    k_proj",
        "    v_proj", "    o_proj",
        "  block_sparse_moe",
      ])
    #expect(
      outline[8...].prefix(6) == [
        "    gate", "    experts", "      0", "        w1", "        w2", "        w3",
      ])
    #expect(
      outline.filter { $0.hasPrefix("      ") && !$0.hasPrefix("        ") }
        == (0..<8).map { "      \($0)" })
    #expect(tree.expertGroupIDs == ["model.layers.0.block_sparse_moe.experts"])
    let w2 = names.firstIndex(of: "model.layers.0.block_sparse_moe.experts.5.w2.weight") ?? -1
    #expect(tree.kindOfTensor[w2] == "block_sparse_moe.experts.w2")
  }

  @Test func fusedExpertTensorsSitInTheirBlock() {
    let names = SyntheticCheckpoint.Preset.moeFused.small.layers(1).tensors.map(\.name)
    let outline = Self.outline(ModelTree(names: names))
    #expect(outline.contains("    experts.gate_up_proj"))
    #expect(outline.contains("    router"))
  }

  @Test func fusedExpertSlicesGroupLikePerExpertWeights() {
    let names = [
      "model.layers.0.mlp.experts.down_proj[0]", "model.layers.0.mlp.experts.down_proj[1]",
      "model.layers.0.mlp.experts.gate_up_proj[0]", "model.layers.0.mlp.experts.gate_up_proj[1]",
      "model.layers.0.mlp.router.weight",
    ]
    let tree = ModelTree(names: names)
    #expect(
      Self.outline(tree) == [
        "model.layers.0", "  mlp", "    experts", "      0", "        down_proj",
        "        gate_up_proj", "      1",
        "        down_proj", "        gate_up_proj", "    router",
      ])
    #expect(tree.kindOfTensor[3] == "mlp.experts.gate_up_proj")
  }
}

/// Every architecture preset opens in the explorer: analysed on the CPU, its Compare matrix and
/// weight outlier map have layers (never "no layered …").
@Suite struct PresetExplorerTests {
  static let presets: [SyntheticCheckpoint.Preset] = [.phi2, .mixtral, .gpt2, .moeFused, .llama1B]

  @Test(arguments: presets.map(\.name))
  func presetDrawsCompareAndOutlierMap(name: String) throws {
    let preset = try #require(Self.presets.first { $0.name == name }).small.layers(2)
    let directory = try TemporaryDirectory("preset-\(name)")
    try SyntheticCheckpoint.write(shape: preset, to: directory.path)
    let checkpoint = try Checkpoint.open(directory.path)
    var state = AppState(
      checkpoint: checkpoint, isDemo: false, settings: AnalysisSettings(formats: [.nf4]),
      engineLabel: "cpu")
    let backend = CPUBackend(threads: 2)
    for (index, tensor) in checkpoint.tensors.enumerated() where tensor.shape.count == 2 {
      state.receive(
        try backend.analyse(
          tensor, in: checkpoint, settings: state.settings, cancel: nil, progress: nil), at: index)
    }
    let matrix = LayerMatrix(state)
    #expect(matrix.layers.count == 2)
    #expect(!matrix.kinds.isEmpty)
    for screen in [ScreenKind.model, .compare, .outlierMap] {
      var copy = state
      copy.screen = screen
      var canvas = Canvas(width: 120, height: 40)
      Screens.render(copy, into: &canvas, context: RenderContext(isMonochrome: true))
      #expect(!canvas.text.contains("no layered"), "\(screen)")
      if screen == .outlierMap {
        #expect(canvas.text.contains("in \(preset.hidden) ·"), "\(canvas.text)")
      }
    }
    // The map's widths are in_features: the hidden size first.
    let widths = OutlierMap(weights: state).sections.map(\.width)
    #expect(widths.first == preset.hidden)
    if name == "gpt2" {
      // Conv1D weights [in, out]: c_attn, attn.c_proj and c_fc read 128 inputs, mlp.c_proj 512 —
      // untransposed they would give widths 384, 128 and 512.
      #expect(widths == [128, 512])
    }
  }
}

/// Compare under transformers 4: the experts of a block share one cell per kind, showing the
/// worst expert.
@Suite struct ExpertCompareTests {
  @Test func compareCellShowsTheWorstExpert() throws {
    let preset = SyntheticCheckpoint.Preset.mixtral.small.layers(1)
    var offset: UInt64 = 0
    let tensors = preset.tensors.map { tensor in
      let bytes = UInt64(tensor.shape.reduce(1, *) * 2)
      defer { offset += bytes }
      return TensorInfo(
        name: tensor.name, dtype: .BF16, shape: tensor.shape, fileIndex: 0, fileOffset: offset,
        byteCount: bytes)
    }
    let file = SafetensorsFile(
      path: "/m/model.safetensors", size: offset, modificationTime: 0, headerLength: 0,
      metadata: nil)
    var checkpoint = Checkpoint(
      path: "/m", indexPath: nil, totalSizeHint: nil, files: [file], tensors: tensors, warnings: [])
    checkpoint.config = CheckpointConfig.parse(Array(preset.configJSON(nameOrPath: "m").utf8))
    checkpoint.transformersMajor = 4
    var state = AppState(
      checkpoint: checkpoint, isDemo: false, settings: AnalysisSettings(formats: [.nf4]),
      engineLabel: "cpu")
    let names = tensors.map(\.name)
    for (index, tensor) in tensors.enumerated() where tensor.shape.count == 2 {
      var analysis = Fixture.analysis(tensor, settings: state.settings)
      analysis.formats[.nf4]?.relErr = tensor.name.contains("experts.5.w2") ? 0.5 : 0.1
      state.receive(analysis, at: index)
    }
    let matrix = LayerMatrix(state)
    let w2 = try #require(matrix.kinds.firstIndex(of: "block_sparse_moe.experts.w2"))
    #expect(
      matrix.cells[0][w2]
        == names.firstIndex(of: "model.layers.0.block_sparse_moe.experts.5.w2.weight"))
    #expect(matrix.kinds.contains("block_sparse_moe.gate"))
    // Under transformers 5 neither the experts nor the router are quantized: attention only.
    checkpoint.transformersMajor = 5
    let v5 = AppState(
      checkpoint: checkpoint, isDemo: false, settings: AnalysisSettings(formats: [.nf4]),
      engineLabel: "cpu")
    #expect(
      LayerMatrix(v5).kinds == [
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
      ])
  }
}
