/// Tests draw their seeded data from the package's one SplitMix64 generator (`Synthetic`), the
/// same one the demo checkpoint is generated with; importing TestSupport brings it in.
@_exported import struct Synthetic.SplitMix64
