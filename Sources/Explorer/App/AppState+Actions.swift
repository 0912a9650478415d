import Engine
import Terminal

extension AppState {
  // MARK: - Keys

  /// Handles one key: filter editing first, then the binding table. `pageHeight` is the number of
  /// rows a page moves.
  public mutating func handle(_ key: Key, pageHeight: Int) {
    if isEditingFilter {
      editFilter(key)
      return
    }
    if screen == .export {
      editExport(key, pageHeight: pageHeight)
      return
    }
    guard let binding = KeyBindings.binding(for: key, on: screen) else { return }
    if let reason = KeyBindings.disabledReason(binding.action, self) {
      status = "\(binding.summary): \(reason)"
      return
    }
    status = nil
    perform(binding.action, pageHeight: pageHeight)
  }

  private mutating func editFilter(_ key: Key) {
    switch key {
    case .enter:
      isEditingFilter = false
    case .escape:
      isEditingFilter = false
      filter = ""
    case .backspace, .delete:
      if !filter.isEmpty { filter.removeLast() }
    case .character(let character):
      filter.append(character)
    case .control("u"):
      filter = ""
    default:
      break
    }
    cursor = 0
    scroll = 0
  }

  private mutating func editExport(_ key: Key, pageHeight: Int) {
    guard var dialog = exportDialog else {
      screen = previousScreen
      return
    }
    switch key {
    case .escape:
      exportDialog = nil
      screen = previousScreen == .export ? .model : previousScreen
      return
    case .enter:
      if dialog.write() {
        status = dialog.message
        exportDialog = nil
        screen = previousScreen == .export ? .model : previousScreen
        return
      }
    case .up: dialog.scroll = max(0, dialog.scroll - 1)
    case .down: dialog.scroll += 1
    case .pageUp: dialog.scroll = max(0, dialog.scroll - max(1, pageHeight))
    case .pageDown: dialog.scroll += max(1, pageHeight)
    case .backspace, .delete:
      if !dialog.path.isEmpty { dialog.path.removeLast() }
      dialog.confirmOverwrite = false
    case .control("u"):
      dialog.path = ""
      dialog.confirmOverwrite = false
    case .character(let character):
      dialog.path.append(character)
      dialog.confirmOverwrite = false
    default:
      break
    }
    exportDialog = dialog
  }

  /// Performs `action` (its disabled reason has been checked).
  public mutating func perform(_ action: Action, pageHeight: Int) {
    let page = max(1, pageHeight)
    switch action {
    case .moveUp: move(by: -1)
    case .moveDown: move(by: 1)
    case .pageUp: move(by: -page)
    case .pageDown: move(by: page)
    case .top: move(by: Int.min / 2)
    case .bottom: move(by: Int.max / 2)
    case .open: openSelection()
    case .expand: setFolded(false)
    case .collapse: setFolded(true)
    case .back: goBack()
    case .toggleKeep: toggleKeep()
    case .filter:
      isEditingFilter = true
    case .cycleSort:
      sort = Self.next(sort, in: TreeSort.allCases)
      cursor = 0
      scroll = 0
    case .sortLayers:
      compareWorstFirst.toggle()
      compareScroll = 0
    case .toggleMetric:
      metric = metric == .relErr ? .sqnr : .relErr
    case .cycleViewFormat:
      viewFormat = Self.next(viewFormat, in: settings.formats)
    case .cycleGlobalFormat:
      globalFormat = Self.next(globalFormat, in: settings.formats)
      status = "model format: \(globalFormat.rawValue)"
    case .compare: show(.compare)
    case .outlierMap: show(.outlierMap)
    case .help:
      if screen == .help {
        screen = previousScreen
      } else {
        previousScreen = screen
        screen = .help
        helpScroll = 0
      }
    case .export:
      if let dialog = ExportDialog.open(self, date: exportDate) {
        exportDialog = dialog
        if screen != .help { previousScreen = screen }
        screen = .export
      }
    case .quit: quitRequested = true
    case .nextPanel:
      focus = Self.next(focus, in: TensorPanel.allCases)
    case .toggleLog: histogramLog.toggle()
    case .zoom: histogramZoom = histogramZoom >= 16 ? 1 : histogramZoom * 4
    case .toggleResolution: braille.toggle()
    case .thresholdUp: setThreshold(threshold + 0.5)
    case .thresholdDown: setThreshold(threshold - 0.5)
    case .toggleSource:
      mapSource = mapSource == .weights ? .activations : .weights
      mapScroll = 0
    }
  }

  private mutating func show(_ target: ScreenKind) {
    if screen == target { return }
    if screen != .help { previousScreen = screen }
    screen = target
  }

  private mutating func goBack() {
    switch screen {
    case .help: screen = previousScreen == .help ? .model : previousScreen
    case .tensor, .compare, .outlierMap, .export: screen = .model
    case .model:
      filter = ""
      cursor = 0
      scroll = 0
    }
  }

  private mutating func move(by delta: Int) {
    switch screen {
    case .model:
      let count = rows.count
      cursor = max(0, min(count - 1, cursor &+ delta))
    case .compare: compareScroll = max(0, compareScroll &+ delta)
    case .outlierMap: mapScroll = max(0, mapScroll &+ delta)
    case .help: helpScroll = max(0, helpScroll &+ delta)
    case .tensor, .export: break
    }
  }

  private mutating func openSelection() {
    let current = rows
    guard current.indices.contains(cursor) else { return }
    let row = current[cursor]
    if let tensor = row.tensorIndex {
      openTensor = tensor
      focus = .values
      screen = .tensor
    } else {
      let id = tree.nodes[row.node].id
      if collapsed.contains(id) { collapsed.remove(id) } else { collapsed.insert(id) }
    }
  }

  private mutating func setFolded(_ fold: Bool) {
    let current = rows
    guard current.indices.contains(cursor) else { return }
    let row = current[cursor]
    let id = tree.nodes[row.node].id
    if row.isGroup {
      if fold && collapsed.contains(id) {
        moveToParent(of: row, in: current)
      } else if fold {
        collapsed.insert(id)
      } else {
        collapsed.remove(id)
      }
    } else if fold {
      moveToParent(of: row, in: current)
    }
  }

  private mutating func moveToParent(of row: TreeRow, in current: [TreeRow]) {
    guard row.depth > 0 else { return }
    var index = cursor
    while index > 0 {
      index -= 1
      if current[index].depth < row.depth {
        cursor = index
        return
      }
    }
  }

  private mutating func toggleKeep() {
    guard let tensor = screen == .tensor ? openTensor : selectedTensor else { return }
    let name = checkpoint.tensors[tensor].name
    if kept.contains(name) {
      kept.remove(name)
      status = "\(name): back to \(globalFormat.rawValue)"
    } else {
      kept.insert(name)
      status = "\(name): kept in 16-bit"
    }
  }

  static func next<T: Equatable>(_ value: T, in values: [T]) -> T {
    guard let index = values.firstIndex(of: value), !values.isEmpty else { return values.first ?? value }
    return values[(index + 1) % values.count]
  }
}
