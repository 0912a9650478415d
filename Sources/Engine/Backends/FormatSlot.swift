/// Accumulator slot of each format within a segment's row of `qs_error_acc`.
enum FormatSlot: Int, CaseIterable {
  case nf4, nf4dq, fp4, fp4dq, int4, dyn8, int8

  init(_ format: QuantFormat) {
    switch format {
    case .nf4: self = .nf4
    case .nf4dq: self = .nf4dq
    case .fp4: self = .fp4
    case .fp4dq: self = .fp4dq
    case .int4: self = .int4
    case .dyn8: self = .dyn8
    case .int8: self = .int8
    }
  }
}
