import Testing

@Suite struct TerminalTestsPlaceholder {}
