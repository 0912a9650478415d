import Reports

// The screens name the report formatters (module Reports) through these aliases, so they need no
// import of their own.

/// `Reports.NumberText`: the one number formatter.
typealias NumberText = Reports.NumberText
/// `Reports.InspectRenderer`: tensor names, shapes and the demo marker.
typealias InspectRenderer = Reports.InspectRenderer
