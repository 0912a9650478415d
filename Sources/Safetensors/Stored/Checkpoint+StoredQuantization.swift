/// Recognising pre-quantized tensors: the one place that reads bitsandbytes' and FP8 serialisations.
///
/// bitsandbytes 4-bit (transformers' `save_pretrained` of a `Linear4bit`): `X.weight` (packed U8),
/// `X.weight.absmax`, `X.weight.quant_map`, with double quant `X.weight.nested_absmax` and
/// `X.weight.nested_quant_map`, and the JSON of `QuantState.as_dict(packed=True)` in
/// `X.weight.quant_state.bitsandbytes__nf4` / `__fp4`. bitsandbytes 8-bit (`Linear8bitLt`): `X.weight`
/// (I8) with `X.SCB` and optionally `X.weight_format`. FP8: an `F8_E4M3`/`F8_E5M2` `X.weight` with
/// `X.weight_scale_inv` (block-wise, block from config.json's `quantization_config.weight_block_size`,
/// 128×128 by default) or `X.weight_scale` (scalar or per row).
extension Checkpoint {
  /// Suffix joining a 4-bit weight's name to its quant state JSON tensor.
  static let quantStateMarker = ".quant_state.bitsandbytes__"

  /// The checkpoint with every stored-quantized tensor folded into one logical tensor.
  ///
  /// Reads the small JSON and `weight_format` parts, and takes an FP8 block size from `config`
  /// (`open` reads it first); no other tensor data.
  ///
  /// - Throws: `.storedQuantization` naming the logical tensor when its parts do not fit together.
  public func recognisingStoredQuantization() throws(SafetensorsError) -> Checkpoint {
    var byName: [String: TensorInfo] = [:]
    for tensor in tensors { byName[tensor.name] = tensor }
    let hasCandidates = tensors.contains {
      $0.name.contains(Self.quantStateMarker) || $0.name.hasSuffix(".SCB")
        || $0.name.hasSuffix(".weight_scale_inv") || $0.name.hasSuffix(".weight_scale")
        || $0.name.hasSuffix(".weight.absmax")
    }
    guard hasCandidates else { return self }
    var recognition = StoredRecognition(checkpoint: self, byName: byName)
    try recognition.run()
    var result = self
    result.tensors =
      (tensors.filter { !recognition.consumed.contains($0.name) } + recognition.logical)
      .sorted { NaturalOrder.less($0.name, $1.name) }
    return result
  }
}

/// One pass of recognition over a checkpoint's tensors.
struct StoredRecognition {
  let checkpoint: Checkpoint
  let byName: [String: TensorInfo]
  /// Names of the tensors folded into a logical tensor.
  var consumed: Set<String> = []
  /// The logical tensors made.
  var logical: [TensorInfo] = []

  init(checkpoint: Checkpoint, byName: [String: TensorInfo]) {
    self.checkpoint = checkpoint
    self.byName = byName
  }

  private var filePath: String { checkpoint.files.first?.path ?? checkpoint.path }

  private func fail(_ tensor: String, _ reason: String) -> SafetensorsError {
    .storedQuantization(file: filePath, tensor: tensor, reason: reason)
  }

  mutating func run() throws(SafetensorsError) {
    let names = checkpoint.tensors.map(\.name)
    for name in names {
      guard let range = name.firstRange(of: Checkpoint.quantStateMarker) else { continue }
      let base = String(name[..<range.lowerBound])
      let type = String(name[range.upperBound...])
      try recogniseFourBit(base: base, stateName: name, type: type)
    }
    // Parts of a 4-bit weight whose quant state is missing.
    for name in names where !consumed.contains(name) {
      for suffix in [".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map"]
      where name.hasSuffix(suffix) {
        let base = String(name.dropLast(suffix.count))
        if let weight = byName[base], weight.dtype == .U8 {
          throw fail(
            base,
            "\(String(suffix.dropFirst())) without a quant_state.bitsandbytes__nf4/__fp4 part: cannot tell the quant type, shape or dtype"
          )
        }
      }
    }
    for name in names where name.hasSuffix(".SCB") && !consumed.contains(name) {
      try recogniseInt8(prefix: String(name.dropLast(4)))
    }
    let blockSize = try configuredBlockSize()
    for name in names where !consumed.contains(name) {
      guard let tensor = byName[name], tensor.dtype == .F8_E4M3 || tensor.dtype == .F8_E5M2,
        name.hasSuffix(".weight")
      else { continue }
      try recogniseFP8(weight: tensor, block: blockSize)
    }
  }

  // MARK: - bitsandbytes 4-bit

  private mutating func recogniseFourBit(base: String, stateName: String, type: String)
    throws(SafetensorsError)
  {
    guard type == "nf4" || type == "fp4" else {
      throw fail(
        base,
        "unknown quant type \(SafetensorsWriter.jsonString(type)) in \(stateName) (bitsandbytes writes nf4 or fp4)"
      )
    }
    guard let stateTensor = byName[stateName] else { return }
    guard stateTensor.dtype == .U8, stateTensor.byteCount <= 1 << 20 else {
      throw fail(
        base,
        "quant_state must be U8 bytes of JSON, found \(stateTensor.dtype.rawValue) of \(stateTensor.byteCount) bytes"
      )
    }
    let bytes = try readSmall(stateTensor)
    let fields = try parseState(bytes, base: base)
    guard fields.quantType == type else {
      throw fail(
        base,
        "quant_state says quant_type \(SafetensorsWriter.jsonString(fields.quantType)) but its name says \(type)"
      )
    }
    guard let codes = byName[base] else {
      throw fail(base, "quant_state present but the packed weight \(base) is missing")
    }
    let elements = fields.shape.reduce(1, *)
    let blocks = (elements + fields.blocksize - 1) / fields.blocksize
    // The packed bytes are typed U8, or as `bnb_4bit_quant_storage` says (bfloat16 for FSDP-QLoRA
    // saves: the same bytes, [n/4, 1] BF16); only their count matters.
    let storageTypes: [DType] = [.U8, .I8, .BF16, .F16, .F32]
    guard storageTypes.contains(codes.dtype), codes.byteCount == UInt64((elements + 1) / 2) else {
      throw fail(
        base,
        "packed weight is \(codes.dtype.rawValue) of \(codes.byteCount) bytes; shape \(fields.shapeText) needs \((elements + 1) / 2) bytes (U8, or the dtype of bnb_4bit_quant_storage)"
      )
    }
    var parts = [StoredQuantization.Part(role: .codes, tensor: codes)]
    let nested = byName[base + ".nested_absmax"] != nil || fields.nestedBlocksize != nil
    guard let absmax = byName[base + ".absmax"] else {
      throw fail(base, "missing part \(base).absmax")
    }
    let absmaxType: DType = nested ? .U8 : .F32
    guard absmax.dtype == absmaxType, absmax.elementCount == blocks else {
      throw fail(
        base,
        "absmax is \(absmax.dtype.rawValue) × \(absmax.elementCount); \(blocks) blocks of \(fields.blocksize) need \(absmaxType.rawValue) × \(blocks)"
      )
    }
    parts.append(.init(role: .absmax, tensor: absmax))
    guard let map = byName[base + ".quant_map"] else {
      throw fail(base, "missing part \(base).quant_map")
    }
    guard map.dtype == .F32, map.elementCount == 16 else {
      throw fail(base, "quant_map is \(map.dtype.rawValue) × \(map.elementCount); needs F32 × 16")
    }
    parts.append(.init(role: .quantMap, tensor: map))
    var nestedBlocksize = 0
    var offset: Float = 0
    if nested {
      guard let nestedSize = fields.nestedBlocksize, let nestedOffset = fields.nestedOffset else {
        throw fail(
          base, "nested_absmax present but quant_state lacks nested_blocksize or nested_offset")
      }
      guard nestedSize > 0 else {
        throw fail(base, "nested_blocksize \(nestedSize) must be positive")
      }
      guard let nestedAbsmax = byName[base + ".nested_absmax"] else {
        throw fail(base, "missing part \(base).nested_absmax")
      }
      guard let nestedMap = byName[base + ".nested_quant_map"] else {
        throw fail(base, "missing part \(base).nested_quant_map")
      }
      let nestedBlocks = (blocks + nestedSize - 1) / nestedSize
      guard nestedAbsmax.dtype == .F32, nestedAbsmax.elementCount == nestedBlocks else {
        throw fail(
          base,
          "nested_absmax is \(nestedAbsmax.dtype.rawValue) × \(nestedAbsmax.elementCount); needs F32 × \(nestedBlocks)"
        )
      }
      guard nestedMap.dtype == .F32, nestedMap.elementCount == 256 else {
        throw fail(
          base,
          "nested_quant_map is \(nestedMap.dtype.rawValue) × \(nestedMap.elementCount); needs F32 × 256"
        )
      }
      parts.append(.init(role: .nestedAbsmax, tensor: nestedAbsmax))
      parts.append(.init(role: .nestedQuantMap, tensor: nestedMap))
      nestedBlocksize = nestedSize
      offset = nestedOffset
    }
    parts.append(.init(role: .quantState, tensor: stateTensor))
    let stored = StoredQuantization(
      format: type == "nf4" ? .nf4 : .fp4, doubleQuant: nested, blocksize: fields.blocksize,
      nestedBlocksize: nestedBlocksize, nestedOffset: offset, scaleBlock: nil, parts: parts)
    fold(base: base, dtype: fields.dtype, shape: fields.shape, stored: stored)
  }

  /// The scalar fields of a packed quant state.
  private struct StateFields {
    var quantType: String
    var blocksize: Int
    var dtype: DType
    var shape: [Int]
    var nestedBlocksize: Int?
    var nestedOffset: Float?
    var shapeText: String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
  }

  private func parseState(_ bytes: [UInt8], base: String) throws(SafetensorsError) -> StateFields {
    let outcome: Result<JSONNode, StrictJSONParser.SyntaxError> = bytes.withUnsafeBytes { raw in
      if let bad = UTF8Validation.firstInvalidOffset(raw) {
        return .failure(StrictJSONParser.SyntaxError(offset: bad, reason: "not valid UTF-8"))
      }
      do throws(StrictJSONParser.SyntaxError) {
        return .success(try StrictJSONParser.parse(raw))
      } catch {
        return .failure(error)
      }
    }
    let root: JSONNode
    switch outcome {
    case .success(let node): root = node
    case .failure(let error):
      throw fail(base, "quant_state JSON is invalid at byte \(error.offset): \(error.reason)")
    }
    guard case .object(let members) = root.kind else {
      throw fail(base, "quant_state JSON must be an object, found \(root.typeName)")
    }
    var values: [String: JSONNode] = [:]
    for member in members { values[member.key] = member.value }
    func string(_ key: String) throws(SafetensorsError) -> String {
      guard let node = values[key], case .string(let text) = node.kind else {
        throw fail(base, "quant_state JSON needs a string \(key)")
      }
      return text
    }
    func integer(_ node: JSONNode?, _ key: String) throws(SafetensorsError) -> Int {
      guard let node, case .number(let number) = node.kind, number.isBareDigits,
        let value = number.unsignedValue, value <= UInt64(Int32.max)
      else { throw fail(base, "quant_state JSON needs a non-negative integer \(key)") }
      return Int(value)
    }
    let quantType = try string("quant_type")
    let blocksize = try integer(values["blocksize"], "blocksize")
    guard blocksize >= 32, blocksize <= 4096, blocksize & (blocksize - 1) == 0 else {
      throw fail(
        base,
        "blocksize \(blocksize) is not one bitsandbytes supports (a power of two from 32 to 4096)")
    }
    let dtypeName = try string("dtype")
    let dtype: DType
    switch dtypeName {
    case "float16": dtype = .F16
    case "bfloat16": dtype = .BF16
    case "float32": dtype = .F32
    default:
      throw fail(
        base,
        "quant_state dtype \(SafetensorsWriter.jsonString(dtypeName)) is not float16, bfloat16 or float32"
      )
    }
    guard let shapeNode = values["shape"], case .array(let dims) = shapeNode.kind, !dims.isEmpty
    else {
      throw fail(base, "quant_state JSON needs a shape array")
    }
    var shape: [Int] = []
    for dim in dims { shape.append(try integer(dim, "shape")) }
    guard
      shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < Int
        .max >> 4
    else {
      throw fail(base, "quant_state shape is too large")
    }
    var nestedBlocksize: Int?
    var nestedOffset: Float?
    if values["nested_blocksize"] != nil || values["nested_offset"] != nil {
      nestedBlocksize = try integer(values["nested_blocksize"], "nested_blocksize")
      guard let node = values["nested_offset"], case .number(let number) = node.kind,
        let value = Double(number.text), value.isFinite
      else { throw fail(base, "quant_state JSON needs a number nested_offset") }
      nestedOffset = Float(value)
    }
    return StateFields(
      quantType: quantType, blocksize: blocksize, dtype: dtype, shape: shape,
      nestedBlocksize: nestedBlocksize, nestedOffset: nestedOffset)
  }

  // MARK: - bitsandbytes 8-bit

  private mutating func recogniseInt8(prefix: String) throws(SafetensorsError) {
    let name = prefix + ".weight"
    guard let codes = byName[name] else {
      throw fail(name, "\(prefix).SCB present but the int8 weight \(name) is missing")
    }
    guard codes.dtype == .I8, codes.shape.count == 2 else {
      throw fail(
        name,
        "weight with SCB must be a 2-D I8 tensor, found \(codes.dtype.rawValue) \(shapeText(codes.shape))"
      )
    }
    guard let scb = byName[prefix + ".SCB"] else { return }
    guard scb.dtype == .F32, scb.elementCount == codes.shape[0] else {
      throw fail(
        name,
        "SCB is \(scb.dtype.rawValue) × \(scb.elementCount); \(codes.shape[0]) rows need F32 × \(codes.shape[0])"
      )
    }
    var parts: [StoredQuantization.Part] = [
      .init(role: .codes, tensor: codes), .init(role: .rowScale, tensor: scb),
    ]
    if let format = byName[prefix + ".weight_format"] {
      guard format.elementCount == 1, format.byteCount == 1 else {
        throw fail(
          name,
          "weight_format must be one byte, found \(format.dtype.rawValue) \(shapeText(format.shape))"
        )
      }
      let value = try readSmall(format)[0]
      guard value == 0 else {
        throw fail(
          name, "weight_format \(value): only row-major (0) is supported, as in bitsandbytes")
      }
      parts.append(.init(role: .weightFormat, tensor: format))
    }
    let stored = StoredQuantization(
      format: .int8, doubleQuant: false, blocksize: 0, nestedBlocksize: 0, nestedOffset: 0,
      scaleBlock: nil,
      parts: parts)
    fold(base: name, dtype: .F32, shape: codes.shape, stored: stored)
  }

  // MARK: - FP8

  private mutating func recogniseFP8(weight: TensorInfo, block: [Int]) throws(SafetensorsError) {
    let prefix = String(weight.name.dropLast(".weight".count))
    let inverse = byName[prefix + ".weight_scale_inv"]
    let direct = byName[prefix + ".weight_scale"]
    guard inverse != nil || direct != nil else { return }
    let rows = weight.shape.count >= 2 ? weight.shape[0] : 1
    let cols = weight.shape.count >= 2 ? weight.shape.dropFirst().reduce(1, *) : weight.elementCount
    var parts: [StoredQuantization.Part] = [.init(role: .codes, tensor: weight)]
    var scaleBlock: [Int]?
    if let inverse, direct != nil {
      throw fail(
        weight.name,
        "both weight_scale and \(inverse.name.split(separator: ".").last ?? "") are present; which one applies is ambiguous"
      )
    }
    if let inverse {
      guard weight.shape.count == 2 else {
        throw fail(
          weight.name, "weight_scale_inv needs a 2-D weight, found \(shapeText(weight.shape))")
      }
      let expected = [(rows + block[0] - 1) / block[0], (cols + block[1] - 1) / block[1]]
      guard isFloatScale(inverse.dtype), inverse.shape == expected else {
        throw fail(
          weight.name,
          "weight_scale_inv is \(inverse.dtype.rawValue) \(shapeText(inverse.shape)); \(block[0])×\(block[1]) blocks of \(shapeText(weight.shape)) need a float \(shapeText(expected))"
        )
      }
      parts.append(.init(role: .blockScale, tensor: inverse))
      scaleBlock = block
    } else if let direct {
      guard isFloatScale(direct.dtype), direct.elementCount == 1 || direct.elementCount == rows
      else {
        throw fail(
          weight.name,
          "weight_scale is \(direct.dtype.rawValue) \(shapeText(direct.shape)); needs a float scalar or one per row (\(rows))"
        )
      }
      parts.append(.init(role: .scale, tensor: direct))
    }
    if let input = byName[prefix + ".input_scale"] {
      parts.append(.init(role: .inputScale, tensor: input))
    }
    let stored = StoredQuantization(
      format: weight.dtype == .F8_E4M3 ? .fp8E4M3 : .fp8E5M2, doubleQuant: false, blocksize: 0,
      nestedBlocksize: 0, nestedOffset: 0, scaleBlock: scaleBlock, parts: parts)
    fold(base: weight.name, dtype: .F32, shape: weight.shape, stored: stored)
  }

  private func isFloatScale(_ dtype: DType) -> Bool {
    dtype == .F32 || dtype == .BF16 || dtype == .F16
  }

  /// `quantization_config.weight_block_size` from the checkpoint's config.json; 128×128 when
  /// absent (the file or the key).
  private func configuredBlockSize() throws(SafetensorsError) -> [Int] {
    let fallback = [128, 128]
    guard let config = checkpoint.config?.quantization else { return fallback }
    guard let block = config.weightBlockSize else { return fallback }
    guard block.count == 2, block.allSatisfy({ $0 > 0 }) else {
      throw .storedQuantization(
        file: config.path, tensor: "quantization_config",
        reason: "weight_block_size must be two positive integers, found \(block)")
    }
    return block
  }

  // MARK: - Helpers

  private mutating func fold(base: String, dtype: DType, shape: [Int], stored: StoredQuantization) {
    let codes = stored.parts[0].tensor
    for part in stored.parts { consumed.insert(part.tensor.name) }
    logical.append(
      TensorInfo(
        name: base, dtype: dtype, shape: shape, fileIndex: codes.fileIndex,
        fileOffset: codes.fileOffset,
        byteCount: stored.storedBytes, stored: stored))
  }

  private func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  /// Reads a small part whole.
  private func readSmall(_ tensor: TensorInfo) throws(SafetensorsError) -> [UInt8] {
    let path = checkpoint.files[tensor.fileIndex].path
    let fd = try FileAccess.openReadOnly(path)
    defer { FileAccess.closeDescriptor(fd) }
    let count = Int(tensor.byteCount)
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
    defer { raw.deallocate() }
    let got = try FileAccess.read(
      fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: tensor.fileOffset,
      file: path)
    let bytes = Array(UnsafeRawBufferPointer(rebasing: raw[0..<min(got, count)]))
    guard got == count else {
      throw .io(
        file: path,
        reason: "tensor \(tensor.displayName): short read, \(got) of \(bytes.count) bytes")
    }
    return bytes
  }
}
