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
    if screen == .plan && editPlanBudget(key) { return }
    guard let binding = KeyBindings.binding(for: key, on: screen) else { return }
    if let reason = KeyBindings.disabledReason(binding.action, self) {
      status = "\(binding.summary): \(reason)"
      return
    }
    status = nil
    perform(binding.action, pageHeight: pageHeight)
  }

  /// Handles `key` as the app loop does in a terminal `height` rows tall: a page is the screen's
  /// list height, and afterwards the cursor and the scroll offsets stay inside the content.
  public mutating func handle(_ key: Key, terminalHeight height: Int) {
    if case .mouse(let event) = key {
      handle(event, width: terminalWidth, height: height)
    } else {
      handle(
        key, pageHeight: screen == .model ? ModelScreen.listHeight(height) : max(1, height - 8))
    }
    clampCursor(listHeight: ModelScreen.listHeight(height))
    clampScroll(terminalHeight: height)
  }

  /// Keeps the current screen's scroll offset at most its last page (so that scrolling back
  /// moves at once after paging past the end).
  mutating func clampScroll(terminalHeight height: Int) {
    switch screen {
    case .help: helpScroll = min(helpScroll, HelpScreen.maxScroll(self, height: height))
    case .compare:
      compareScroll = CompareScreen.scroll(
        self, layers: LayerMatrix(self).layers.count, height: CompareScreen.listHeight(height))
    case .outlierMap:
      if let map = OutlierMapScreen.map(self) {
        mapScroll = OutlierMapScreen.scroll(self, map, height: OutlierMapScreen.listHeight(height))
      }
    case .model, .tensor, .export, .plan: break
    }
  }

  /// The filter line: its bindings (`KeyBindings.filterLine`), else the key types.
  private mutating func editFilter(_ key: Key) {
    if let binding = KeyBindings.filterBinding(for: key) {
      switch binding.action {
      case .keepFilter: isEditingFilter = false
      case .clearFilter:
        isEditingFilter = false
        filter = ""
      case .clearText: filter = ""
      case .deleteCharacter: if !filter.isEmpty { filter.removeLast() }
      default: break
      }
    } else if case .character(let character) = key {
      filter.append(character)
    }
    cursor = 0
    scroll = 0
  }

  /// The export dialog: its bindings in the table, else the key types into the path.
  private mutating func editExport(_ key: Key, pageHeight: Int) {
    guard var dialog = exportDialog else {
      screen = previousScreen
      return
    }
    if let binding = KeyBindings.binding(for: key, on: .export) {
      switch binding.action {
      case .cancel:
        exportDialog = nil
        screen = previousScreen == .export ? .model : previousScreen
        return
      case .write:
        if dialog.write() {
          status = dialog.message
          exportDialog = nil
          screen = previousScreen == .export ? .model : previousScreen
          return
        }
      case .moveUp: dialog.scroll = max(0, dialog.scroll - 1)
      case .moveDown: dialog.scroll += 1
      case .pageUp: dialog.scroll = max(0, dialog.scroll - max(1, pageHeight))
      case .pageDown: dialog.scroll += max(1, pageHeight)
      case .deleteCharacter: if !dialog.path.isEmpty { dialog.path.removeLast() }
      case .clearText: dialog.path = ""
      default: break
      }
    } else if case .character(let character) = key {
      dialog.path.append(character)
    }
    // A changed path is a new question: the last outcome (`exists: ⏎ again…`) no longer holds.
    if dialog.path != exportDialog?.path {
      dialog.confirmOverwrite = false
      dialog.message = nil
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
      globalFormat = Self.next(globalFormat, in: KeyBindings.choosableFormats(self))
      status = "model format: \(globalFormat.rawValue)"
    case .moveLeft: moveColumn(by: -1)
    case .moveRight: moveColumn(by: 1)
    case .nextMatch: moveToMatch(forward: true)
    case .previousMatch: moveToMatch(forward: false)
    case .nextTensor: stepTensor(forward: true)
    case .previousTensor: stepTensor(forward: false)
    case .worstTensor: goToWorst()
    case .copyName:
      if let tensor = tensorInView {
        let name = checkpoint.tensors[tensor].name
        clipboardRequest = name
        status = "copied: " + name
      }
    case .write, .cancel, .keepFilter, .clearFilter, .clearText, .deleteCharacter:
      break
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
    case .plan: openPlan()
    case .applyPlan: applyPlan()
    case .cyclePlanObjective:
      planState.objective = planState.objective == .total ? .worst : .total
      replan()
    case .togglePlanTraining:
      planState.training.toggle()
      replan()
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
      mapCursor = (0, mapCursor.column)
    }
  }

  /// Goes to `target` and remembers where Esc returns to: the screen left (under Help: the screen
  /// Help was opened from). A screen already in the history is returned to, not stacked again.
  mutating func show(_ target: ScreenKind) {
    if screen == target { return }
    let from = screen == .help ? previousScreen : screen
    screen = target
    guard from != target else { return }
    if let index = backStack.firstIndex(of: target) {
      backStack.removeSubrange(index...)
    } else {
      backStack.append(from)
    }
  }

  private mutating func goBack() {
    switch screen {
    case .help: screen = previousScreen == .help ? .model : previousScreen
    case .tensor, .compare, .outlierMap, .plan: screen = backStack.popLast() ?? .model
    case .export: screen = .model
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
    case .compare:
      let count = LayerMatrix(self).layers.count
      compareCursor.row = max(0, min(count - 1, compareCursor.row &+ delta))
    case .outlierMap:
      let count = OutlierMapScreen.map(self)?.cursorRows.count ?? 0
      mapCursor.row = max(0, min(count - 1, mapCursor.row &+ delta))
    case .help: helpScroll = max(0, helpScroll &+ delta)
    case .tensor, .export, .plan: break
    }
  }

  /// Moves the Compare or outlier-map cursor sideways, within the columns shown.
  private mutating func moveColumn(by delta: Int) {
    switch screen {
    case .compare:
      let columns = CompareScreen.Layout(self, width: terminalWidth).visibleKinds
      compareCursor.column = max(0, min(columns - 1, compareCursor.column + delta))
    case .outlierMap:
      guard let map = OutlierMapScreen.map(self) else { return }
      let rows = map.cursorRows
      guard rows.indices.contains(mapCursor.row) else { return }
      let width = map.sections[rows[mapCursor.row].section].width
      let cells = OutlierMapScreen.columns(hidden: width, canvasWidth: terminalWidth).cells
      mapCursor.column = max(0, min(cells - 1, mapCursor.column + delta))
    default: break
    }
  }

  private mutating func openSelection() {
    switch screen {
    case .compare:
      let layout = CompareScreen.Layout(self, width: terminalWidth)
      let matrix = layout.matrix
      guard matrix.layers.indices.contains(compareCursor.row),
        matrix.kinds.indices.contains(compareCursor.column),
        let tensor = matrix.cells[compareCursor.row][compareCursor.column]
      else {
        status = "no tensor in this cell"
        return
      }
      open(tensor)
      return
    case .outlierMap:
      guard let map = OutlierMapScreen.map(self),
        let tensor = OutlierMapScreen.openTarget(self, map)
      else {
        status = "no tensor under the cursor"
        return
      }
      open(tensor)
      return
    default: break
    }
    let current = rows
    guard current.indices.contains(cursor) else { return }
    let row = current[cursor]
    if let tensor = row.tensorIndex {
      open(tensor)
    } else {
      let id = tree.nodes[row.node].id
      if collapsed.contains(id) { collapsed.remove(id) } else { collapsed.insert(id) }
    }
  }

  /// Shows `tensor` on the Tensor screen.
  mutating func open(_ tensor: Int) {
    openTensor = tensor
    focus = .values
    show(.tensor)
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
    guard let index = values.firstIndex(of: value), !values.isEmpty else {
      return values.first ?? value
    }
    return values[(index + 1) % values.count]
  }
}
