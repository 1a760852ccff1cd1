import Foundation
import Schema

/// `toolshell validate --schema SCHEMA.json INSTANCE.json... [--draft 7|2020-12] [--format-assertion]`:
/// exit 0 when every instance is valid, 1 when one is not (each error with its instance and
/// schema pointers), 2 when the schema or an input cannot be read (with file:line:column).
enum ValidateCommand: Subcommand {
    static let name = "validate"
    static let summary = "validate JSON files against a JSON Schema: validate --schema S.json I.json [--draft 7|2020-12] [--format-assertion]"

    static let usage = """
    usage: toolshell validate --schema SCHEMA.json INSTANCE.json... [--draft 7|2020-12] [--format-assertion]
      exit 0: every instance is valid; 1: an instance is invalid; 2: bad schema, bad input or bad usage
    """

    static func run(_ arguments: [String]) -> Int32 {
        var schemaPath: String?
        var instances: [String] = []
        var draft: SchemaDraft?
        var formatAssertion = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--schema", "--draft":
                guard i + 1 < arguments.count else { return usageError("\(a) needs a value") }
                i += 1
                if a == "--schema" {
                    schemaPath = arguments[i]
                } else {
                    guard let d = SchemaDraft(rawValue: arguments[i]) else {
                        return usageError("unknown draft '\(arguments[i])'; use 7 or 2020-12")
                    }
                    draft = d
                }
            case "--format-assertion": formatAssertion = true
            case "--help", "-h":
                print(usage)
                return 0
            default:
                if a.hasPrefix("--") { return usageError("unknown option '\(a)'") }
                instances.append(a)
            }
            i += 1
        }
        guard let schemaPath else { return usageError("--schema SCHEMA.json is required") }
        guard !instances.isEmpty else { return usageError("give at least one INSTANCE.json") }

        guard let (schemaText, schema) = readJSON(schemaPath) else { return 2 }
        let validator: SchemaValidator
        do {
            validator = try SchemaValidator(schema: schema, draft: draft, formatAssertion: formatAssertion,
                                            loader: { uri in localDocument(uri, relativeTo: schemaPath) })
        } catch {
            let place = JSONSourceLocator.position(of: error.pointer, in: schemaText)
                .map { "\(schemaPath):\($0.line):\($0.column)" } ?? schemaPath
            reportError("\(place): bad schema at \(error.pointer.isEmpty ? "(root)" : error.pointer): \(error.message)")
            return 2
        }

        var status: Int32 = 0
        for path in instances {
            guard let (_, instance) = readJSON(path) else { status = 2; continue }
            let errors = validator.validate(instance)
            if let defect = errors.first(where: \.isSchemaDefect) {
                let place = JSONSourceLocator.position(of: schemaLocation(defect.schemaPointer), in: schemaText)
                    .map { "\(schemaPath):\($0.line):\($0.column)" } ?? schemaPath
                reportError("\(place): bad schema: \(defect.message) (at \(defect.schemaPointer))")
                return 2
            }
            if errors.isEmpty {
                print("\(path): valid")
            } else {
                if status == 0 { status = 1 }
                print("\(path): invalid, \(errors.count) error\(errors.count == 1 ? "" : "s")")
                for e in errors {
                    print("  \(e.instancePointer.isEmpty ? "/" : e.instancePointer): \(e.message) [schema \(e.schemaPointer.isEmpty ? "/" : e.schemaPointer)]")
                }
            }
        }
        return status
    }

    /// The schema pointer up to its first `$ref` step (where the evaluation path leaves the document text).
    static func schemaLocation(_ pointer: String) -> String {
        guard let tokens = JSONPointer.tokens(pointer) else { return "" }
        var kept: [String] = []
        for t in tokens {
            kept.append(t)
            if t == "$ref" || t == "$dynamicRef" { break }
        }
        return JSONPointer.string(kept)
    }

    /// A `$ref` to a relative file next to the schema (file: URIs and plain paths).
    static func localDocument(_ uri: String, relativeTo schemaPath: String) -> JSONValue? {
        var path = uri
        if path.hasPrefix("file://") { path = String(path.dropFirst(7)) }
        guard !path.contains("://"), !path.hasPrefix("urn:") else { return nil }
        if !path.hasPrefix("/") {
            path = (schemaPath as NSString).deletingLastPathComponent + "/" + path
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONValue.parse(bytes: Array(data))
    }

    static func readJSON(_ path: String) -> (String, JSONValue)? {
        guard let data = FileManager.default.contents(atPath: path) else {
            reportError("\(path): cannot read the file; check the path")
            return nil
        }
        let bytes = Array(data)
        do {
            let value = try JSONValue.parse(bytes: bytes)
            return (String(decoding: bytes, as: UTF8.self), value)
        } catch {
            reportError("\(path):\(error.line):\(error.column): \(error.message) (\(error.hint))")
            return nil
        }
    }

    static func reportError(_ message: String) {
        FileHandle.standardError.write(Data("toolshell validate: \(message)\n".utf8))
    }

    static func usageError(_ message: String) -> Int32 {
        reportError("\(message)\n\(usage)")
        return 2
    }
}
