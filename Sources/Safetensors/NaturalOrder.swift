/// Natural ordering of tensor names: runs of ASCII digits compare as numbers, so `layers.2` sorts
/// before `layers.10`.
///
/// Everything else compares bytewise (UTF-8). Names equal under that rule (`a01` and `a1`) fall
/// back to plain byte order, so the order is total and sorting is deterministic.
public enum NaturalOrder {
  /// True when `a` sorts before `b`.
  ///
  /// - Complexity: O(length of the shorter name).
  public static func less(_ a: String, _ b: String) -> Bool {
    var lhs = a
    var rhs = b
    return lhs.withUTF8 { left in
      rhs.withUTF8 { right in
        switch compare(left, right) {
        case .some(let result): result
        case .none: left.lexicographicallyPrecedes(right)
        }
      }
    }
  }

  /// `true`/`false` when the names differ naturally; nil when they are naturally equal.
  private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Bool?
  {
    var i = 0
    var j = 0
    while i < a.count && j < b.count {
      let x = a[i]
      let y = b[j]
      if isDigit(x) && isDigit(y) {
        // Skip leading zeros, then the longer run is the larger number.
        var startA = i
        var startB = j
        while startA < a.count && a[startA] == UInt8(ascii: "0") { startA += 1 }
        while startB < b.count && b[startB] == UInt8(ascii: "0") { startB += 1 }
        var endA = startA
        var endB = startB
        while endA < a.count && isDigit(a[endA]) { endA += 1 }
        while endB < b.count && isDigit(b[endB]) { endB += 1 }
        let lengthA = endA - startA
        let lengthB = endB - startB
        if lengthA != lengthB { return lengthA < lengthB }
        for offset in 0..<lengthA where a[startA + offset] != b[startB + offset] {
          return a[startA + offset] < b[startB + offset]
        }
        i = endA
        j = endB
        continue
      }
      if x != y { return x < y }
      i += 1
      j += 1
    }
    if i < a.count { return false }
    if j < b.count { return true }
    return nil
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}
