import Testing

@Suite struct ExporterTestsPlaceholder {}
