#if canImport(Glibc)
import Glibc
#endif
import Safetensors

/// Headless renderings of an `ActivationAnalysis` (`quantscope report --activations FILE`).
public enum ActivationReport {
  /// At most this many outlier dims are listed per module in the table (the JSON lists all).
  public static let tableDimLimit = 8

  // MARK: - Table

  /// A plain-text table: one row per module, then the systematic dims, then the problems.
  public static func table(_ analysis: ActivationAnalysis) -> String {
    let s = analysis.settings
    var lines: [String] = []
    lines.append(
      "Activation outliers: \(analysis.path) (threshold \(s.threshold), \(analysis.modules.count) modules, nf4/fp4 blocksize \(s.blocksize))")
    let header = [
      "module", "in", "out", "tokens", "outliers", "feat%", "tok%", "int8+dec", "int8", "nf4",
      "fp4", "dims",
    ]
    var rows: [[String]] = [header]
    for m in analysis.modules {
      let tokens: String
      if let t = m.tokens {
        tokens = m.sampledTokens < t ? "\(m.sampledTokens)/\(t)" : "\(t)"
      } else {
        tokens = "max"
      }
      var dims = m.outlierFeatures.prefix(tableDimLimit).map(String.init).joined(separator: " ")
      if m.outlierFeatures.count > tableDimLimit {
        dims += " +\(m.outlierFeatures.count - tableDimLimit)"
      }
      rows.append([
        m.module, "\(m.features)", "\(m.outFeatures)", tokens, "\(m.outlierFeatures.count)",
        percent(m.outlierFeatureFraction), m.outlierTokenFraction.map(percent) ?? "-",
        relErrText(m, .int8Decomposed), relErrText(m, .int8), relErrText(m, .nf4),
        relErrText(m, .fp4), dims.isEmpty ? "-" : dims,
      ])
    }
    lines.append(contentsOf: align(rows))
    lines.append("(int8+dec / int8 / nf4 / fp4: relative error of the layer output X·Wᵀ; tokens a/b: a of b sampled)")
    let systematic = analysis.systematicDims
    lines.append("")
    if systematic.isEmpty {
      lines.append("Systematic outlier dims: none (outliers in ≥ 2 layers and ≥ 25% of layers)")
    } else {
      lines.append("Systematic outlier dims (outliers in ≥ 2 layers and ≥ 25% of layers):")
      for d in systematic {
        lines.append(
          "  dim \(d.dim) of \(d.features): layers \(d.layers.map(String.init).joined(separator: ",")), \(d.modules) modules, max |x| \(shortNumber(d.absmax))")
      }
    }
    if !analysis.problems.isEmpty {
      lines.append("")
      lines.append("Problems (\(analysis.problems.count) capture tensors not used):")
      for p in analysis.problems { lines.append("  " + p) }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: - JSON

  /// A JSON document; `includeProfiles` adds each module's per-feature max |x|.
  /// Non-finite numbers: +inf is the string "inf", NaN is null.
  public static func json(_ analysis: ActivationAnalysis, includeProfiles: Bool = false) -> String {
    let s = analysis.settings
    var modules: [String] = []
    for m in analysis.modules {
      var fields: [String] = [
        "\"module\":\(quote(m.module))",
        "\"layer\":\(m.layer.map(String.init) ?? "null")",
        "\"in_features\":\(m.features)",
        "\"out_features\":\(m.outFeatures)",
        "\"tokens\":\(m.tokens.map(String.init) ?? "null")",
        "\"sampled_tokens\":\(m.sampledTokens)",
        "\"outlier_features\":[\(m.outlierFeatures.map(String.init).joined(separator: ","))]",
        "\"outlier_feature_count\":\(m.outlierFeatures.count)",
        "\"outlier_feature_fraction\":\(number(m.outlierFeatureFraction))",
        "\"outlier_token_fraction\":\(m.outlierTokenFraction.map(number) ?? "null")",
        "\"outlier_elements\":\(m.outlierElements.map(String.init) ?? "null")",
      ]
      var errors: [String] = []
      for kind in LinearQuantization.allCases {
        guard let e = m.outputError[kind] else { continue }
        errors.append(
          "\(quote(kind.rawValue)):{\"rel_err\":\(number(e.relErr)),\"mse\":\(number(e.mse)),\"rmse\":\(number(e.rmse)),\"max_abs_err\":\(number(e.maxAbsErr)),\"sqnr_db\":\(number(e.sqnrDB))}"
        )
      }
      fields.append("\"output_error\":{\(errors.joined(separator: ","))}")
      if includeProfiles {
        fields.append(
          "\"feature_absmax\":[\(m.featureAbsmax.map(number).joined(separator: ","))]")
      }
      modules.append("{" + fields.joined(separator: ",") + "}")
    }
    let systematic = analysis.systematicDims.map { d in
      "{\"dim\":\(d.dim),\"in_features\":\(d.features),\"layers\":[\(d.layers.map(String.init).joined(separator: ","))],\"modules\":\(d.modules),\"absmax\":\(number(d.absmax))}"
    }
    let top: [String] = [
      "\"capture\":\(quote(analysis.path))",
      "\"threshold\":\(number(s.threshold))",
      "\"blocksize\":\(s.blocksize)",
      "\"max_tokens\":\(s.maxTokens)",
      "\"modules\":[\(modules.joined(separator: ","))]",
      "\"systematic_dims\":[\(systematic.joined(separator: ","))]",
      "\"problems\":[\(analysis.problems.map(quote).joined(separator: ","))]",
    ]
    return "{" + top.joined(separator: ",") + "}\n"
  }

  // MARK: - Formatting

  /// `3.72e-03`-style text with three significant digits; "0", "inf", "nan".
  public static func scientific(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == 0 { return "0" }
    var exponent = Int(floor(log10(Swift.abs(value))))
    var mantissa = (Swift.abs(value) / pow(10, Double(exponent)) * 100).rounded()
    if mantissa >= 1000 {
      mantissa /= 10
      exponent += 1
    }
    let digits = Int(mantissa)
    let sign = value < 0 ? "-" : ""
    let e = Swift.abs(exponent)
    let expText = (exponent < 0 ? "-" : "+") + (e < 10 ? "0\(e)" : "\(e)")
    let frac = digits % 100
    return "\(sign)\(digits / 100).\(frac < 10 ? "0\(frac)" : "\(frac)")e\(expText)"
  }

  static func percent(_ fraction: Double) -> String {
    let tenths = Int((fraction * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
  }

  static func relErrText(_ m: ModuleActivation, _ kind: LinearQuantization) -> String {
    guard let e = m.outputError[kind] else { return m.tokens == nil ? "-" : "n/a" }
    return scientific(e.relErr)
  }

  static func number(_ value: Double) -> String {
    if value.isNaN { return "null" }
    if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
    return "\(value)"
  }

  /// A magnitude for the table, to two decimals (`44.97`); JSON keeps the exact value.
  static func shortNumber(_ value: Float) -> String {
    value.isFinite ? "\((Double(value) * 100).rounded() / 100)" : number(Double(value))
  }

  /// A float32 as its shortest round-trip decimal (`5.99`, not `5.989999771118164`).
  static func number(_ value: Float) -> String {
    value.isFinite ? "\(value)" : number(Double(value))
  }

  static func quote(_ text: String) -> String { SafetensorsWriter.jsonString(text) }

  /// Left-aligns the first column, right-aligns the others except the last.
  static func align(_ rows: [[String]]) -> [String] {
    guard let columns = rows.first?.count else { return [] }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
      for (i, cell) in row.enumerated() where i < columns { widths[i] = max(widths[i], cell.count) }
    }
    return rows.map { row in
      var parts: [String] = []
      for (i, cell) in row.enumerated() where i < columns {
        let pad = String(repeating: " ", count: widths[i] - cell.count)
        if i == 0 || i == columns - 1 { parts.append(i == columns - 1 ? cell : cell + pad) }
        else { parts.append(pad + cell) }
      }
      return parts.joined(separator: "  ")
    }
  }
}
