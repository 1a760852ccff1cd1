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

/// The one place where a constraint becomes grammar IR: every input compiler is dispatched
/// from `grammar(for:)`.
enum ConstraintGrammar {
    /// The grammar for `spec`; errors name the place in the input and the fix.
    /// `specialTokens`: texts of the vocabulary's special tokens (structural-tag markers that
    /// are one of them must be that token).
    static func grammar(for spec: ConstraintSpec, specialTokens: Set<String> = []) throws(ShellError) -> Grammar {
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
            do { return try JSONSchemaGrammar.compile(schema) } catch let e as JSONSchemaGrammarError {
                throw ShellError(.input, "schema \(e.pointer.isEmpty ? "(root)" : e.pointer): keyword '\(e.keyword)' cannot be enforced exactly: \(e.message)",
                                 fix: "drop or rewrite '\(e.keyword)' at \(e.pointer.isEmpty ? "(root)" : e.pointer)")
            } catch {
                throw ShellError(.input, "schema: \(error)", fix: "check the schema")
            }
        case .jsonObject:
            return BuiltinGrammars.json(objectOnly: true)
        case .structuralTag(let tag):
            do { return try StructuralTagGrammar.compile(tag, specialTokens: specialTokens) } catch let e as StructuralTagError {
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
    private var recent: [(key: String, compiled: CompiledGrammar)] = []

    /// A fresh matcher for `spec` over `vocabulary`.
    func matcher(for spec: ConstraintSpec, vocabulary: TokenVocabulary) throws(ShellError) -> GrammarMatcher {
        let key = spec.cacheKey
        if let hit = recent.first(where: { $0.key == key && $0.compiled.vocabulary === vocabulary }) {
            return GrammarMatcher(hit.compiled)
        }
        var specials: Set<String> = []
        if case .structuralTag = spec {
            specials = Set(vocabulary.specialIDs.map { String(decoding: vocabulary.tokenBytes[Int($0)], as: UTF8.self) })
        }
        let grammar = try ConstraintGrammar.grammar(for: spec, specialTokens: specials)
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
                return GrammarTokenConstraint(try compiler.matcher(for: .structuralTag(tag), vocabulary: vocabulary))
            }
            guard let constraint = request.constraint else { return nil }
            return GrammarTokenConstraint(try compiler.matcher(for: ConstraintSpec(constraint), vocabulary: vocabulary))
        }
    }
}
