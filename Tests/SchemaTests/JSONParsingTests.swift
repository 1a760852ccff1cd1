import Testing
@testable import Schema

@Suite struct JSONParsingTests {
    @Test func scalarsAndContainers() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(" true ") == .bool(true))
        #expect(try JSONValue.parse("-12") == .integer(-12))
        #expect(try JSONValue.parse(#""a\u00e9\n""#) == .string("aé\n"))
        let v = try JSONValue.parse(#"{"z": 1, "a": [true, null, {"k": "v"}]}"#)
        #expect(v.objectValue?.keys == ["z", "a"])
        #expect(v["a"]?[2]?["k"] == "v")
    }

    @Test func embeddedNulIsKept() throws {
        #expect(try JSONValue.parse(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    @Test func integersStayExactAndRealsKeepSource() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .integer(Int64.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(Int64.min))
        guard case let .number(_, source) = try JSONValue.parse("[12345678901234567890123]")[0]! else {
            Issue.record("expected a number"); return
        }
        #expect(source == "12345678901234567890123")
        // A huge integer elsewhere forces jansson's int-as-real mode; small integers stay exact.
        let mixed = try JSONValue.parse("[9007199254740993, 1e400000000000000000000, 2.50]".replacingOccurrences(of: "1e400000000000000000000", with: "99999999999999999999999"))
        #expect(mixed[0] == .integer(9_007_199_254_740_993))
        if case let .integer(i) = mixed[0]! { #expect(i == 9_007_199_254_740_993) } else { Issue.record("not integer") }
        if case let .number(_, s) = mixed[2]! { #expect(s == "2.50") } else { Issue.record("not number") }
        if case let .number(_, s) = try JSONValue.parse(#"{"s": "1.5 2", "n": 1.0e0}"#)["n"]! {
            #expect(s == "1.0e0")
        } else { Issue.record("not number") }
    }

    @Test func duplicateKeysLastWinsFirstPosition() throws {
        let v = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(v.objectValue?.keys == ["a", "b"])
        #expect(v["a"] == 3)
        let w = try JSONValue.parse(#"{"a": 1.5, "a": 2.25, "b": 99999999999999999999999}"#)
        #expect(w["a"] == .number(2.25, source: nil))
        #expect(w["b"]?.jsonString(.python()) == "99999999999999999999999")
    }

    @Test func nanInfinityAndOverflowRejected() {
        for text in ["NaN", "Infinity", "-Infinity", "[1, NaN]", "1e400"] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        }
    }

    @Test func errorsCarryLineColumnOffsetAndHint() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": 1,\n  \"b\": tru\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.offset >= 17 && error.offset <= 22)
            #expect(!error.message.isEmpty)
            #expect(!error.hint.isEmpty)
            #expect(error.description.hasPrefix("3:"))
        }
        do {
            _ = try JSONValue.parse("[1, 2")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1)
            #expect(error.hint.contains("ends early"))
        }
        do {
            _ = try JSONValue.parse("{\"é\": x}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == 7)  // characters, not bytes: `{"é": ` is 6 characters
        }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\":1} x") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0x22, 0xFF, 0x22]) }
    }
}
