import Foundation
import Schema

extension CommandTable {
    /// /schema, /regex, /choice, /grammar, /constraint.
    static let constraintCommands: [CommandSpec] = [
        CommandSpec(
            name: "/schema", usage: ["/schema FILE|JSON|DSL"], summary: "constrain replies to JSON valid against a schema",
            details: "A JSON Schema (inline or a file), or the schema DSL (e.g. /schema name, age int, tags: list of tags). /schema {\"type\": \"object\"} allows any JSON object (OpenAI's json_object mode; `complete --json-object`).",
            completion: .files,
            run: { session, input throws(ShellError) in
                session.constraint = .schema(try session.schemaArgument(input.rest, what: "the schema"))
            }),
        CommandSpec(
            name: "/regex", usage: ["/regex PATTERN"], summary: "constrain replies to match a regular expression",
            details: "The pattern is the rest of the line, taken literally (no quoting needed).", completion: .none,
            run: { session, input throws(ShellError) in
                let pattern = input.rest.trimmingCharacters(in: .whitespaces)
                guard !pattern.isEmpty else { throw ShellError(.usage, "/regex needs a pattern") }
                _ = try ConstraintGrammar.grammar(for: .regex(pattern))
                session.constraint = .regex(pattern)
            }),
        CommandSpec(
            name: "/choice", usage: ["/choice A|B|C"], summary: "constrain replies to exactly one of the given strings",
            details: "", completion: .none,
            run: { session, input throws(ShellError) in
                let options = input.rest.trimmingCharacters(in: .whitespaces).components(separatedBy: "|")
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard options.count >= 1, !options.contains(where: \.isEmpty) else {
                    throw ShellError(.usage, "/choice needs non-empty options separated by |", fix: "/choice yes|no|maybe")
                }
                session.constraint = .choice(options)
            }),
        CommandSpec(
            name: "/grammar", usage: ["/grammar FILE"], summary: "constrain replies with a GBNF grammar file",
            details: "llama.cpp's GBNF: rules `name ::= …`, the start rule is `root`.", completion: .files,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard words.count == 1, let path = words.first else { throw ShellError(.usage, "/grammar takes one file") }
                let text = try session.readFile(path)
                try session.checkGrammar(text, path: session.resolvePath(path))
                session.constraint = .grammar(text, path: session.resolvePath(path))
            }),
        CommandSpec(
            name: "/constraint", usage: ["/constraint off", "/constraint"], summary: "drop the active constraint (or show it)",
            details: "", completion: .words(["off"]),
            run: { session, input throws(ShellError) in
                switch input.rest.trimmingCharacters(in: .whitespaces) {
                case "": session.info("/constraint", session.constraint?.summary ?? "no constraint")
                case "off": session.constraint = nil
                case let other: throw ShellError(.usage, "/constraint takes off, not '\(other)'")
                }
            }),
    ]
}

extension ShellSession {
    /// A schema given inline as JSON, as a file, or in the schema DSL; checked before use.
    func schemaArgument(_ text: String, what: String) throws(ShellError) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ShellError(.usage, "\(what): expected a file, JSON, or the schema DSL") }
        let schema: JSONValue
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") || trimmed == "true" || trimmed == "false" {
            schema = try parseJSON(trimmed, what: what)
        } else if let first = try? ArgumentLexer.split(trimmed), first.count == 1,
                  FileManager.default.fileExists(atPath: resolvePath(first[0])) {
            schema = try parseJSON(try readFile(first[0]), what: resolvePath(first[0]))
        } else if trimmed.hasSuffix(".json") && !trimmed.contains(" ") {
            _ = try readFile(trimmed)  // a missing schema file: the error names the path
            return .null
        } else {
            schema = try schemaFromDSL(trimmed)
        }
        _ = try compileSchema(schema, place: what)
        return schema
    }
}
