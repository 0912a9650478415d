import Engine
import Reports
import Safetensors

/// `quantscope plan`'s output: a table for people, JSON for scripts.
public enum PlanRenderer {
  /// What Axolotl's 8-bit path cannot do, said wherever an int8 plan is shown.
  public static let int8Note =
    "int8 keeps nothing in 16-bit: Axolotl's 8-bit path passes no skip list to bitsandbytes"

  /// The plan as aligned text.
  public static func table(
    _ plan: BudgetPlan, checkpoint: Checkpoint, training: TrainingMemory?
  ) -> String {
    var out = ""
    let quantizable = checkpoint.tensors.filter(Quantizability.isQuantizable).count
    out +=
      "model      \(checkpoint.path) (\(checkpoint.tensors.count) tensors, \(quantizable) quantizable)\n"
    out += "budget     \(NumberText.bytesOneDecimal(plan.budgetBytes)) (\(plan.budgetBytes) bytes)"
    out +=
      training == nil ? " for the weights\n" : " for training in all (weights + the items below)\n"
    out += "objective  \(plan.objective.rawValue): " + objectiveText(plan.objective) + "\n\n"
    // One row per configuration tried.
    var rows = [["configuration", "fits", "weights", "bytes", "value", "kept", "smallest"]]
    for config in plan.configurations {
      rows.append([
        config.choice.label, config.fits ? "yes" : "no",
        config.weightsBytes.map(NumberText.bytes) ?? "-",
        config.weightsBytes.map { String($0) } ?? "-",
        config.value.map(valueText) ?? "-", config.fits ? String(config.keptTensors.count) : "-",
        NumberText.bytesOneDecimal(config.minimumBytes),
      ])
    }
    out += aligned(rows, rightAligned: [2, 3, 4, 5, 6])
    guard let best = plan.best, let weights = best.weightsBytes, let value = best.value else {
      return out
    }
    out +=
      "\nchoice     \(best.choice.label), \(best.keptTensors.count) tensor\(best.keptTensors.count == 1 ? "" : "s") kept in 16-bit\n"
    out += "weights    \(NumberText.bytesOneDecimal(weights)) (\(weights) bytes)\n"
    out += "value      \(valueText(value))\n"
    if best.choice.quant == .int8 { out += "note       " + int8Note + "\n" }
    if best.unanalysed > 0 {
      out += "note       \(best.unanalysed) quantizable tensors have no result: counted as exact\n"
    }
    if !best.isProven {
      out += "note       the search stopped at its node limit: the best found is shown\n"
    }
    if !best.keptTensors.isEmpty {
      out += "\nkept in 16-bit:\n"
      var kept = [["module", "rel_err", "adds"]]
      for tensor in best.keptTensors {
        let module = ModuleName(tensor: TensorName(tensor.name))?.rawValue ?? tensor.name
        kept.append([
          module, tensor.relErr.map { NumberText.fixed($0, digits: 4) } ?? "-",
          signedBytes(tensor.extraBytes),
        ])
      }
      out += aligned(kept, rightAligned: [1, 2], indent: 2)
    }
    out +=
      "\nfrontier (weights → best \(plan.objective.rawValue), over the configurations tried):\n"
    var frontier = [["weights", "bytes", "value", "kept", "configuration"]]
    for (point, choice) in plan.frontier {
      frontier.append([
        NumberText.bytesOneDecimal(point.weightsBytes), String(point.weightsBytes),
        valueText(point.value), String(point.kept),
        choice.label,
      ])
    }
    out += aligned(frontier, rightAligned: [0, 1, 2, 3], indent: 2)
    if let training {
      out += "\n" + trainingTable(training, weights: weights)
    }
    return out
  }

  /// The QLoRA memory breakdown with `weights` bytes of base weights.
  public static func trainingTable(_ training: TrainingMemory, weights: UInt64) -> String {
    let settings = training.settings
    let d = training.dimensions
    var out =
      "training memory (QLoRA, r=\(settings.loraR), seq \(settings.sequenceLength), micro batch "
    out += "\(settings.microBatchSize), \(settings.optimizer.rawValue), gradient checkpointing "
    out +=
      "\(settings.gradientCheckpointing ? "on" : "off"); dimensions from \(d.source): hidden \(d.hidden), "
    out += "layers \(d.layers), intermediate \(d.intermediate), heads \(d.heads), vocab \(d.vocab)"
    out += d.hasLanguageModelHead ? "):\n" : ", no LM head):\n"
    var rows = [["item", "memory", "bytes", ""]]
    rows.append([
      "base weights", NumberText.bytesOneDecimal(weights), String(weights), "the choice above",
    ])
    for item in training.items {
      rows.append([
        item.name, NumberText.bytesOneDecimal(item.bytes), String(item.bytes), item.note,
      ])
    }
    let total = weights + training.overheadBytes
    rows.append(["total", NumberText.bytesOneDecimal(total), String(total), ""])
    return out + aligned(rows, rightAligned: [1, 2], indent: 2)
  }

  /// The plan as one JSON object (see README).
  public static func json(_ plan: BudgetPlan, checkpoint: Checkpoint, training: TrainingMemory?)
    -> String
  {
    let quantizable = checkpoint.tensors.filter(Quantizability.isQuantizable)
    var out =
      "{\"model\":{\"path\":\(string(checkpoint.path)),\"tensors\":\(checkpoint.tensors.count),"
    out += "\"quantizable\":\(quantizable.count),\"params\":\(checkpoint.parameterCount)},"
    out +=
      "\"budget_bytes\":\(plan.budgetBytes),\"budget_applies_to\":\(string(training == nil ? "weights" : "training"))"
    out += ",\"objective\":\(string(plan.objective.rawValue)),"
    if let best = plan.best, let weights = best.weightsBytes, let value = best.value {
      out += "\"choice\":" + choiceJSON(best) + ","
      out += "\"memory\":{\"weights_bytes\":\(weights)"
      if let training {
        out += ",\"training\":{"
        out += training.items.map { "\(string(key($0.name))):\($0.bytes)" }.joined(separator: ",")
        out +=
          ",\"adapter_params\":\(training.adapterParams),\"total_bytes\":\(weights + training.overheadBytes)}"
      }
      out += "},\"value\":\(number(value)),"
    } else {
      out += "\"choice\":null,\"memory\":null,\"value\":null,"
    }
    out +=
      "\"frontier\":[" + plan.frontier.map { pointJSON($0.point, $0.choice) }.joined(separator: ",")
      + "],"
    out += "\"configurations\":["
    out += plan.configurations.map { config in
      var text =
        "{\"quant\":\(string(config.choice.quant.rawValue)),\"double_quant\":\(config.choice.doubleQuant),"
      text +=
        "\"fits\":\(config.fits),\"weights_bytes\":\(config.weightsBytes.map { String($0) } ?? "null"),"
      text +=
        "\"value\":\(config.value.map(number) ?? "null"),\"minimum_bytes\":\(config.minimumBytes),"
      text += "\"kept\":\(config.fits ? String(config.keptTensors.count) : "null"),"
      text +=
        "\"frontier\":[" + config.frontier.map { pointJSON($0, nil) }.joined(separator: ",") + "]}"
      return text
    }.joined(separator: ",")
    var notes: [String] = []
    if plan.configurations.contains(where: { $0.choice.quant == .int8 }) { notes.append(int8Note) }
    out += "],\"notes\":[" + notes.map(string).joined(separator: ",") + "]}\n"
    return out
  }

  // MARK: - Pieces

  /// "1.2 GB": the byte text of every plan and export figure.
  public static func bytesText(_ bytes: UInt64) -> String { NumberText.bytesOneDecimal(bytes) }

  static func objectiveText(_ objective: PlanObjective) -> String {
    switch objective {
    case .total:
      "Σ params·rel_err over the quantized tensors ÷ params of every quantizable tensor (kept = 0)"
    case .worst: "the largest rel_err among the quantized tensors"
    }
  }

  static func valueText(_ value: Double) -> String {
    value.isNaN ? "-" : NumberText.fixed(value, digits: 5)
  }

  static func signedBytes(_ bytes: Int64) -> String {
    bytes >= 0
      ? "+" + NumberText.bytesOneDecimal(UInt64(bytes))
      : "-" + NumberText.bytesOneDecimal(UInt64(-bytes))
  }

  private static func choiceJSON(_ config: ConfigurationPlan) -> String {
    let skip = config.keptTensors.map {
      ModuleName(tensor: TensorName($0.name))?.rawValue ?? $0.name
    }
    return
      "{\"quant\":\(string(config.choice.quant.rawValue)),\"double_quant\":\(config.choice.doubleQuant),"
      + "\"skip\":[" + skip.map(string).joined(separator: ",") + "]}"
  }

  private static func pointJSON(_ point: PlanPoint, _ choice: QuantChoice?) -> String {
    var text =
      "{\"weights_bytes\":\(point.weightsBytes),\"value\":\(number(point.value)),\"skip\":\(point.kept)"
    if let choice {
      text += ",\"quant\":\(string(choice.quant.rawValue)),\"double_quant\":\(choice.doubleQuant)"
    }
    return text + "}"
  }

  private static func key(_ name: String) -> String {
    String(name.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 }) + "_bytes"
  }

  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    return "\(value)"
  }

  /// A JSON string literal: the one escaping rule of the headless outputs.
  static func string(_ text: String) -> String { JSONWriter.quoted(text) }

  static func aligned(_ rows: [[String]], rightAligned: Set<Int>, indent: Int = 0) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    let widths = (0..<columns).map { column in
      rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    var out = ""
    for row in rows {
      var line = String(repeating: " ", count: indent)
      for (column, cell) in row.enumerated() {
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        line +=
          (rightAligned.contains(column) ? pad + cell : cell + pad)
          + (column + 1 < row.count ? "  " : "")
      }
      while line.last == " " { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}
