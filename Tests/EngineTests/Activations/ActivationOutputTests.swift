import Testing

@testable import Engine

/// LLM.int8() layer outputs (docs/FORMATS.md §7) against the worked examples E9–E11 and an
/// independent float64 reimplementation written here from the spec text.
@Suite struct ActivationOutputTests {
  /// E9/E11 print values with 8 significant digits.
  static let printedDigitsTolerance = 5e-8
  /// E11 prints rel_err with 3 significant digits.
  static let printedRelErrTolerance = 5e-6
  /// Same arithmetic, different summation order (4 partial sums in C): float64 rounding only.
  static let summationOrderTolerance = 1e-12

  // MARK: - Independent reference (plain Swift, Float16 from the standard library)

  /// §7 steps 1–5 for X[T,K], W[O,K]; returns Y[T][O].
  static func referenceInt8(x: [[Float]], w: [[Float]], threshold: Float) -> [[Double]] {
    let t16 = Float(Float16(threshold))
    let x16 = x.map { $0.map { Float(Float16($0)) } }
    let k = x[0].count
    let isOutlierValue = { (v: Float) -> Bool in threshold > 0 && abs(v) >= t16 }
    let outliers = (0..<k).filter { c in x16.contains { isOutlierValue($0[c]) } }
    func quantRow(_ row: [Float], skipOutliers: Bool) -> ([Int], Float) {
      let kept = row.filter { !(skipOutliers && isOutlierValue($0)) }
      let m = kept.map { abs($0) }.max() ?? 0
      guard m > 0 else { return (row.map { _ in 0 }, 0) }
      let scale: Float = (1 / m) * 127
      let q = row.enumerated().map { (c, v) -> Int in
        if skipOutliers && outliers.contains(c) { return 0 }
        return Int((v * scale).rounded(.toNearestOrEven))
      }
      return (q, m)
    }
    let xq = x16.map { quantRow($0, skipOutliers: true) }
    let wq = w.map { quantRow($0.map { Float(Float16($0)) }, skipOutliers: false) }
    return xq.indices.map { t in
      wq.indices.map { o in
        var isum = 0
        for c in 0..<k { isum += xq[t].0[c] * wq[o].0[c] }
        var y = Double(isum) * Double(xq[t].1) * Double(wq[o].1) / 16129
        for c in outliers {
          let wHat = (Float(wq[o].0[c]) * wq[o].1) * (1 as Float / 127)
          y += Double(x[t][c]) * Double(wHat)
        }
        return y
      }
    }
  }

  static func exact(x: [[Float]], w: [[Float]]) -> [[Double]] {
    x.map { row in w.map { wr in zip(row, wr).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } } }
  }

  static func relErr(_ y: [[Double]], _ exact: [[Double]]) -> Double {
    var se = 0.0
    var sw = 0.0
    for (a, b) in zip(y.joined(), exact.joined()) {
      se += (a - b) * (a - b)
      sw += b * b
    }
    return (se / sw).squareRoot()
  }

  // MARK: - Data

  /// E9's weight, also E10/E11's activations X.
  static let e9: [[Float]] = [[0.5, -1, 2, 0.25], [3, -7, 1.5, 0.1]]
  static let e11W: [[Float]] = [
    [0.2, -0.1, 0.05, 0.3], [-0.4, 0.25, 0.1, 0], [0.15, 0.15, -0.2, 0.05],
  ]

  /// Known outliers: 6.0 exactly (col 2), −7.5 (col 4), 5.9999995 → fp16 6 (col 3);
  /// 5.99 → fp16 5.98828125 (col 0) is not one.
  static let fixtureX: [[Float]] = [
    [0.5, -1.25, 6.0, 0.75, 0.1, -2.0],
    [5.99, 0.3, -0.2, 1.1, -7.5, 0.4],
    [-0.6, 2.2, 0.9, -0.05, 0.35, 1.7],
    [1.3, -0.45, 0.8, 5.9999995, -0.9, 0.0],
  ]
  static let fixtureW: [[Float]] = [
    [0.12, -0.5, 0.33, 0.05, -0.21, 0.4],
    [-0.07, 0.18, -0.29, 0.61, 0.02, -0.13],
    [0.44, 0.09, 0.15, -0.38, 0.27, 0.06],
  ]
}

// MARK: - Worked examples

extension ActivationOutputTests {
  @Test func e9WeightInt8() throws {
    let w = Array(Self.e9.joined())
    let weight = try #require(
      LinearOutputSimulation.int8Weight(w, outFeatures: 2, features: 4, dtype: .F32))
    #expect(weight.rowmax == [2, 7])
    #expect(weight.codes == [32, -64, 127, 16, 54, -127, 27, 2])
    let expected: [Double] = [
      0.50393701, -1.0078740, 2, 0.25196850, 2.9763780, -7, 1.4881890, 0.11023622,
    ]
    for (a, b) in zip(weight.dequantized, expected) {
      #expect(abs(Double(a) - b) <= Self.printedDigitsTolerance * abs(b))
    }
    // The activation quantizer without threshold is the same rule (FORMATS.md §6 = §7 step 3, C = ∅).
    let rows = LinearOutputSimulation.int8Rows(w, rows: 2, cols: 4, threshold: 0)
    #expect(rows.codes == weight.codes)
    #expect(rows.rowmax == weight.rowmax)
  }

  @Test func e10ActivationInt8() {
    let rows = LinearOutputSimulation.int8Rows(
      Array(Self.e9.joined()), rows: 2, cols: 4, threshold: 6)
    #expect(rows.rowmax == [2, 3])
    #expect(rows.codes == [32, 0, 127, 16, 127, 0, 64, 4])
    let cut = LinearOutputSimulation.outlierCut(6)
    #expect(LinearOutputSimulation.outlierColumns(rows.values16, rows: 2, cols: 4, cut: cut) == [1])
  }

  @Test func e11Int8OutputWithAndWithoutDecomposition() throws {
    let x = Array(Self.e9.joined())
    let w = Array(Self.e11W.joined())
    let wq = try #require(
      LinearOutputSimulation.int8Weight(w, outFeatures: 3, features: 4, dtype: .F32))
    #expect(wq.codes == [85, -42, 21, 127, -127, 79, 32, 0, 95, 95, -127, 32])
    #expect(wq.rowmax == [0.30004883, 0.39990234, 0.19995117])
    let y = LinearOutputSimulation.int8Output(
      x: x, tokens: 2, features: 4, weightInt8: wq, outFeatures: 3, threshold: 6)
    let expected = [0.37526102, -0.24875815, -0.46140385, 1.4004201, -2.7886798, -0.89580707]
    for (a, b) in zip(y, expected) { #expect(abs(a - b) <= Self.printedDigitsTolerance * abs(b)) }
    let exact = LinearOutputSimulation.exactOutput(
      x: x, weight: w, tokens: 2, features: 4, outFeatures: 3)
    let with = LinearOutputSimulation.error(y, exact: exact).relErr
    let y0 = LinearOutputSimulation.int8Output(
      x: x, tokens: 2, features: 4, weightInt8: wq, outFeatures: 3, threshold: 0)
    let without = LinearOutputSimulation.error(y0, exact: exact).relErr
    #expect(abs(with - 3.72e-3) <= Self.printedRelErrTolerance)
    #expect(abs(without - 5.83e-3) <= Self.printedRelErrTolerance)
    // The whole per-module pipeline gives the same numbers.
    let errors = LinearOutputSimulation.outputErrors(
      x: x, tokens: 2, features: 4, weight: w, weightDType: .F32, outFeatures: 3,
      settings: ActivationSettings())
    #expect(errors[.int8Decomposed]?.relErr == with)
    #expect(errors[.int8]?.relErr == without)
  }
}

// MARK: - 4-bit weights

extension ActivationOutputTests {
  /// E1/E2 print ŵ with 8 significant digits.
  static let e1DigitsTolerance = 1e-6

  /// X·ŵᵀ for E1's block as a 1×8 weight, with ŵ taken from spec E1 (nf4) and E2 (fp4).
  static let e1NF4: [Double] = [
    0.07958030, -0.52507305, 1, 0.33791524, -1, 0, 0.72295684, -0.18477343,
  ]
  static let e2FP4: [Double] = [1.0 / 6, -0.5, 1, 1.0 / 3, -1, 0, 2.0 / 3, -1.0 / 6]

  @Test(arguments: [LinearQuantization.nf4, .fp4])
  func fourBitOutputUsesTheSpecDequantizedWeight(kind: LinearQuantization) {
    // fp4 values are float32 in the spec: f32(1/6) etc.
    let wHat = kind == .nf4 ? Self.e1NF4 : Self.e2FP4.map { Double(Float($0)) }
    let w: [Float] = [0.1, -0.5, 1.0, 0.33, -1.0, 0.0, 0.7, -0.2]
    let x: [Float] = [1, -2, 0.5, 3, 0.25, 7, -1.5, 2]
    let errors = LinearOutputSimulation.outputErrors(
      x: x, tokens: 1, features: 8, weight: w, weightDType: .F32, outFeatures: 1,
      settings: ActivationSettings())
    let exact = zip(x, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let y = zip(x, wHat).reduce(0.0) { $0 + Double($1.0) * $1.1 }
    let expected = abs(y - exact) / abs(exact)
    let rel = errors[kind]?.relErr ?? .nan
    #expect(abs(rel - expected) <= Self.e1DigitsTolerance * max(expected, 1e-3))
  }
}

// MARK: - Threshold and fixtures

extension ActivationOutputTests {
  @Test func outlierCutIsTheFp16RoundingBoundary() {
    // fp16 neighbours of 6 are 5.99609375 and 6; their midpoint 5.998046875 rounds to 6 (even).
    let cut = LinearOutputSimulation.outlierCut(6)
    #expect(cut == 5.998046875)
    #expect(Float(Float16(cut)) == 6)
    #expect(Float(Float16(cut.nextDown)) < 6)
    #expect(LinearOutputSimulation.outlierCut(0) == .infinity)
  }

  @Test(arguments: [Float(0.1), 1, 3.3, 6, 7.25, 100, 1e-6, 65504])
  func outlierCutMatchesFp16Comparison(threshold: Float) {
    let cut = LinearOutputSimulation.outlierCut(threshold)
    let t16 = Float16(threshold)
    #expect(Float16(cut) >= t16)
    #expect(Float16(cut.nextDown) < t16)
  }

  @Test func fixtureOutlierColumns() {
    let rows = LinearOutputSimulation.int8Rows(
      Array(Self.fixtureX.joined()), rows: 4, cols: 6, threshold: 6)
    let cols = LinearOutputSimulation.outlierColumns(
      rows.values16, rows: 4, cols: 6, cut: LinearOutputSimulation.outlierCut(6))
    #expect(cols == [2, 3, 4])
  }

  @Test(arguments: [Float(6), 0, 1, 100])
  func fixtureOutputMatchesIndependentReference(threshold: Float) throws {
    let x = Array(Self.fixtureX.joined())
    let w = Array(Self.fixtureW.joined())
    let wq = try #require(
      LinearOutputSimulation.int8Weight(w, outFeatures: 3, features: 6, dtype: .F32))
    let y = LinearOutputSimulation.int8Output(
      x: x, tokens: 4, features: 6, weightInt8: wq, outFeatures: 3, threshold: threshold)
    let reference = Self.referenceInt8(x: Self.fixtureX, w: Self.fixtureW, threshold: threshold)
    for (a, b) in zip(y, reference.joined()) {
      #expect(abs(a - b) <= Self.summationOrderTolerance * max(1, abs(b)))
    }
    let exact = LinearOutputSimulation.exactOutput(
      x: x, weight: w, tokens: 4, features: 6, outFeatures: 3)
    let expectedRel = Self.relErr(reference, Self.exact(x: Self.fixtureX, w: Self.fixtureW))
    let rel = LinearOutputSimulation.error(y, exact: exact).relErr
    #expect(abs(rel - expectedRel) <= Self.summationOrderTolerance * 1e3 * expectedRel)
  }

  @Test func decompositionHelpsOnTheFixture() {
    let errors = LinearOutputSimulation.outputErrors(
      x: Array(Self.fixtureX.joined()), tokens: 4, features: 6,
      weight: Array(Self.fixtureW.joined()), weightDType: .F32, outFeatures: 3,
      settings: ActivationSettings())
    let with = errors[.int8Decomposed]?.relErr ?? .nan
    let without = errors[.int8]?.relErr ?? .nan
    #expect(with < without)
  }

  @Test func weightOverflowingFp16MakesInt8Undefined() {
    let errors = LinearOutputSimulation.outputErrors(
      x: [1, 2], tokens: 1, features: 2, weight: [70000, 1], weightDType: .F32, outFeatures: 1,
      settings: ActivationSettings())
    #expect(errors[.int8]?.relErr.isNaN == true)
    #expect(errors[.int8Decomposed]?.relErr.isNaN == true)
  }
}
