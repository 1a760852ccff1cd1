import Foundation
import GGUF
@testable import Engine

/// The llama.cpp reference fixtures under Tests/Fixtures/llamacpp.
enum LlamaCppFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/llamacpp")

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct TokenizeFile: Decodable {
        struct VocabInfo: Decodable {
            let bos: Int32?
            let eos: Int32?
            let eot: Int32?
            let add_bos: Bool
            let add_eos: Bool
            let eog_ids: [Int32]
        }
        struct Case: Decodable {
            let id: String
            let text: String
            let add_special: Bool
            let parse_special: Bool
            let ids: [Int32]
            let pieces_hex: [String]
            let vocab_text: [String]
            let detokenized: String
        }
        let vocab_info: VocabInfo
        let cases: [Case]
    }

    struct ChatToolsFile: Decodable {
        struct Conversation: Decodable {
            let id: String
            let rendered_prompt: String
            let assistant_prefill: String
            let prompt_ids: [Int32]
        }
        let conversations: [Conversation]
    }
}

/// Tokenizers of the two default models, built once per test process.
enum DefaultTokenizers {
    static let qwen: Result<GGUFTokenizer, any Error> = Result { try make("qwen2.5-coder-0.5b") }
    static let gemma: Result<GGUFTokenizer, any Error> = Result { try make("gemma-3-270m") }

    static func make(_ name: String) throws -> GGUFTokenizer {
        try GGUFTokenizer(file: GGUFFile(path: ModelPaths.resolve(name)))
    }

    static func named(_ name: String) throws -> GGUFTokenizer {
        try (name == "qwen" ? qwen : gemma).get()
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
