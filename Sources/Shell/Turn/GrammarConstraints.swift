import Engine
import Foundation
import Grammar
import Schema

/// What a constraint is built from, for the CLI flags and the shell commands alike.
enum ConstraintSpec: Sendable {
    case schema(JSONValue)
    case regex(String)
    case choice([String])
    /// GBNF text and the file it came from (for error messages).
    case gbnf(String, path: String)
    /// A structural tag in xgrammar's JSON.
    case structuralTag(JSONValue)
    /// Any JSON object (OpenAI's `response_format: {"type": "json_object"}`).
    case jsonObject

    init(_ constraint: OutputConstraint) {
        switch constraint {
        case .schema(let s): self = .schema(s)
        case .regex(let r): self = .regex(r)
        case .choice(let c): self = .choice(c)
        case .grammar(let text, let path): self = .gbnf(text, path: path)
        }
    }

    /// A key that identifies the compiled grammar (for reuse across turns).
    var cacheKey: String {
        switch self {
        case .schema(let s): return "schema:" + s.jsonString(.compact)
        case .regex(let r): return "regex:" + r
        case .choice(let c): return "choice:" + c.joined(separator: "\u{0}")
        case .gbnf(let text, _): return "gbnf:" + text
        case .structuralTag(let t): return "tag:" + t.jsonString(.compact)
        case .jsonObject: return "json-object"
        }
    }
}

/// How every JSON constraint (a schema, json-object, the arguments of a structural tag's
/// calls) is laid out: one policy, set by the CLI flags `--whitespace auto|compact|flexible[:N]`,
/// `--any-order`, `--strict-properties` or the shell's `/set json_*` keys. Whitespace `auto`
/// (the default) is compact (`{"a":1}`) for documents (`--schema`, `--json-object`) and
/// flexible for the JSON inside structural tags, the arguments of tool calls: chat templates
/// write those as `{"city": "Paris"}`, the layout the model was trained on, so forcing compact
/// text there would push it off its own spelling. (xgrammar's structural tags take any
/// whitespace too; a format's own `max_whitespace_cnt` still decides for its content.)
struct JSONLayout: Equatable {
    /// The longest whitespace run between two JSON tokens under `flexible` without a count.
    static let defaultMaxWhitespace = 20

    /// nil: auto (compact for documents, flexible up to `autoMaxRun` inside structural tags).
    var whitespace: JSONSchemaGrammarOptions.Whitespace?
    /// The longest whitespace run `auto` allows inside structural tags.
    var autoMaxRun = JSONLayout.defaultMaxWhitespace
    var propertyOrder: JSONSchemaGrammarOptions.PropertyOrder = .declared
    var strictAdditionalProperties = false

    /// The grammar options for `spec`: `auto` resolved by the kind of constraint.
    func options(for spec: ConstraintSpec) -> JSONSchemaGrammarOptions {
        let ws: JSONSchemaGrammarOptions.Whitespace
        if let whitespace {
            ws = whitespace
        } else if case .structuralTag = spec {
            ws = .flexible(maxRun: autoMaxRun)
        } else {
            ws = .compact
        }
        return JSONSchemaGrammarOptions(whitespace: ws, propertyOrder: propertyOrder,
                                        strictAdditionalProperties: strictAdditionalProperties)
    }

    /// Parses `auto` (nil), `compact`, `flexible` or `flexible:N`.
    static func whitespace(_ word: String) throws(ShellError) -> JSONSchemaGrammarOptions.Whitespace? {
        if word == "auto" { return nil }
        if word == "compact" { return .compact }
        if word == "flexible" { return .flexible(maxRun: defaultMaxWhitespace) }
        if word.hasPrefix("flexible:"), let n = Int(word.dropFirst("flexible:".count)), (0...1000).contains(n) {
            return .flexible(maxRun: n)
        }
        throw ShellError(.usage, "unknown whitespace '\(word)'",
                         fix: "use auto, compact, flexible or flexible:N (N: the longest whitespace run, 0…1000)")
    }

    /// The word `whitespace(_:)` reads back.
    static func word(_ w: JSONSchemaGrammarOptions.Whitespace) -> String {
        switch w {
        case .compact: return "compact"
        case .flexible(let n): return "flexible:\(n)"
        }
    }

    /// The layout the shell's `/set json_*` keys give.
    init(_ settings: Settings) {
        let max = settings.int("json_whitespace_max") ?? Self.defaultMaxWhitespace
        switch settings.string("json_whitespace") {
        case "flexible": whitespace = .flexible(maxRun: max)
        case "compact": whitespace = .compact
        default: whitespace = nil
        }
        autoMaxRun = max
        propertyOrder = settings.string("json_property_order") == "any" ? .any : .declared
        strictAdditionalProperties = settings.bool("json_strict_properties")
    }

    /// The default layout (whitespace auto, declared order, additional properties allowed).
    init() {}

    /// A text that tells option sets apart (for grammar reuse).
    static func key(_ o: JSONSchemaGrammarOptions) -> String {
        "\(word(o.whitespace)),\(o.propertyOrder == .any ? "any" : "declared"),\(o.strictAdditionalProperties ? "strict" : "open")"
    }

    /// The command-line flags that give `o` (for a reference run of the same constraint).
    static func flags(_ o: JSONSchemaGrammarOptions) -> [String] {
        var out = ["--whitespace", word(o.whitespace)]
        if o.propertyOrder == .any { out.append("--any-order") }
        if o.strictAdditionalProperties { out.append("--strict-properties") }
        return out
    }
}

/// The one place where a constraint becomes grammar IR: every input compiler is dispatched
/// from `grammar(for:)`.
enum ConstraintGrammar {
    /// The grammar for `spec`; errors name the place in the input and the fix.
    /// `specialTokens`: texts of the vocabulary's special tokens (structural-tag markers that
    /// are one of them must be that token). `json`: the layout of JSON constraints.
    static func grammar(for spec: ConstraintSpec, specialTokens: Set<String> = [],
                        json: JSONSchemaGrammarOptions = .init()) throws(ShellError) -> Grammar {
        switch spec {
        case .choice(let options):
            guard !options.isEmpty else { throw ShellError(.usage, "a choice needs at least one option", fix: "give options separated by |, e.g. yes|no") }
            return BuiltinGrammars.choice(options)
        case .gbnf(let text, let path):
            do { return try GBNF.parse(text) } catch {
                throw ShellError(.input, "\(path):\(error.line):\(error.column): \(error.message)", fix: error.fix)
            }
        case .regex(let pattern):
            do { return try RegexGrammar.compile(pattern) } catch {
                throw ShellError(.input, "regular expression '\(pattern)': \(error)", fix: "rewrite the pattern without the construct named")
            }
        case .schema(let schema):
            do { return try JSONSchemaGrammar.compile(schema, options: json) } catch let e as JSONSchemaGrammarError {
                throw ShellError(.input, "schema \(e.pointer.isEmpty ? "(root)" : e.pointer): keyword '\(e.keyword)' cannot be enforced exactly: \(e.message)",
                                 fix: "drop or rewrite '\(e.keyword)' at \(e.pointer.isEmpty ? "(root)" : e.pointer)")
            } catch {
                throw ShellError(.input, "schema: \(error)", fix: "check the schema")
            }
        case .jsonObject:
            switch json.whitespace {
            case .compact: return BuiltinGrammars.json(objectOnly: true, maxWhitespace: 0)
            case .flexible(let n): return BuiltinGrammars.json(objectOnly: true, maxWhitespace: n)
            }
        case .structuralTag(let tag):
            do { return try StructuralTagGrammar.compile(tag, specialTokens: specialTokens, schemaOptions: json) } catch let e as StructuralTagError {
                throw ShellError(.input, "structural tag \(e.path.isEmpty ? "(root)" : e.path): \(e.message)",
                                 fix: "change the format at \(e.path.isEmpty ? "(root)" : e.path)")
            } catch {
                throw ShellError(.input, "structural tag: \(error)", fix: "check the structural tag")
            }
        }
    }
}

/// Vocabularies for the matcher, built once per tokenizer file (the trie of a 150k-token
/// vocabulary takes a moment).
final class GrammarVocabularies: @unchecked Sendable {
    static let shared = GrammarVocabularies()
    private let lock = NSLock()
    private var byKey: [String: TokenVocabulary] = [:]

    /// The matcher's view of `tokenizer`: control, unknown and unused tokens are special (never
    /// spelled as text); the tokenizer's end-of-generation ids end generation.
    func vocabulary(for tokenizer: any Tokenizer, key: String) -> TokenVocabulary {
        lock.lock()
        defer { lock.unlock() }
        if let v = byKey[key] { return v }
        let v = Self.make(tokenizer)
        byKey[key] = v
        return v
    }

    static func make(_ tokenizer: any Tokenizer) -> TokenVocabulary {
        let bytes = tokenizer.vocabularyBytes
        var special = Set<Int32>()
        for i in bytes.indices {
            switch tokenizer.tokenKind(Int32(i)) {
            case .control, .unknown, .unused, .undefined: special.insert(Int32(i))
            case .normal, .userDefined, .byte: break
            }
        }
        return TokenVocabulary(tokens: bytes, special: special, endOfGeneration: tokenizer.eogIDs)
    }
}

/// The grammar matcher as the Engine's generation-loop constraint.
final class GrammarTokenConstraint: TokenConstraint {
    let matcher: GrammarMatcher

    init(_ matcher: GrammarMatcher) { self.matcher = matcher }

    func fillAllowedTokens(_ mask: inout [UInt32]) { matcher.fillMask(&mask) }
    func accept(token: Int32) -> Bool { matcher.accept(token: token) }
    func rollback(_ n: Int) { matcher.rollback(n) }
    var isAccepting: Bool { matcher.isAccepting }
    var isTerminated: Bool { matcher.isTerminated }
    func forcedBytes() -> [UInt8] { matcher.forcedBytes() }
}

/// Compiles constraints against a vocabulary, keeping the last few compiled grammars (and
/// their mask caches) for the next turn.
final class ConstraintCompiler {
    /// The special-token texts a structural tag's markers may stand for (none for other constraints).
    static func specialTexts(_ spec: ConstraintSpec, _ vocabulary: TokenVocabulary) -> Set<String> {
        guard case .structuralTag = spec else { return [] }
        return Set(vocabulary.specialIDs.map { String(decoding: vocabulary.tokenBytes[Int($0)], as: UTF8.self) })
    }

    private var recent: [(key: String, compiled: CompiledGrammar)] = []

    /// A fresh matcher for `spec` over `vocabulary`, JSON laid out as `json` says.
    func matcher(for spec: ConstraintSpec, vocabulary: TokenVocabulary,
                 json: JSONSchemaGrammarOptions = .init()) throws(ShellError) -> GrammarMatcher {
        let key = spec.cacheKey + "\u{0}" + JSONLayout.key(json)
        if let hit = recent.first(where: { $0.key == key && $0.compiled.vocabulary === vocabulary }) {
            return GrammarMatcher(hit.compiled)
        }
        let grammar = try ConstraintGrammar.grammar(for: spec, specialTokens: Self.specialTexts(spec, vocabulary), json: json)
        let compiled: CompiledGrammar
        do { compiled = try CompiledGrammar(grammar, vocabulary: vocabulary) } catch {
            throw ShellError(.input, "the constraint cannot be used: \(error)")
        }
        recent.insert((key, compiled), at: 0)
        if recent.count > 4 { recent.removeLast() }
        return GrammarMatcher(compiled)
    }
}

extension EngineModel {
    /// Installs the grammar-matcher constraint factory: the active /schema, /regex, /choice or
    /// /grammar constraint, or, when a tool call is forced, the active parser's structural tag.
    func installGrammarConstraints() {
        let compiler = ConstraintCompiler()
        let vocabularyKey = path
        constraintFactory = { request, model throws(ShellError) in
            let vocabulary = GrammarVocabularies.shared.vocabulary(for: model.tokenizer, key: vocabularyKey)
            // A forced call (/tool-choice required or NAME) is generated under the parser's structural
            // tag: the reply starts with the call marker, the arguments follow the tool's schema, and
            // after the call(s) the model may end.
            if request.forceToolCall, let tag = request.structuralTag {
                return GrammarTokenConstraint(try compiler.matcher(for: .structuralTag(tag), vocabulary: vocabulary,
                                                                   json: JSONLayout(request.settings).options(for: .structuralTag(tag))))
            }
            guard let constraint = request.constraint else { return nil }
            let spec = ConstraintSpec(constraint)
            return GrammarTokenConstraint(try compiler.matcher(for: spec, vocabulary: vocabulary,
                                                               json: JSONLayout(request.settings).options(for: spec)))
        }
    }
}
