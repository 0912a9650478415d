import Engine
import Reports

/// Jumps: filter matches (`n`/`N`), the next tensor in tree order (`]`/`[`), the worst tensor
/// of the format in view (`w`), and the tensor a screen is about (for `y` and `space`).
extension AppState {
  /// The tensor the current screen is about: the open one on the Tensor screen, the cell under
  /// the cursor on Compare and the outlier map, the selected row on the Model screen.
  var tensorInView: Int? {
    switch screen {
    case .tensor: return openTensor
    case .compare:
      let matrix = CompareScreen.Layout(self, width: terminalWidth).matrix
      guard matrix.layers.indices.contains(compareCursor.row),
        matrix.kinds.indices.contains(compareCursor.column)
      else {
        return nil
      }
      return matrix.cells[compareCursor.row][compareCursor.column]
    case .outlierMap:
      return OutlierMapScreen.map(self).flatMap { OutlierMapScreen.openTarget(self, $0) }
    case .model, .help, .export, .plan:
      return selectedTensor
    }
  }

  /// The quantizable tensor with the highest error (lowest SQNR) in the format in view, within
  /// the filter; nil before any result.
  var worstTensor: Int? {
    let candidates = tensorOrder.compactMap { tensor -> (Int, Double)? in
      guard Quantizability.isQuantizable(checkpoint.tensors[tensor]),
        let value = analyses[tensor]?.formats[viewFormat]?.relErr, !value.isNaN
      else { return nil }
      return (tensor, value)
    }
    return candidates.max { $0.1 < $1.1 }?.0
  }

  /// `n`/`N`: the cursor to the next (previous) tensor row, wrapping around.
  mutating func moveToMatch(forward: Bool) {
    let current = rows
    let tensors = current.indices.filter { current[$0].tensorIndex != nil }
    guard !tensors.isEmpty else { return }
    let next =
      forward
      ? tensors.first { $0 > cursor } ?? tensors[0]
      : tensors.last { $0 < cursor } ?? tensors[tensors.count - 1]
    if forward ? next <= cursor : next >= cursor { status = "search wrapped" }
    cursor = next
  }

  /// `]`/`[`: opens the next (previous) tensor in tree order within the filter.
  mutating func stepTensor(forward: Bool) {
    let order = tensorOrder
    guard let current = openTensor else { return }
    guard let position = order.firstIndex(of: current) else {
      if let first = order.first { openTensor = first }
      return
    }
    let target = position + (forward ? 1 : -1)
    guard order.indices.contains(target) else {
      status =
        forward ? "the last tensor (within the filter)" : "the first tensor (within the filter)"
      return
    }
    openTensor = order[target]
    select(order[target])
  }

  /// `w`: the worst tensor of the format in view: selected on the Model screen, opened elsewhere.
  mutating func goToWorst() {
    guard let tensor = worstTensor else { return }
    let value = analyses[tensor]?.formats[viewFormat]?.relErr ?? .nan
    status =
      "worst \(viewFormat.rawValue): \(checkpoint.tensors[tensor].name) (rel_err \(NumberText.error(value)))"
    if screen == .model {
      select(tensor)
    } else {
      select(tensor)
      open(tensor)
    }
  }

  /// Puts the Model screen's cursor on `tensor`, unfolding the groups above it.
  mutating func select(_ tensor: Int) {
    let name = checkpoint.tensors[tensor].name
    for id in collapsed where name.hasPrefix(id + ".") { collapsed.remove(id) }
    if let row = rows.firstIndex(where: { $0.tensorIndex == tensor }) { cursor = row }
  }
}
