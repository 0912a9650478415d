/// Everything a key (or a click on the key bar) can do.
public enum Action: String, CaseIterable, Sendable, Hashable {
  case moveUp, moveDown, moveLeft, moveRight, pageUp, pageDown, top, bottom
  case open, back, expand, collapse
  case toggleKeep, cycleViewFormat, cycleGlobalFormat, toggleMetric, cycleSort, sortLayers, filter
  case nextMatch, previousMatch, nextTensor, previousTensor, worstTensor, copyName
  case compare, outlierMap, help, export, quit
  case nextPanel, toggleLog, zoom, toggleResolution, thresholdUp, thresholdDown
  case toggleSource
  // The export dialog and the filter line.
  case write, cancel, keepFilter, clearFilter, clearText, deleteCharacter
  case plan, applyPlan, cyclePlanObjective, togglePlanTraining
}
