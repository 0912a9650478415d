import Engine
import Safetensors

/// The modules of a checkpoint as transformers will see them, derived from tensor names.
struct ModuleCatalog {
  /// Every module owning a `.weight` or `.bias` tensor, in checkpoint order.
  let modules: [ModuleName]
  /// Modules that could be Linear layers (a 2-D weight), plus the output embedding: what a skip
  /// key can match when bitsandbytes replaces layers.
  let candidates: [ModuleName]
  /// The output embedding: `lm_head`, or `embed_out` (GPT-NeoX). It exists at load even when
  /// tied embeddings leave no tensor of its own in the file.
  let outputEmbedding: ModuleName
  /// Modules whose weight bitsandbytes quantizes (`Quantizability`).
  let quantizable: Set<ModuleName>
  /// Position of each module's weight in `checkpoint.tensors`.
  let weightIndex: [ModuleName: Int]

  init(_ checkpoint: Checkpoint) {
    var modules: [ModuleName] = []
    var seen: Set<ModuleName> = []
    var candidates: [ModuleName] = []
    var quantizable: Set<ModuleName> = []
    var weightIndex: [ModuleName: Int] = [:]
    for (index, tensor) in checkpoint.tensors.enumerated() {
      guard let module = ModuleName(tensor: TensorName(tensor.name)) else { continue }
      if seen.insert(module).inserted { modules.append(module) }
      guard tensor.name.hasSuffix(".weight") else { continue }
      weightIndex[module] = index
      if tensor.shape.count == 2 { candidates.append(module) }
      if Quantizability.isQuantizable(tensor, in: checkpoint) { quantizable.insert(module) }
    }
    let output =
      modules.first { $0.leaf == "embed_out" } ?? modules.first { $0.leaf == "lm_head" }
      ?? .known("lm_head")
    if !candidates.contains(output) { candidates.append(output) }
    self.modules = modules
    self.candidates = candidates
    self.outputEmbedding = output
    self.quantizable = quantizable
    self.weightIndex = weightIndex
  }

  func contains(_ module: ModuleName) -> Bool {
    module == outputEmbedding || weightIndex[module] != nil || modules.contains(module)
  }

  /// A hint for a name that is not a module: the full names it was probably meant as.
  func hint(for key: ModuleName) -> String? {
    // Examples are quantized modules when there are any: keeping a norm changes nothing.
    func example(_ list: [ModuleName]) -> ModuleName {
      list.first { quantizable.contains($0) } ?? list[0]
    }
    let suffixed = modules.filter { $0.rawValue.hasSuffix("." + key.rawValue) }
    if !suffixed.isEmpty {
      return
        "give full module names, e.g. '\(example(suffixed).rawValue)' (\(suffixed.count) modules end in '\(key.rawValue)')"
    }
    let prefixed = modules.filter { $0.rawValue.hasPrefix(key.rawValue + ".") }
    if !prefixed.isEmpty {
      return
        "that is a container of \(prefixed.count) modules; list the ones to keep, e.g. '\(example(prefixed).rawValue)'"
    }
    return nil
  }
}
