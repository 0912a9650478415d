import Reports
import Testing

/// The one number formatter. Expected texts are what C's printf (Python's `%` operator) writes
/// for the same value and format, for values away from rounding ties.
@Suite struct NumberTextTests {
  /// `%.2e`, with `0`, `inf` and `nan` spelled out.
  @Test(arguments: [
    (3.72e-3, "3.72e-03"), (0.0058349, "5.83e-03"), (9.996, "1.00e+01"), (-12345, "-1.23e+04"),
    (0, "0"), (Double.infinity, "inf"), (Double.nan, "nan"),
  ])
  func exponentialIsPrintfTwoDecimals(value: Double, text: String) {
    #expect(NumberText.exponential(value) == text)
  }

  /// `%.Nf`.
  @Test(arguments: [
    (0.10386, 4, "0.1039"), (-2.71828, 2, "-2.72"), (33.64, 1, "33.6"), (1234.5678, 0, "1235"),
    (Double.infinity, 2, "inf"), (-Double.infinity, 2, "-inf"),
  ])
  func fixedIsPrintfFixedPoint(value: Double, digits: Int, text: String) {
    #expect(NumberText.fixed(value, digits: digits) == text)
  }

  /// Unlike printf (`-0.000`), a value that rounds to zero prints without a sign.
  @Test func fixedWritesNoNegativeZero() {
    #expect(NumberText.fixed(-0.00001, digits: 3) == "0.000")
  }

  /// Python's `f"{n:,}"`.
  @Test(arguments: [(22_713_216, "22,713,216"), (512, "512"), (-1_000, "-1,000"), (0, "0")])
  func groupedDigitsAreThousandsSeparated(value: Int, text: String) {
    #expect(NumberText.groupedDigits(value) == text)
  }

  /// Decimal units: three significant digits, or one decimal for the export comments.
  @Test func byteSizesUseDecimalUnits() {
    #expect(NumberText.bytes(4_610_000_000) == "4.61 GB")
    #expect(NumberText.bytes(90_900_000) == "90.9 MB")
    #expect(NumberText.bytes(512) == "512 B")
    #expect(NumberText.bytesOneDecimal(27_800_000) == "27.8 MB")
    #expect(NumberText.bytesOneDecimal(4_600_000_000) == "4.6 GB")
  }

  /// `%.Ne` with the exponent unpadded (`1.000e-2`).
  @Test(arguments: [(0.01234, 3, "1.234e-2"), (4.2e-5, 1, "4.2e-5"), (0.0099996, 3, "1.000e-2")])
  func scientificCarriesIntoTheExponent(value: Double, digits: Int, text: String) {
    #expect(NumberText.scientific(value, digits: digits) == text)
  }
}
