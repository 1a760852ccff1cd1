import Engine
import Foundation
import GGUF
import Schema

/// `toolshell inspect --model M [--tensors] [--full]`: what a GGUF file holds — header,
/// metadata, tensor types and the tokenizer it describes — as JSON.
enum InspectCommand: Subcommand {
    static let name = "inspect"
    static let summary = "a GGUF model's header, metadata, tensors and tokenizer as JSON: inspect --model M"

    static let helpText = """
    usage: toolshell inspect --model M [--tensors] [--full]

    Prints one JSON object: the file's version, sizes and alignment; every metadata key
    (arrays as {"type", "count", "first": [up to 8 elements]}; strings longer than 200
    characters as {"type": "string", "length": N} unless --full); tensor counts by type
    (--tensors lists every tensor: name, type, dimensions, offset, bytes); and the
    tokenizer built from the metadata (kind, vocabulary size, BOS/EOS/EOT, end-of-generation ids).
      --model M   a .gguf path or a default model name (\(ModelPaths.defaults.map(\.name).joined(separator: ", ")))
    """

    static func run(_ arguments: [String]) -> Int32 {
        var model: String?
        var listTensors = false
        var full = false
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--model", "-m":
                guard i + 1 < arguments.count else { return usage("--model needs a path or a model name") }
                i += 1
                model = arguments[i]
            case "--tensors": listTensors = true
            case "--full": full = true
            case "--help", "-h":
                print(helpText)
                return 0
            default:
                return usage("unknown argument '\(arguments[i])'")
            }
            i += 1
        }
        guard let model else { return usage("--model is required") }
        let file: GGUFFile
        do {
            file = try GGUFFile(path: ModelPaths.resolve(model))
        } catch {
            FileHandle.standardError.write(Data("toolshell inspect: \(error)\n".utf8))
            return 1
        }
        var metadata = JSONObject()
        for key in file.metadata.keys {
            if let value = file.metadata[key] { metadata[key] = json(value, full: full) }
        }
        var byType = JSONObject()
        var typeCounts: [String: Int] = [:]
        for t in file.tensors { typeCounts[t.type.name, default: 0] += 1 }
        for (name, count) in typeCounts.sorted(by: { $0.key < $1.key }) { byType[name] = .integer(Int64(count)) }
        var tensors: JSONObject = [
            "count": .integer(Int64(file.tensors.count)),
            "bytes": .integer(Int64(file.tensors.reduce(0) { $0 + $1.byteCount })),
            "by_type": .object(byType),
        ]
        if listTensors {
            tensors["list"] = .array(file.tensors.map { t in
                [
                    "name": .string(t.name), "type": .string(t.type.name),
                    "dimensions": .array(t.dimensions.map { .integer(Int64($0)) }),
                    "offset": .integer(Int64(t.offset)), "bytes": .integer(Int64(t.byteCount)),
                ]
            })
        }
        let tokenizer: JSONValue
        do {
            let t = try GGUFTokenizer(file: file)
            func id(_ v: Int32?) -> JSONValue { v.map { .integer(Int64($0)) } ?? .null }
            tokenizer = [
                "model": .string(file.metadata.string("tokenizer.ggml.model") ?? ""),
                "pre": file.metadata.string("tokenizer.ggml.pre").map(JSONValue.string) ?? .null,
                "vocab_size": .integer(Int64(t.vocabSize)),
                "bos": id(t.bos), "eos": id(t.eos), "eot": id(t.eot),
                "eog_ids": .array(t.eogIDs.sorted().map { .integer(Int64($0)) }),
                "add_bos": .bool(t.addBOS), "add_eos": .bool(t.addEOS), "add_space_prefix": .bool(t.addSpacePrefix),
            ]
        } catch {
            tokenizer = ["error": .string("\(error)")]
        }
        let result: JSONValue = [
            "path": .string(file.path ?? model),
            "version": .integer(Int64(file.version)),
            "file_size": .integer(Int64(file.fileSize)),
            "alignment": .integer(Int64(file.alignment)),
            "data_offset": .integer(Int64(file.dataOffset)),
            "architecture": file.architecture.map(JSONValue.string) ?? .null,
            "metadata": .object(metadata),
            "tensors": .object(tensors),
            "tokenizer": tokenizer,
        ]
        print(result.jsonString(.python(indent: 2)))
        return 0
    }

    static func json(_ value: GGUFValue, full: Bool) -> JSONValue {
        switch value {
        case let .string(s):
            if !full, s.count > 200 { return ["type": "string", "length": .integer(Int64(s.count))] }
            return .string(s)
        case let .bool(b): return .bool(b)
        case let .float32(f): return .number(Double("\(f)") ?? Double(f), source: nil)   // shortest decimal of the float
        case let .float64(d): return .number(d, source: nil)
        case let .uint64(u): return Int64(exactly: u).map(JSONValue.integer) ?? .number(Double(u), source: nil)
        case let .array(a):
            let shown = full ? a.count : min(a.count, 8)
            return [
                "type": .string("array of \(a.elementType)"),
                "count": .integer(Int64(a.count)),
                (full ? "elements" : "first"): .array((0 ..< shown).compactMap { a[$0].map { json($0, full: full) } }),
            ]
        default:
            return value.int.map { .integer(Int64($0)) } ?? .null
        }
    }

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell inspect: \(message)\n\(helpText)\n".utf8))
        return 2
    }
}
