extension CellStyle {
  /// Attributes that carry this style's meaning without colour.
  public var monochromeAttributes: (bold: Bool, dim: Bool, underline: Bool, reverse: Bool) {
    var bold = isBold
    var dim = isDim
    var underline = isUnderlined
    switch role {
    case .title, .focusBorder, .key, .outlier, .thresholdLine, .error, .group: bold = true
    case .muted, .border: dim = !isSelected
    case .warning, .kept: underline = true
    default: break
    }
    return (bold, dim, underline, isReversed != isSelected)
  }
}
