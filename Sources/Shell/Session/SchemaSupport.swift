import Foundation
import Schema

extension ShellSession {
    /// Checks that a value can be a JSON Schema (an object or a boolean whose `type` names JSON types).
    func checkSchema(_ schema: JSONValue, place: String) throws(ShellError) {
        switch schema {
        case .bool: return
        case .object(let object):
            let types = ["null", "boolean", "object", "array", "number", "string", "integer"]
            if let type = object["type"] {
                let names = type.arrayValue?.map(\.stringValue) ?? [type.stringValue]
                for name in names where !(name.map(types.contains) ?? false) {
                    throw ShellError(.input, "\(place): /type must name JSON types (\(types.joined(separator: ", "))), not \(type.jsonString(.compact))")
                }
            }
        default:
            throw ShellError(.input, "\(place): a schema must be a JSON object or a boolean, not \(schema.typeName)")
        }
    }

    /// A schema from the schema DSL.
    func schemaFromDSL(_ text: String) throws(ShellError) -> JSONValue {
        throw ShellError(.input, "'\(text)' is neither JSON nor an existing file",
                         fix: "give a JSON Schema inline ({…}) or the path of a .json file")
    }

    /// An OpenAI tool from a name and the schema DSL.
    func toolFromDSL(name: String, dsl: String) throws(ShellError) -> JSONValue {
        throw ShellError(.input, "'\(name)' is neither JSON nor an existing file",
                         fix: "give the tool as JSON ({\"type\":\"function\",\"function\":{…}}) or a .json file")
    }

    /// Checks a GBNF grammar before it becomes the constraint.
    func checkGrammar(_ text: String, path: String) throws(ShellError) {
        guard text.contains("::=") else {
            throw ShellError(.input, "\(path) has no rules (expected lines like `root ::= …`)")
        }
    }
}
