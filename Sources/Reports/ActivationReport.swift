import Engine

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
      "Activation outliers: \(analysis.path) (threshold \(s.threshold), \(analysis.modules.count) modules, nf4/fp4 blocksize \(s.blocksize))"
    )
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
        NumberText.percent(m.outlierFeatureFraction),
        m.outlierTokenFraction.map(NumberText.percent) ?? "-",
        relErrText(m, .int8Decomposed), relErrText(m, .int8), relErrText(m, .nf4),
        relErrText(m, .fp4), dims.isEmpty ? "-" : dims,
      ])
    }
    // The first column left-aligned, the last left-aligned and unpadded, the others right-aligned.
    let table = TextTable.render(rows, rightAligned: Set(1..<(header.count - 1)))
    lines.append(
      contentsOf: table.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
        String.init))
    lines.append(
      "(int8+dec / int8 / nf4 / fp4: relative error of the layer output X·Wᵀ; tokens a/b: a of b sampled)"
    )
    let systematic = analysis.systematicDims
    lines.append("")
    if systematic.isEmpty {
      lines.append("Systematic outlier dims: none (outliers in ≥ 2 layers and ≥ 25% of layers)")
    } else {
      lines.append("Systematic outlier dims (outliers in ≥ 2 layers and ≥ 25% of layers):")
      for d in systematic {
        lines.append(
          "  dim \(d.dim) of \(d.features): layers \(d.layers.map(String.init).joined(separator: ",")), \(d.modules) modules, max |x| \(NumberText.hundredths(d.absmax))"
        )
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

  static func relErrText(_ m: ModuleActivation, _ kind: LinearQuantization) -> String {
    guard let e = m.outputError[kind] else { return m.tokens == nil ? "-" : "n/a" }
    return NumberText.exponential(e.relErr)
  }

  static func number(_ value: Double) -> String { JSONWriter.number(value) }

  /// A float32 as its shortest round-trip decimal (`5.99`, not `5.989999771118164`).
  static func number(_ value: Float) -> String {
    value.isFinite ? "\(value)" : number(Double(value))
  }

  static func quote(_ text: String) -> String { JSONWriter.quoted(text) }
}
