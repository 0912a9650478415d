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

  static func describe(_ quant: ExportQuant, _ doubleQuant: Bool) -> String {
    quant.isFourBit
      ? quant.rawValue + (doubleQuant ? " with double quant" : " without double quant") : "int8"
  }
}
