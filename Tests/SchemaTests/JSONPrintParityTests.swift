import Foundation
import Testing
@testable import Schema

/// Printing parity with Python's json.dumps on goldens written by
/// Tests/Fixtures/schema/make_print_corpus.py (Python 3.11 json).
@Suite struct JSONPrintParityTests {
    static func corpus() throws -> JSONValue {
        try JSONValue.parse(bytes: Array(try SchemaFixtures.data("print_corpus.json")))
    }

    @Test func dumpsMatchesPythonByteForByte() throws {
        let corpus = try Self.corpus()
        let cases = try #require(corpus["cases"]?.arrayValue)
        #expect(cases.count > 200)
        var failures: [String] = []
        for c in cases {
            let input = try #require(c["input"]?.stringValue)
            let expected = try #require(c["expected"]?.stringValue)
            let indent = c["indent"]?.int64Value.map { Int($0) }
            let ascii = c["ensure_ascii"]?.boolValue ?? false
            let value = try JSONValue.parse(input)
            let got = value.jsonString(.python(indent: indent, ensureASCII: ascii))
            if Array(got.utf8) != Array(expected.utf8) {
                failures.append("input \(input) indent \(String(describing: indent)) ascii \(ascii): got \(got) expected \(expected)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(20).joined(separator: "\n"))")
    }

    @Test func floatReprMatchesPython() throws {
        let corpus = try Self.corpus()
        let rows = try #require(corpus["floats"]?.arrayValue)
        #expect(rows.count > 700)
        var failures: [String] = []
        for row in rows {
            let hex = try #require(row["bits"]?.stringValue)
            let bits = try #require(UInt64(hex, radix: 16))
            let expected = try #require(row["repr"]?.stringValue)
            let d = Double(bitPattern: bits)
            let got = JSONValue.number(d, source: nil).jsonString(.python())
            if got != expected { failures.append("\(bits): got \(got) expected \(expected)") }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(20).joined(separator: "\n"))")
    }

    @Test func compactHasNoSpacesAndKeepsNonASCIIAndSource() throws {
        let v = try JSONValue.parse(#"{"a": [1, 2.50, "é\u2028"], "b": {"c": null}, "big": 123456789012345678901234}"#)
        #expect(v.jsonString() == "{\"a\":[1,2.50,\"é\u{2028}\"],\"b\":{\"c\":null},\"big\":123456789012345678901234}")
        #expect(JSONValue.number(1.0, source: nil).jsonString() == "1.0")
        #expect(JSONValue.number(.nan, source: nil).jsonString() == "null")
        #expect(JSONValue.number(.infinity, source: nil).jsonString(.python()) == "Infinity")
    }
}
