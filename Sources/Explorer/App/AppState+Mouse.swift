import Terminal

/// Mouse reports: a click selects, a click on what is already selected opens it (so a double
/// click opens), the wheel scrolls, a click on the key bar runs that key.
extension AppState {
  /// Rows the wheel moves per step.
  static let wheelStep = 3

  /// Handles one mouse report in a terminal `width` × `height`.
  public mutating func handle(_ event: MouseEvent, width: Int, height: Int) {
    terminalWidth = width
    guard event.isPress, !isEditingFilter else { return }
    switch event.button {
    case .wheelUp, .wheelDown:
      wheel(up: event.button == .wheelUp, height: height)
    case .left:
      if event.y == height - 1, screen != .export {
        clickKeyBar(x: event.x, width: width, height: height)
      } else {
        click(x: event.x, y: event.y, height: height)
      }
    case .middle, .right:
      break
    }
  }

  private mutating func wheel(up: Bool, height: Int) {
    let step = up ? -Self.wheelStep : Self.wheelStep
    switch screen {
    case .export:
      if var dialog = exportDialog {
        dialog.scroll = max(0, dialog.scroll + step)
        exportDialog = dialog
      }
    case .tensor:
      // The tensors are the Tensor screen's list: the wheel steps through them.
      if KeyBindings.disabledReason(.nextTensor, self) == nil { stepTensor(forward: !up) }
    case .model:
      cursor = max(0, min(rows.count - 1, cursor + step))
    case .compare, .outlierMap, .help:
      for _ in 0..<Self.wheelStep { perform(up ? .moveUp : .moveDown, pageHeight: 1) }
    case .plan:
      break
    }
  }

  private mutating func clickKeyBar(x: Int, width: Int, height: Int) {
    let (entries, _) = ScreenFrame.keyBar(self, width: width)
    guard let entry = entries.first(where: { x >= $0.x && x < $0.x + $0.width }),
      let key = entry.binding.keys.first
    else { return }
    handle(key, terminalHeight: height)
  }

  private mutating func click(x: Int, y: Int, height: Int) {
    switch screen {
    case .model:
      let line = y - 4
      guard line >= 0 && line < ModelScreen.listHeight(height) else { return }
      let index = scroll + line
      guard rows.indices.contains(index) else { return }
      if index == cursor {
        handle(.enter, terminalHeight: height)
      } else {
        cursor = index
      }
    case .compare:
      let layout = CompareScreen.Layout(self, width: terminalWidth)
      let listHeight = CompareScreen.listHeight(height)
      let scroll = CompareScreen.scroll(
        self, layers: layout.matrix.layers.count, height: listHeight)
      guard let cell = layout.cell(x: x, y: y, scroll: scroll, height: listHeight) else { return }
      if cell == compareCursor {
        handle(.enter, terminalHeight: height)
      } else {
        compareCursor = cell
      }
    case .outlierMap:
      guard let map = OutlierMapScreen.map(self) else { return }
      let listHeight = OutlierMapScreen.listHeight(height)
      let lines = map.lines
      let index = OutlierMapScreen.scroll(self, map, height: listHeight) + y - 2
      guard y >= 2 && y - 2 < listHeight && lines.indices.contains(index),
        case .layer(let section, let row) = lines[index],
        let cursorRow = map.cursorRows.firstIndex(where: { $0.section == section && $0.row == row })
      else { return }
      let cells = OutlierMapScreen.columns(
        hidden: map.sections[section].width, canvasWidth: terminalWidth
      ).cells
      let column = x - OutlierMapScreen.labelWidth - 1
      let target = (
        row: cursorRow, column: column >= 0 && column < cells ? column : mapCursor.column
      )
      if target == mapCursor {
        handle(.enter, terminalHeight: height)
      } else {
        mapCursor = target
      }
    case .tensor:
      let area = height - 4
      let top = y >= 2 + area / 2
      let left = x < terminalWidth / 2
      guard y >= 2 && y < 2 + area else { return }
      focus = top ? (left ? .outliers : .errors) : (left ? .values : .bins)
    case .help, .export, .plan:
      break
    }
  }
}
