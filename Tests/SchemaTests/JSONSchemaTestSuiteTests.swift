import Foundation
import Testing
@testable import Schema

/// Runs the official JSON-Schema-Test-Suite (Tests/Fixtures/schema/json-schema-test-suite,
/// required tests only: optional/ is not copied) and asserts ≥ 98 % per draft.
@Suite struct JSONSchemaTestSuiteTests {
    /// Tests not expected to pass, with the reason for each: "file: case description: test description".
    static let skipList: [String: String] = [:]

    /// The suite's remotes/ folder, served as http://localhost:1234/.
    static func remotes() throws -> [String: JSONValue] {
        let root = SchemaFixtures.url("json-schema-test-suite/remotes")
        var result: [String: JSONValue] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "json" else { continue }
            let relative = url.path.replacingOccurrences(of: root.path + "/", with: "")
            result["http://localhost:1234/" + relative] = try JSONValue.parse(bytes: Array(try Data(contentsOf: url)))
        }
        return result
    }

    struct Outcome {
        var passed = 0
        var failed: [String] = []
        var skipped = 0
        var total: Int { passed + failed.count + skipped }
    }

    static func run(_ folder: String, draft: SchemaDraft) throws -> Outcome {
        let dir = SchemaFixtures.url("json-schema-test-suite/tests/" + folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        let remotes = try remotes()
        var outcome = Outcome()
        for file in files {
            let groups = try #require(try JSONValue.parse(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(file)))).arrayValue)
            for group in groups {
                let caseName = group["description"]?.stringValue ?? "?"
                let schema = try #require(group["schema"])
                let validator: SchemaValidator?
                var loadError = ""
                do { validator = try SchemaValidator(schema: schema, draft: draft, remotes: remotes) } catch {
                    validator = nil
                    loadError = "\(error)"
                }
                for test in group["tests"]?.arrayValue ?? [] {
                    let name = "\(file): \(caseName): \(test["description"]?.stringValue ?? "?")"
                    if skipList[name] != nil { outcome.skipped += 1; continue }
                    let expected = test["valid"]?.boolValue ?? false
                    guard let validator, let data = test["data"] else {
                        outcome.failed.append(name + " (schema did not load: \(loadError))")
                        continue
                    }
                    let errors = validator.validate(data)
                    if errors.isEmpty == expected {
                        outcome.passed += 1
                    } else {
                        outcome.failed.append(name + " (expected \(expected ? "valid" : "invalid")\(errors.isEmpty ? "" : ": " + errors[0].description))")
                    }
                }
            }
        }
        return outcome
    }

    @Test(arguments: [("draft2020-12", SchemaDraft.draft2020_12), ("draft7", SchemaDraft.draft7)])
    func suitePassRate(folder: String, draft: SchemaDraft) throws {
        let outcome = try Self.run(folder, draft: draft)
        let rate = Double(outcome.passed) / Double(max(1, outcome.total)) * 100
        print("JSON-Schema-Test-Suite \(folder): \(outcome.passed)/\(outcome.total) passed (\(String(format: "%.2f", rate)) %), \(outcome.skipped) skipped, \(outcome.failed.count) failed")
        for f in outcome.failed { print("  FAIL \(f)") }
        #expect(outcome.total > 900)
        #expect(rate >= 98.0, "pass rate \(rate) % for \(folder)")
    }
}
