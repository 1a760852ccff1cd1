import Grammar
import Foundation
import Schema

extension ShellSession {
    /// Checks that a value can be a JSON Schema: objects or booleans all the way down, and
    /// every `type` names JSON types. Errors name the JSON pointer of the offending keyword.
    func checkSchema(_ schema: JSONValue, place: String, pointer: String = "") throws(ShellError) {
        switch schema {
        case .bool: return
        case .object(let object):
            let types = ["null", "boolean", "object", "array", "number", "string", "integer"]
            if let type = object["type"] {
                let names = type.arrayValue?.map(\.stringValue) ?? [type.stringValue]
                for name in names where !(name.map(types.contains) ?? false) {
                    throw ShellError(.input, "\(place): \(pointer)/type must name JSON types (\(types.joined(separator: ", "))), not \(type.jsonString(.compact))")
                }
            }
            for key in ["items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
                        "unevaluatedItems", "unevaluatedProperties", "additionalItems"] {
                if let sub = object[key], sub.arrayValue == nil { try checkSchema(sub, place: place, pointer: "\(pointer)/\(key)") }
            }
            for key in ["allOf", "anyOf", "oneOf", "prefixItems", "items"] {
                for (i, sub) in (object[key]?.arrayValue ?? []).enumerated() {
                    try checkSchema(sub, place: place, pointer: "\(pointer)/\(key)/\(i)")
                }
            }
            for key in ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] {
                guard let members = object[key] else { continue }
                guard let map = members.objectValue else {
                    throw ShellError(.input, "\(place): \(pointer)/\(key) must be an object of schemas")
                }
                for (name, sub) in map { try checkSchema(sub, place: place, pointer: "\(pointer)/\(key)/\(name)") }
            }
        default:
            throw ShellError(.input, "\(place): \(pointer.isEmpty ? "a schema" : pointer) must be a JSON object or a boolean, not \(schema.typeName)")
        }
    }

    /// A schema from the schema DSL (`name, age int, bio: a short bio`).
    func schemaFromDSL(_ text: String) throws(ShellError) -> JSONValue {
        do {
            return try SchemaDSL.parse(text)
        } catch {
            throw ShellError(.input, "'\(text)' is not JSON, an existing file, or the schema DSL: at \(error.line):\(error.column): \(error.message)",
                             fix: "the DSL is `name, age int, score float: description` (types str, int, float, bool)")
        }
    }

    /// An OpenAI tool from a name and the schema DSL for its parameters.
    func toolFromDSL(name: String, dsl: String) throws(ShellError) -> JSONValue {
        ["type": "function", "function": ["name": .string(name), "parameters": try schemaFromDSL(dsl)]]
    }

    /// A compiled validator, or an input error naming the schema pointer.
    func compileSchema(_ schema: JSONValue, place: String) throws(ShellError) -> SchemaValidator {
        try checkSchema(schema, place: place)
        do {
            return try SchemaValidator(schema: schema)
        } catch {
            throw ShellError(.input, "\(place): \(error.description)", fix: "fix the schema at that pointer")
        }
    }

    /// Validation errors as one line each: `/pointer: message`.
    static func describe(_ errors: [SchemaValidationError]) -> String {
        errors.prefix(5).map { "\($0.instancePointer.isEmpty ? "/" : $0.instancePointer): \($0.message)" }
            .joined(separator: "; ") + (errors.count > 5 ? "; … (\(errors.count) errors)" : "")
    }

    /// Checks a GBNF grammar before it becomes the constraint.
    func checkGrammar(_ text: String, path: String) throws(ShellError) {
        let grammar = try ConstraintGrammar.grammar(for: .gbnf(text, path: path))
        do { _ = try PushdownAutomaton(grammar) } catch {
            throw ShellError(.input, "\(path): \(error)")
        }
    }
}
