import Foundation
import Testing
@testable import Schema

@Suite struct PartialJSONParserTests {
    /// True when `partial` could grow into `final` (what a stream may report on the way).
    static func isPrefix(_ partial: JSONValue, of final: JSONValue) -> Bool {
        switch (partial, final) {
        case let (.array(a), .array(b)):
            guard a.count <= b.count else { return false }
            for (i, x) in a.enumerated() {
                if i < a.count - 1 { if x != b[i] { return false } } else if !isPrefix(x, of: b[i]) { return false }
            }
            return true
        case let (.object(a), .object(b)):
            guard a.count <= b.count, Array(b.keys.prefix(a.count)) == a.keys else { return false }
            for (i, key) in a.keys.enumerated() {
                guard let x = a[key], let y = b[key] else { return false }
                if i < a.count - 1 { if x != y { return false } } else if !isPrefix(x, of: y) { return false }
            }
            return true
        case let (.string(a), .string(b)):
            return b.unicodeScalars.starts(with: a.unicodeScalars)
        case (.integer, _), (.number, _):
            guard case let .number(_, source?) = final else {
                return partial.jsonString().count <= final.jsonString().count
            }
            return source.hasPrefix(partial.jsonString(.compact)) || partial == final
        default:
            return partial == final
        }
    }

    static let samples: [String] = [
        #"{"name": "get_weather", "arguments": {"city": "Paris", "days": 3, "units": ["c", "f"], "ok": true, "none": null}}"#,
        #"[1, -2.5e3, 0, "a\"b\\c\u00e9\ud83d\ude00", {"x": [[], {}]}, false]"#,
        #"  {"k\u00e9y": "caf\u00e9 日本 😀", "n": 12345678901234567890, "f": 1.0}  "#,
        #""just a string""#,
        "123",
        "null",
    ]

    @Test func byteByByteAgreesWithWholeAndNeverInvents() throws {
        for text in Self.samples {
            let expected = try JSONValue.parse(text)
            var whole = PartialJSONParser()
            whole.feed(text)
            #expect(whole.failure == nil)
            #expect(whole.value == expected, "whole: \(text)")
            var stream = PartialJSONParser()
            for byte in Array(text.utf8) {
                stream.feed(bytes: [byte])
                #expect(stream.failure == nil)
                if let v = stream.value {
                    #expect(Self.isPrefix(v, of: expected), "prefix \(v.jsonString()) of \(text)")
                }
            }
            #expect(stream.value == expected, "stream: \(text)")
            if case .number = expected {} else if case .integer = expected {} else {
                #expect(stream.isComplete)
                #expect(stream.openScalar == nil)
            }
        }
    }

    @Test func reportsOpenStringsAndNumbersWithoutInventing() {
        var p = PartialJSONParser()
        p.feed(#"{"city": "Par"#)
        #expect(p.value == ["city": "Par"])
        #expect(p.openScalar?.pointer == "/city")
        #expect(p.openScalar?.kind == .string)
        p.feed(#"is", "days": 1"#)
        #expect(p.value == ["city": "Paris", "days": 1])
        #expect(p.openScalar?.kind == .number)
        p.feed(#"2, "flag": tr"#)
        #expect(p.value == ["city": "Paris", "days": 12])   // "tr" is not yet true
        #expect(p.openScalar == nil)
        p.feed(#"ue, "list": [1, "#)
        #expect(p.value == ["city": "Paris", "days": 12, "flag": true, "list": [1]])
        p.feed("2.")
        #expect(p.value?["list"] == [1])                      // "2." is not a number yet
        p.feed(#"5], "k"#)
        #expect(p.value?["list"] == [1, 2.5])
        #expect(p.failure == nil)
        var q = PartialJSONParser()
        q.feed(#"{"a": "x\u00"#)
        #expect(q.value == ["a": "x"])
        q.feed("e9")
        #expect(q.value == ["a": "xé"])
        var r = PartialJSONParser()
        r.feed(#"{"key": "#)
        #expect(r.value == [:])                                // no value invented for "key"
        #expect(!r.isComplete)
    }

    @Test func rejectsWhatCannotBeJSON() {
        for bad in ["{'a': 1}", "[1,,2]", "[01]", "{\"a\" 1}", "[1] x", "[tx]", "\"a\u{1}\"", "[1.e5]"] {
            var p = PartialJSONParser()
            p.feed(bad)
            #expect(p.failure != nil, "\(bad)")
        }
    }

    @Test func linearInTheStreamLength() throws {
        // ~1 MB of nested data fed in 1-byte pieces: a rescanning parser would take hours.
        let element = #"{"id": 12345, "name": "element name with some text", "tags": ["a", "b", "c"], "score": 0.125},"#
        let text = "[" + String(repeating: element, count: 10_000) + "1]"
        let bytes = Array(text.utf8)
        var p = PartialJSONParser()
        let start = Date()
        var i = 0
        while i < bytes.count {
            p.feed(bytes: Array(bytes[i..<min(i + 1, bytes.count)]))
            i += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(p.isComplete)
        #expect(p.value?.arrayValue?.count == 10_001)
        #expect(elapsed < 30, "took \(elapsed) s")
    }
}
