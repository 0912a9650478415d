/// Everything a key can do.
public enum Action: String, CaseIterable, Sendable, Hashable {
  case moveUp, moveDown, pageUp, pageDown, top, bottom
  case open, back, expand, collapse
  case toggleKeep, cycleViewFormat, cycleGlobalFormat, toggleMetric, cycleSort, sortLayers, filter
  case compare, outlierMap, help, export, quit
  case nextPanel, toggleLog, zoom, toggleResolution, thresholdUp, thresholdDown
  case toggleSource
  case plan, applyPlan, cyclePlanObjective, togglePlanTraining
}
