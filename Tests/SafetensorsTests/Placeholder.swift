import Testing

@Suite struct SafetensorsTestsPlaceholder {}
