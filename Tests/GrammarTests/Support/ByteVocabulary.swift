@testable import Grammar

/// A vocabulary for walking golden texts byte by byte through the production matcher: the 256
/// single bytes as tokens 0…255, then `<end>` (token 256: special, ends generation), then each
/// of `specials` (257, 258, …: special tokens).
func byteVocabulary(specials: [String] = []) -> TokenVocabulary {
    let tokens = (0..<256).map { [UInt8($0)] } + [Array("<end>".utf8)] + specials.map { Array($0.utf8) }
    return TokenVocabulary(tokens: tokens, special: Set((256..<Int32(tokens.count)).map { $0 }), endOfGeneration: [256])
}

extension CompiledGrammar {
    /// Whether a fresh matcher over a `byteVocabulary()` reads `text` byte by byte and may then end.
    func acceptsWhole(_ text: String) -> Bool {
        let matcher = GrammarMatcher(self)
        return (text.isEmpty || matcher.accept(bytes: Array(text.utf8))) && matcher.accept(token: 256)
    }
}
