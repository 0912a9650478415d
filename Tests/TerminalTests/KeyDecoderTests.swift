import Testing

@testable import Terminal

@Suite struct KeyDecoderTests {}

extension KeyDecoderTests {
  @Test func functionKeysComeFromTheTable() {
    #expect(KeyDecoder.decode(0o403, isFunctionKey: true) == .up)
    #expect(KeyDecoder.decode(0o402, isFunctionKey: true) == .down)
    #expect(KeyDecoder.decode(0o523, isFunctionKey: true) == .pageUp)
    #expect(KeyDecoder.decode(0o522, isFunctionKey: true) == .pageDown)
    #expect(KeyDecoder.decode(0o632, isFunctionKey: true) == .resize)
    #expect(KeyDecoder.decode(0o541, isFunctionKey: true) == .backTab)
    #expect(KeyDecoder.decode(0o411, isFunctionKey: true) == .function(1))
    #expect(KeyDecoder.decode(0o777, isFunctionKey: true) == nil)
  }

  @Test func controlCharactersAreNamed() {
    #expect(KeyDecoder.decode(0x0D, isFunctionKey: false) == .enter)
    #expect(KeyDecoder.decode(0x0A, isFunctionKey: false) == .enter)
    #expect(KeyDecoder.decode(0x09, isFunctionKey: false) == .tab)
    #expect(KeyDecoder.decode(0x1B, isFunctionKey: false) == .escape)
    #expect(KeyDecoder.decode(0x7F, isFunctionKey: false) == .backspace)
    #expect(KeyDecoder.decode(0x03, isFunctionKey: false) == .control("c"))
  }

  @Test func printableCharactersPassThrough() {
    #expect(KeyDecoder.decode(0x71, isFunctionKey: false) == .character("q"))
    #expect(KeyDecoder.decode(0x20, isFunctionKey: false) == .character(" "))
    #expect(KeyDecoder.decode(0xE9, isFunctionKey: false) == .character("é"))
    // The same code as a function key is a different key.
    #expect(KeyDecoder.decode(0x71, isFunctionKey: true) == nil)
  }

  @Test func keysSpellThemselvesForHints() {
    #expect(Key.character(" ").description == "space")
    #expect(Key.control("c").description == "^C")
    #expect(Key.enter.description == "⏎")
  }
}
