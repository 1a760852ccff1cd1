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
}
