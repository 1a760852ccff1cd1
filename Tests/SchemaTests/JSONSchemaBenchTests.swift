import Foundation
import Testing
@testable import Schema

/// Real-world schemas from JSONSchemaBench (Tests/Fixtures/schema/jsonschemabench): every
/// instance marked valid must be accepted and every one marked invalid rejected (with format
/// assertion on, as the benchmark expects).
@Suite struct JSONSchemaBenchTests {
    @Test func instancesAreClassifiedAsTheBenchmarkSays() throws {
        let dir = SchemaFixtures.url("jsonschemabench")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var total = 0, agreed = 0
        var failures: [String] = []
        var loadFailures: [String] = []
        for file in files {
            let doc = try JSONValue.parse(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(file))))
            let schema = try #require(doc["schema"])
            let validator: SchemaValidator
            do { validator = try SchemaValidator(schema: schema, formatAssertion: true) } catch {
                loadFailures.append("\(file): \(error)")
                total += doc["tests"]?.arrayValue?.count ?? 0
                continue
            }
            for (i, test) in (doc["tests"]?.arrayValue ?? []).enumerated() {
                total += 1
                let expected = test["valid"]?.boolValue ?? false
                let errors = validator.validate(test["data"] ?? .null)
                if errors.isEmpty == expected { agreed += 1 } else {
                    failures.append("\(file) test \(i): expected \(expected ? "valid" : "invalid")\(errors.first.map { ": \($0)" } ?? "")")
                }
            }
        }
        let rate = Double(agreed) / Double(max(total, 1)) * 100
        print("JSONSchemaBench dev set (\(files.count) schemas): \(agreed)/\(total) instances classified as expected (\(String(format: "%.2f", rate)) %), \(loadFailures.count) schemas not loaded")
        for f in loadFailures { print("  LOAD \(f)") }
        for f in failures { print("  FAIL \(f)") }
        #expect(total > 2500)
        #expect(rate >= 99.5)
    }
}
