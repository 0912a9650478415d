/// Where the test fixtures committed with the repository lie (`Tests/Fixtures`).
///
/// Found from this file's `#filePath`, so a fresh clone needs nothing beside it.
public enum FixturePaths {
  /// The package root: the folder that holds `Package.swift`.
  public static var packageRoot: String {
    // #filePath = <root>/Tests/TestSupport/FixturePaths.swift
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }

  /// `Tests/Fixtures`.
  public static var root: String { packageRoot + "/Tests/Fixtures" }

  /// `Tests/Fixtures/golden`: bitsandbytes-checked inputs, expected codes and metrics.
  public static var golden: String { root + "/golden" }

  /// `Tests/Fixtures/checkpoints`: what transformers and bitsandbytes make of each architecture
  /// (scripts/checkpoint-fixtures.py).
  public static var checkpoints: String { root + "/checkpoints" }
}
