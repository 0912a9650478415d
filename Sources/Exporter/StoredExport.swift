import Safetensors

/// Exporting a checkpoint that is already quantized: a bitsandbytes save loads only as it was saved,
/// and FP8 weights reach bitsandbytes dequantized.
public enum StoredExport {
  /// What a checkpoint stores, as export sees it.
  public enum Kind: Sendable, Hashable {
    /// No pre-quantized tensor.
    case none
    /// A bitsandbytes save: its quant type, double quant and skip list (config.json's, else the tensors').
    case bitsandbytes(quant: ExportQuant, doubleQuant: Bool, skip: [String])
    /// FP8 weights with scales.
    case fp8(mark: String)
  }

  /// The stored kind of `checkpoint`, from its tensors and its config.json.
  public static func kind(_ checkpoint: Checkpoint) -> Kind {
    let stored = checkpoint.tensors.compactMap(\.stored)
    if let bnb = stored.first(where: \.isBitsandbytes) {
      let config = checkpoint.config?.quantization
      let quant: ExportQuant
      if bnb.format == .int8 || config?.loadIn8bit == true {
        quant = .int8
      } else {
        quant =
          ExportQuant(rawValue: config?.quantType ?? bnb.format.rawValue)
          ?? (bnb.format == .fp4 ? .fp4 : .nf4)
      }
      let doubleQuant = quant.isFourBit && (config?.doubleQuant ?? bnb.doubleQuant)
      return .bitsandbytes(quant: quant, doubleQuant: doubleQuant, skip: config?.skipModules ?? [])
    }
    if let fp8 = stored.first { return .fp8(mark: fp8.mark) }
    return .none
  }

  /// The line export prints for an FP8 checkpoint.
  public static let fp8Note =
    "the checkpoint holds FP8 weights with scales; bitsandbytes would load the dequantized weights (fp8 × scale) and quantize those, which is what this config does and what the errors measure"

  /// The line `plan` prints for an FP8 checkpoint.
  public static let fp8PlanNote =
    "the checkpoint holds FP8 weights with scales; bitsandbytes would load the dequantized weights (fp8 × scale) and quantize those, which is what the plan's errors measure"

  /// Checks what the user asked for against what is stored and returns the choice that loads the
  /// checkpoint as saved.
  ///
  /// - Parameters:
  ///   - quant, doubleQuant: the user's options, nil when not given.
  ///   - skip: the modules the user asked to keep (`--skip`, `--skip-worst`, `--skip-above`).
  /// - Throws: `.storedMismatch` naming what differs, in one line.
  public static func reconcile(
    stored quant: ExportQuant, doubleQuant storedDoubleQuant: Bool, skip storedSkip: [String],
    requested: ExportQuant?, requestedDoubleQuant: Bool?, requestedSkip: [ModuleName]
  ) throws(ExportError) -> (quant: ExportQuant, doubleQuant: Bool, skip: [ModuleName]) {
    let saved = describe(quant, storedDoubleQuant)
    if let requested, requested != quant {
      throw .storedMismatch(
        "the checkpoint is already quantized by bitsandbytes as \(saved) and loads only as saved; --quant \(requested.rawValue) would need the original weights"
      )
    }
    if quant.isFourBit, let requestedDoubleQuant, requestedDoubleQuant != storedDoubleQuant {
      throw .storedMismatch(
        "the checkpoint is already quantized by bitsandbytes as \(saved) and loads only as saved; \(requestedDoubleQuant ? "--double-quant" : "--no-double-quant") would change its block scales"
      )
    }
    let skip = storedSkip.map { ModuleName.stored($0) }
    if !requestedSkip.isEmpty && Set(requestedSkip.map(\.rawValue)) != Set(storedSkip) {
      let list = storedSkip.isEmpty ? "none" : storedSkip.joined(separator: ", ")
      throw .storedMismatch(
        "the checkpoint is already quantized by bitsandbytes with skip list [\(list)] from config.json; a different skip list would need the original weights of the modules it changes"
      )
    }
    return (quant, storedDoubleQuant, skip)
  }

  /// Why nothing can be planned or ranked on a bitsandbytes save (`plan`, `export --budget`,
  /// `--skip-worst`, `--skip-above`, the Plan screen); nil when the checkpoint is not one.
  ///
  /// The type, double quant and skip list are fixed by what is stored; ranking the stored
  /// tensors by error, or weighing another type against a budget, would need the original weights.
  /// (FP8 checkpoints are planned normally: bitsandbytes quantizes their dequantized weights,
  /// which is what the errors measure.)
  public static func planningRefusal(_ kind: Kind, asking: String) -> String? {
    guard case .bitsandbytes(let quant, let doubleQuant, let skip) = kind else { return nil }
    let list = skip.isEmpty ? "none" : skip.joined(separator: ", ")
    return
      "the checkpoint is already quantized by bitsandbytes as \(describe(quant, doubleQuant)) and loads only as saved, skip list [\(list)] from config.json: \(asking) has nothing to choose, and weighing its tensors or another type would need the original weights, which are not in the file"
  }

  /// "nf4 with double quant", "fp4 without double quant", "int8".
  public static func describe(_ quant: ExportQuant, _ doubleQuant: Bool) -> String {
    quant.isFourBit
      ? quant.rawValue + (doubleQuant ? " with double quant" : " without double quant") : "int8"
  }
}
