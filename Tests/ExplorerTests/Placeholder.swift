import Testing

@Suite struct ExplorerTestsPlaceholder {}
