import Foundation
import Testing
@testable import Engine

/// Tokenization of both default models against llama.cpp's own outputs.
@Suite(.serialized) struct TokenizerFixtureTests {
    @Test(arguments: ["qwen", "gemma"])
    func vocabularyInfoMatches(model: String) throws {
        let fixture = try LlamaCppFixtures.load("\(model)_tokenize.json", as: LlamaCppFixtures.TokenizeFile.self)
        let tokenizer = try DefaultTokenizers.named(model)
        let info = fixture.vocab_info
        #expect(tokenizer.bos == info.bos)
        #expect(tokenizer.eos == info.eos)
        #expect(tokenizer.eot == info.eot)
        #expect(tokenizer.addBOS == info.add_bos)
        #expect(tokenizer.addEOS == info.add_eos)
        #expect(tokenizer.eogIDs == Set(info.eog_ids))
    }

    @Test(arguments: ["qwen", "gemma"])
    func everyCaseMatchesLlamaCpp(model: String) throws {
        let fixture = try LlamaCppFixtures.load("\(model)_tokenize.json", as: LlamaCppFixtures.TokenizeFile.self)
        let tokenizer = try DefaultTokenizers.named(model)
        var idsOK = 0, piecesOK = 0, textOK = 0
        for c in fixture.cases {
            let ids = tokenizer.encode(c.text, addSpecial: c.add_special, parseSpecial: c.parse_special)
            #expect(ids == c.ids, "\(model) \(c.id): \(c.text.debugDescription)")
            if ids == c.ids { idsOK += 1 }
            let pieces = c.ids.map { hexString(tokenizer.piece($0)) }
            #expect(pieces == c.pieces_hex, "\(model) \(c.id) pieces")
            if pieces == c.pieces_hex { piecesOK += 1 }
            let vocabText = c.ids.map { tokenizer.vocabularyText($0) ?? "" }
            #expect(vocabText == c.vocab_text, "\(model) \(c.id) vocab text")
            let text = tokenizer.detokenize(c.ids)
            #expect(text == c.detokenized, "\(model) \(c.id) detokenized")
            if text == c.detokenized { textOK += 1 }
        }
        print("\(model) tokenize fixtures: ids \(idsOK)/\(fixture.cases.count), pieces \(piecesOK)/\(fixture.cases.count), detokenized \(textOK)/\(fixture.cases.count)")
        #expect(fixture.cases.count >= 40)
    }

    @Test func qwenChatPromptsTokenizeToPromptIDs() throws {
        let fixture = try LlamaCppFixtures.load("qwen_chat_tools.json", as: LlamaCppFixtures.ChatToolsFile.self)
        let tokenizer = try DefaultTokenizers.named("qwen")
        #expect(fixture.conversations.count == 3)
        for c in fixture.conversations {
            let ids = tokenizer.encode(c.rendered_prompt + c.assistant_prefill, addSpecial: false, parseSpecial: true)
            #expect(ids == c.prompt_ids, "\(c.id)")
        }
    }
}
