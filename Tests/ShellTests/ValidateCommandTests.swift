import Foundation
import Testing
@testable import Shell
import Schema

/// `toolshell validate`: exit codes 0 / 1 / 2.
@Suite struct ValidateCommandTests {
    func write(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolshell-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func exitCodes() throws {
        let dir = try write([
            "schema.json": #"{"type": "object", "properties": {"a": {"type": "integer", "maximum": 3}, "d": {"format": "date"}}, "required": ["a"]}"#,
            "valid.json": #"{"a": 2, "d": "not a date"}"#,
            "invalid.json": #"{"a": 5}"#,
            "broken.json": "{\"a\": \n tru}",
            "badschema.json": "{\n \"properties\": {\"b\": {\"$ref\": \"#/$defs/none\"}}}",
            "cyclic.json": ##"{"$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}}, "$ref": "#/$defs/x"}"##,
            "draft7.json": ##"{"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 1}"##,
            "str.json": #""long""#,
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ args: String...) -> Int32 {
            ValidateCommand.run(args.map { $0.hasSuffix(".json") ? dir.appendingPathComponent($0).path : $0 })
        }
        #expect(run("--schema", "schema.json", "valid.json") == 0)
        #expect(run("--schema", "schema.json", "invalid.json") == 1)
        #expect(run("--schema", "schema.json", "valid.json", "invalid.json") == 1)
        #expect(run("--schema", "schema.json", "--format-assertion", "valid.json") == 1)
        #expect(run("--schema", "schema.json", "broken.json") == 2)
        #expect(run("--schema", "badschema.json", "valid.json") == 2)
        #expect(run("--schema", "cyclic.json", "valid.json") == 2)
        #expect(run("--schema", "missing.json", "valid.json") == 2)
        #expect(run("--schema", "draft7.json", "--draft", "7", "str.json") == 0)
        #expect(run("--schema", "draft7.json", "--draft", "2020-12", "str.json") == 1)
        #expect(run("--schema", "schema.json", "--draft", "5", "valid.json") == 2)
        #expect(run("valid.json") == 2)
    }

    @Test func schemaProblemsAreLocatedByLineAndColumn() throws {
        let text = "{\n \"properties\": {\"b\": {\"$ref\": \"#/$defs/none\"}}}"
        let position = try #require(Schema.JSONSourceLocator.position(of: "/properties/b/$ref", in: text))
        #expect(position.line == 2)
        #expect(position.column == 23)  // the `"$ref"` key
    }
}
