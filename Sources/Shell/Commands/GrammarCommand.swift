import Engine
import Foundation
import GGUF
import Grammar
import Schema

/// `toolshell grammar check (--schema F | --json-object | --regex R | --gbnf F | --structural-tag F | --choice 'a|b')
/// --model M INSTANCE...`: tokenizes each instance with the model's tokenizer and walks the
/// grammar matcher token by token, one JSON line per instance.
enum GrammarCommand: Subcommand {
    static let name = "grammar"
    static let summary = "check files against a constraint token by token: grammar check (--schema F|--json-object|--regex R|--gbnf F|--structural-tag F|--choice 'a|b') --model M FILE..."

    static let helpText = """
    usage: toolshell grammar check CONSTRAINT --model M INSTANCE...

    CONSTRAINT is one of
      --schema FILE           a JSON Schema (JSON file)
      --json-object           any JSON object (OpenAI's response_format json_object)
      --regex PATTERN         an ECMAScript regular expression (whole output)
      --gbnf FILE             a GBNF grammar (llama.cpp's format; start rule `root`)
      --structural-tag FILE   a structural tag (xgrammar's JSON)
      --choice 'a|b|c'        exactly one of the options
    with, for JSON,
    \(ConstraintFlags.layoutHelp)

    Each INSTANCE file is tokenized with the model's tokenizer (special-token texts parsed)
    and fed to the grammar matcher token by token; every token is also checked against the
    matcher's mask. Prints {"file","accepted","rejected_at_token"} per instance
    (rejected_at_token = the token count when the text ends before the grammar does).
    Exit status: 0 all accepted, 1 some rejected, 2 the constraint is unsupported or bad.
    """

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.first == "check" else {
            if arguments.first == "--help" || arguments.first == "-h" { print(helpText); return 0 }
            return EngineCLI.fail(name, "expected 'check' (see 'toolshell grammar --help')", code: 2)
        }
        var spec: ConstraintSpec?
        var layout = JSONLayout()
        var model: String?
        var files: [String] = []
        var i = 1
        do {
            while i < arguments.count {
                let a = arguments[i]
                if let s = try ConstraintFlags.parse(arguments, &i) {
                    guard spec == nil else { throw EngineCLI.UsageError(message: "give one constraint") }
                    spec = s
                } else if try ConstraintFlags.parseLayout(arguments, &i, into: &layout) {
                    // a JSON layout flag
                } else if a == "--model" || a == "-m" {
                    model = try EngineCLI.value(arguments, &i, a)
                } else if a == "--help" || a == "-h" {
                    print(helpText)
                    return 0
                } else if a.hasPrefix("--") {
                    throw EngineCLI.UsageError(message: "unknown option '\(a)'")
                } else {
                    files.append(a)
                }
                i += 1
            }
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(name, "\(error.message) (see 'toolshell grammar --help')", code: 2)
        } catch let error as ShellError {
            return EngineCLI.fail(name, error.humanText, code: 2)
        } catch {
            return EngineCLI.fail(name, "\(error)", code: 2)
        }
        guard let spec else { return EngineCLI.fail(name, "a constraint is required (see 'toolshell grammar --help')", code: 2) }
        guard let model else { return EngineCLI.fail(name, "--model is required", code: 2) }
        guard !files.isEmpty else { return EngineCLI.fail(name, "give at least one instance file", code: 2) }

        let tokenizer: GGUFTokenizer
        do {
            tokenizer = try GGUFTokenizer(file: GGUFFile(path: ModelPaths.resolve(model)))
        } catch {
            return EngineCLI.fail(name, "cannot load the tokenizer of \(model): \(error)", code: 2)
        }
        let vocabulary = GrammarVocabularies.make(tokenizer)
        let compiled: CompiledGrammar
        do {
            let grammar = try ConstraintGrammar.grammar(for: spec, specialTokens: ConstraintCompiler.specialTexts(spec, vocabulary), json: layout.options(for: spec))
            compiled = try CompiledGrammar(grammar, vocabulary: vocabulary)
        } catch let error as ShellError {
            return EngineCLI.fail(name, error.humanText, code: 2)
        } catch {
            return EngineCLI.fail(name, "\(error)", code: 2)
        }
        var allAccepted = true
        var mask = [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32)
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                return EngineCLI.fail(name, "cannot read \(file)", code: 2)
            }
            let text = String(decoding: data, as: UTF8.self)
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            let matcher = GrammarMatcher(compiled)
            var rejectedAt: Int?
            var maskMismatch: Int?
            for (k, id) in ids.enumerated() {
                for w in mask.indices { mask[w] = 0 }
                matcher.fillMask(&mask)
                let inMask = mask[Int(id) >> 5] & (1 << UInt32(id & 31)) != 0
                let ok = matcher.accept(token: id)
                if ok != inMask && maskMismatch == nil { maskMismatch = k }
                if !ok { rejectedAt = k; break }
            }
            if rejectedAt == nil && !matcher.isAccepting { rejectedAt = ids.count }
            if let e = matcher.error { FileHandle.standardError.write(Data("toolshell grammar: \(file): \(e)\n".utf8)) }
            var fields: [(String, JSONValue)] = [("file", .string(file)), ("accepted", .bool(rejectedAt == nil)),
                                                 ("rejected_at_token", rejectedAt.map { .integer(Int64($0)) } ?? .null)]
            if let maskMismatch { fields.append(("mask_mismatch_at_token", .integer(Int64(maskMismatch)))) }
            print(JSONValue.object(JSONObject(fields)).jsonString(.compact))
            if rejectedAt != nil { allAccepted = false }
        }
        return allAccepted ? 0 : 1
    }
}

/// The constraint options shared by `grammar check`, `bench mask` and `complete`.
enum ConstraintFlags {
    static let help = "--schema F | --json-object | --regex R | --grammar/--gbnf F | --structural-tag F | --choice 'a|b'"

    /// Help lines for the JSON layout flags.
    static let layoutHelp = """
      --whitespace auto|compact|flexible[:N]
                              whitespace between JSON tokens: none (compact), or runs of at most N
                              (default 20); auto (the default) is compact for --schema and
                              --json-object, flexible for the JSON inside structural tags
      --any-order             an object's declared properties in any order
      --strict-properties     objects take only declared properties unless the schema allows more
    """

    /// Parses the JSON layout option at `arguments[i]` into `options` (advancing past its value);
    /// false when `arguments[i]` is not one.
    static func parseLayout(_ arguments: [String], _ i: inout Int, into options: inout JSONLayout) throws -> Bool {
        switch arguments[i] {
        case "--whitespace": options.whitespace = try JSONLayout.whitespace(try EngineCLI.value(arguments, &i, "--whitespace"))
        case "--any-order": options.propertyOrder = .any
        case "--strict-properties": options.strictAdditionalProperties = true
        default: return false
        }
        return true
    }

    /// Parses the constraint option at `arguments[i]` (advancing past its value); nil when
    /// `arguments[i]` is not a constraint option.
    static func parse(_ arguments: [String], _ i: inout Int) throws -> ConstraintSpec? {
        let a = arguments[i]
        switch a {
        case "--schema", "--structural-tag":
            let path = try EngineCLI.value(arguments, &i, a)
            let json = try readJSON(path)
            return a == "--schema" ? .schema(json) : .structuralTag(json)
        case "--json-object":
            return .jsonObject
        case "--regex":
            return .regex(try EngineCLI.value(arguments, &i, a))
        case "--gbnf", "--grammar":
            let path = try EngineCLI.value(arguments, &i, a)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ShellError(.input, "cannot read the grammar file \(path)")
            }
            return .gbnf(String(decoding: data, as: UTF8.self), path: path)
        case "--choice":
            let options = try EngineCLI.value(arguments, &i, a).components(separatedBy: "|")
            guard !options.contains(where: \.isEmpty) else {
                throw EngineCLI.UsageError(message: "--choice needs non-empty options separated by |")
            }
            return .choice(options)
        default:
            return nil
        }
    }

    static func readJSON(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShellError(.input, "cannot read \(path)")
        }
        do { return try JSONValue.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw ShellError(.input, "\(path): \(error)", fix: "check the JSON syntax")
        }
    }
}
