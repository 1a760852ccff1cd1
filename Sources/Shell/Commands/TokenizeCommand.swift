import Engine
import Foundation
import GGUF
import Schema

/// `toolshell tokenize --model M [--special] [--no-bos] [TEXT]`: the token ids and pieces of a
/// text as JSON `{"ids": [...], "pieces": [...]}` (TEXT defaults to standard input).
enum TokenizeCommand: Subcommand {
    static let name = "tokenize"
    static let summary = "token ids and pieces of a text: tokenize --model M [--special] [--no-bos] TEXT"

    static let helpText = """
    usage: toolshell tokenize --model M [--special] [--no-bos] [TEXT]

    Prints {"ids": [...], "pieces": [...]} for TEXT (standard input when TEXT is absent).
      --model M   a .gguf path or a default model name (\(ModelPaths.defaults.map(\.name).joined(separator: ", ")))
      --special   parse special-token texts such as <|im_start|> into their ids
      --no-bos    do not add BOS/EOS even where the model's metadata asks for them

    A piece is the token's bytes as text. A byte-level token can hold part of a UTF-8
    character; such bytes are written as <0xHH> (two uppercase hex digits), the notation of
    SentencePiece byte tokens, and the rest of the piece as text.
    """

    static func run(_ arguments: [String]) -> Int32 {
        var model: String?
        var parseSpecial = false
        var addSpecial = true
        var text: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--model", "-m":
                guard i + 1 < arguments.count else { return usage("--model needs a path or a model name") }
                i += 1
                model = arguments[i]
            case "--special": parseSpecial = true
            case "--no-bos": addSpecial = false
            case "--help", "-h":
                print(helpText)
                return 0
            case "--":
                text = arguments[(i + 1)...].joined(separator: " ")
                i = arguments.count
                continue
            default:
                if a.hasPrefix("--") { return usage("unknown option '\(a)'") }
                guard text == nil else { return usage("give the text as one argument (quote it)") }
                text = a
            }
            i += 1
        }
        guard let model else { return usage("--model is required") }
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let tokenizer: GGUFTokenizer
        do {
            tokenizer = try GGUFTokenizer(file: GGUFFile(path: ModelPaths.resolve(model)))
        } catch {
            FileHandle.standardError.write(Data("toolshell tokenize: \(error)\n".utf8))
            return 1
        }
        let ids = tokenizer.encode(input, addSpecial: addSpecial, parseSpecial: parseSpecial)
        let result: JSONValue = [
            "ids": .array(ids.map { .integer(Int64($0)) }),
            "pieces": .array(ids.map { .string(renderPiece(tokenizer.piece($0))) }),
        ]
        print(result.jsonString())
        return 0
    }

    /// The piece as text, with bytes that are not part of a valid UTF-8 character as `<0xHH>`.
    static func renderPiece(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0
            if length > 0, i + length <= bytes.count,
               let s = String(validating: bytes[i ..< i + length], as: UTF8.self) {
                out += s
                i += length
            } else {
                out += "<0x" + (b < 0x10 ? "0" : "") + String(b, radix: 16, uppercase: true) + ">"
                i += 1
            }
        }
        return out
    }

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell tokenize: \(message)\n\(helpText)\n".utf8))
        return 2
    }
}
