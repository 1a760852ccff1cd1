import Foundation
import Schema
import Testing
@testable import Shell

/// `toolshell bench json`: the report carries both sides of the comparison.
@Suite struct BenchJSONCommandTests {
    @Test func reportHasToolshellPythonAndRatios() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolshell-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"a": [1, 2.5, "x\u00e9"], "b": {"c": null}}"#.write(to: dir.appendingPathComponent("one.json"), atomically: true, encoding: .utf8)
        try #"[true, false, {"k": 12345678901234567890}]"#.write(to: dir.appendingPathComponent("two.json"), atomically: true, encoding: .utf8)
        let report = try BenchJSONCommand.report(corpus: dir.path, seconds: 0.02, python: "python3")
        #expect(report["corpus"]?["files"] == 2)
        for key in ["parse_mb_s", "print_compact_mb_s", "print_python_mb_s", "parse_print_mb_s"] {
            #expect((report["toolshell"]?[key]?.doubleValue ?? 0) > 0, "toolshell \(key)")
            #expect((report["python3"]?[key]?.doubleValue ?? 0) > 0, "python3 \(key): \(report["python3"]?.jsonString() ?? "")")
            #expect(report["ratio_toolshell_over_python3"]?[key]?.doubleValue != nil)
        }
        #expect(throws: (any Error).self) { try BenchJSONCommand.report(corpus: dir.path + "/missing", seconds: 0.02, python: "python3") }
    }
}
