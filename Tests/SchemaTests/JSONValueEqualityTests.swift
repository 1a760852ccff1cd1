import Testing
@testable import Schema

@Suite struct JSONValueEqualityTests {
    @Test func integerEqualsIntegralNumber() {
        #expect(JSONValue.integer(1) == JSONValue.number(1.0, source: "1.0"))
        #expect(JSONValue.integer(1) != JSONValue.number(1.5, source: nil))
    }

    @Test func objectEqualityIgnoresKeyOrderButKeepsIt() {
        let a: JSONObject = ["x": 1, "y": 2]
        let b: JSONObject = ["y": 2, "x": 1]
        #expect(a == b)
        #expect(a.keys == ["x", "y"])
        #expect(b.keys == ["y", "x"])
    }

    @Test func replacingAKeyKeepsItsPosition() {
        var o: JSONObject = ["a": 1, "b": 2]
        o["a"] = 3
        #expect(o.keys == ["a", "b"])
        #expect(o["a"] == 3)
        o["a"] = nil
        #expect(o.keys == ["b"])
    }

    @Test func keysAndStringsCompareByCodePoints() throws {
        // Precomposed é vs e + combining acute: one character to Swift, two different JSON strings.
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
        for n in [2, 20] {
            var text = "{"
            for i in 0..<n { text += "\"k\(i)\": \(i), " }
            text += #""\u00e9": 1, "e\u0301": 2}"#
            let v = try JSONValue.parse(text)
            #expect(v.objectValue?.count == n + 2)
            #expect(v["\u{E9}"] == 1)
            #expect(v["e\u{301}"] == 2)
        }
    }
}
