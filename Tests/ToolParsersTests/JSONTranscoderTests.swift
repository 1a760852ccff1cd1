import Testing
@testable import ToolParsers

/// The JSON transcoder against Python: each expected text is `json.dumps(json.loads(input), ensure_ascii=False)`
/// as CPython 3.11 printed it. Every split of the input into two feeds, and one byte per feed, must give
/// the same text, whether the verbatim runs are kept for the caller or copied into the output.
@Suite struct JSONTranscoderTests {
    static let cases: [(String, String)] = [
        (#"{"a":1,"b":[true,false,null],"c":{"d":"x"}}"#,
         #"{"a": 1, "b": [true, false, null], "c": {"d": "x"}}"#),
        (#"{ "a" : 1 ,\#n "b" :\#t[ 1.5 , -7 , 0.25 ] }"#,
         #"{"a": 1, "b": [1.5, -7, 0.25]}"#),
        (#"{"s": "tab\there \/ slash \u00e9 \ud83d\ude00 \u001f \"q\" \\"}"#,
         #"{"s": "tab\there / slash é 😀 \u001f \"q\" \\"}"#),
        (#"[ ]"#,
         #"[]"#),
        (#"{}"#,
         #"{}"#),
        (#"{"k": "caf\u00E9", "n": 12345678901234567890, "z": [[],[{}]]}"#,
         #"{"k": "café", "n": 12345678901234567890, "z": [[], [{}]]}"#),
        (#"{"a": "x",  "b": "y"}"#,
         #"{"a": "x", "b": "y"}"#),
        (#""just a string \n with escape""#,
         #""just a string \n with escape""#),
        (#"-12.5"#,
         #"-12.5"#),
        (#"{"emoji": "😀 東京 ü", "e": "\u6771", "c": "\b\f\r"}"#,
         #"{"emoji": "😀 東京 ü", "e": "東", "c": "\b\f\r"}"#),
        (#"[1,[2,[3,{"x":[]}]],"\u0041"]"#,
         #"[1, [2, [3, {"x": []}]], "A"]"#),
    ]

    func transcode(_ input: String, cuts: [Int], keepsRuns: Bool) -> String {
        let bytes = Array(input.utf8)
        var t = JSONTranscoder()
        t.keepsRuns = keepsRuns
        var out: [UInt8] = []
        var status = JSONTranscoder.Status.needMore
        var from = 0
        for end in cuts + [bytes.count] where end >= from {
            let piece = Array(bytes[from..<end])
            piece.withUnsafeBufferPointer { p in
                var i = 0
                status = t.feed(p, &i, p.count)
                t.materialize(p)
            }
            out += t.out
            t.out.removeAll()
            from = end
        }
        if status != .complete {
            t.close()
            out += t.out
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: 0..<cases.count)
    func canonicalUnderEverySplit(_ k: Int) {
        let (input, expected) = Self.cases[k]
        let n = input.utf8.count
        for keeps in [true, false] {
            #expect(transcode(input, cuts: [], keepsRuns: keeps) == expected, "whole, keepsRuns \(keeps)")
            #expect(transcode(input, cuts: Array(1..<max(n, 1)), keepsRuns: keeps) == expected, "1 byte per feed, keepsRuns \(keeps)")
            for cut in 1..<max(n, 1) {
                #expect(transcode(input, cuts: [cut], keepsRuns: keeps) == expected, "cut at \(cut), keepsRuns \(keeps)")
            }
        }
    }
}
