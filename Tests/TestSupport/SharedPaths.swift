/// Where `../shared` (golden vectors, specs) lies: `$QUANTSCOPE_SHARED`, else beside the package root.
public enum SharedPaths {
  public static var root: String {
    if let env = getenv("QUANTSCOPE_SHARED") { return String(cString: env) }
    // #filePath = <root>/Tests/TestSupport/SharedPaths.swift
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/../shared"
  }
  public static var golden: String { root + "/golden" }
}
#if canImport(Glibc)
import Glibc
#endif
