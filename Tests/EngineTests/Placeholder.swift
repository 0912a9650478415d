import Testing

@Suite struct EngineTestsPlaceholder {}
