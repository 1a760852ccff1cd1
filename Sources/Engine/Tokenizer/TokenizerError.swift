/// Why a tokenizer could not be built from a model's metadata.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required metadata key is missing or has the wrong type.
    case missingKey(String, expected: String)
    /// `tokenizer.ggml.model` names a tokenizer kind this build does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names split rules this build does not implement.
    case unsupportedPreTokenizer(String)
    /// The metadata is inconsistent (e.g. arrays of different lengths).
    case inconsistent(String)

    public var description: String {
        switch self {
        case let .missingKey(key, expected):
            return "tokenizer metadata '\(key)' is missing or not \(expected); the GGUF file has no usable vocabulary — re-convert it with llama.cpp's convert_hf_to_gguf.py"
        case let .unsupportedModel(name):
            return "tokenizer.ggml.model '\(name)' is not supported (supported: 'gpt2' byte-level BPE, 'llama' SentencePiece)"
        case let .unsupportedPreTokenizer(name):
            return "tokenizer.ggml.pre '\(name)' is not supported (supported: \(PreTokenizerKind.supportedNames)); use a model whose pre-tokenizer is one of these"
        case let .inconsistent(what):
            return "tokenizer metadata is inconsistent: \(what)"
        }
    }
}

extension PreTokenizerKind {
    static let supportedNames = "qwen2, llama-bpe/llama3, gpt-2, default and their aliases"
}
