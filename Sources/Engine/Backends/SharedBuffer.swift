/// A zero-initialised buffer written by several workers at disjoint indices (or through the C
/// kernels' atomics), freed with its owner.
final class SharedBuffer<Element>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Element>
  let count: Int

  init(count: Int) {
    self.count = count
    base = UnsafeMutablePointer<Element>.allocate(capacity: max(count, 1))
    UnsafeMutableRawPointer(base).initializeMemory(
      as: UInt8.self, repeating: 0, count: max(count, 1) * MemoryLayout<Element>.stride)
  }

  deinit { base.deallocate() }
}
