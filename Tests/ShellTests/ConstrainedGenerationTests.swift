import Foundation
import Schema
import Testing

/// Generation with the default model under varied constraints (choice, regex, GBNF) through
/// `toolshell complete`: every run ends because the constraint is complete, and the text passes
/// an independent check (membership, ICU's regex engine, jansson's JSON parser).
@Suite(.serialized) struct ConstrainedGenerationTests {
    struct Case: Sendable {
        var flag: String
        var value: String
        var prompt: String
        /// Largest output in bytes (every grammar here is finite, so max tokens bounds it).
        var maxBytes: Int
        var check: @Sendable (String) -> Bool
    }

    static func fullMatch(_ pattern: String) -> @Sendable (String) -> Bool {
        { text in
            guard let re = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
            return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    static func choice(_ options: String, _ prompt: String) -> Case {
        Case(flag: "--choice", value: options, prompt: prompt, maxBytes: 40,
             check: { options.components(separatedBy: "|").contains($0) })
    }

    static func regex(_ pattern: String, _ prompt: String, maxBytes: Int) -> Case {
        Case(flag: "--regex", value: pattern, prompt: prompt, maxBytes: maxBytes, check: fullMatch(pattern))
    }

    /// A JSON object whose keys and value types the check verifies with jansson.
    static func jsonObject(_ text: String, keys: [String: String]) -> Bool {
        guard let value = try? JSONValue.parse(text), case .object(let o) = value else { return false }
        for (k, type) in keys {
            guard let v = o[k] else { return false }
            switch (type, v) {
            case ("string", .string), ("integer", .integer), ("boolean", .bool), ("array", .array): continue
            default: return false
            }
        }
        return true
    }

    static let cases: [Case] = [
        choice("yes|no", "Is the sky blue? Answer yes or no:"),
        choice("red|green|blue", "The color of grass is"),
        choice("Paris|London|Berlin|Madrid", "The capital of Germany is"),
        choice("positive|negative|neutral", "Sentiment of 'I love this!':"),
        choice("1|2|3|4|5", "On a scale of 1 to 5, rate pizza:"),
        regex(#"[0-9]{4}-[0-9]{2}-[0-9]{2}"#, "Today's date in ISO format:", maxBytes: 10),
        regex(#"\([0-9]{3}\) [0-9]{3}-[0-9]{4}"#, "A US phone number:", maxBytes: 14),
        regex(#"[A-Z][a-z]{2,8}"#, "A common first name:", maxBytes: 9),
        regex(#"(true|false)"#, "Is 7 prime? Answer true or false:", maxBytes: 5),
        regex(#"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"#, "The IP address of localhost is", maxBytes: 15),
        regex(#"#[0-9a-f]{6}"#, "The hex color code for pure red is", maxBytes: 7),
        regex(#"[a-z]{1,10}@[a-z]{1,10}\.(com|org)"#, "An example email address:", maxBytes: 25),
        regex(#"([01][0-9]|2[0-3]):[0-5][0-9]"#, "A time of day in 24-hour format:", maxBytes: 5),
        regex(#"-?[0-9]{1,5}(\.[0-9]{1,2})?"#, "The boiling point of water in Celsius:", maxBytes: 9),
        Case(flag: "--grammar", value: #"""
            root ::= "{\"name\": \"" [A-Za-z ]{1,20} "\", \"age\": " [1-9] [0-9]? "}"
            """#, prompt: "A JSON object for a person: ", maxBytes: 45,
             check: { jsonObject($0, keys: ["name": "string", "age": "integer"]) }),
        Case(flag: "--grammar", value: #"""
            root ::= item{1,3}
            item ::= "- " [a-z]{1,12} "\n"
            """#, prompt: "A shopping list:\n", maxBytes: 48, check: fullMatch(#"(- [a-z]{1,12}\n){1,3}"#)),
        Case(flag: "--grammar", value: #"""
            root ::= num (" " op " " num){1,3}
            num ::= [1-9] [0-9]?
            op ::= "+" | "-" | "*"
            """#, prompt: "An arithmetic expression:", maxBytes: 20,
             check: fullMatch(#"[1-9][0-9]?( [-+*] [1-9][0-9]?){1,3}"#)),
        Case(flag: "--grammar", value: #"""
            root ::= "[" int ("," int){0,3} "]"
            int ::= "0" | [1-9] [0-9]{0,2}
            """#, prompt: "A JSON array of small numbers: ", maxBytes: 17,
             check: { text in
                 guard let v = try? JSONValue.parse(text), case .array(let xs) = v else { return false }
                 return (1...4).contains(xs.count) && xs.allSatisfy { if case .integer = $0 { return true }; return false }
             }),
        Case(flag: "--grammar", value: #"""
            root ::= pair ("\n" pair){0,2}
            pair ::= [a-z]{1,8} "=" [a-z0-9]{1,8}
            """#, prompt: "Config file lines:\n", maxBytes: 54, check: fullMatch(#"[a-z]{1,8}=[a-z0-9]{1,8}(\n[a-z]{1,8}=[a-z0-9]{1,8}){0,2}"#)),
        Case(flag: "--grammar", value: #"""
            root ::= "{\"ok\": " ("true" | "false") ", \"tags\": [" tag (", " tag){0,2} "]}"
            tag ::= "\"" [a-z]{1,8} "\""
            """#, prompt: "A JSON status object: ", maxBytes: 60,
             check: { jsonObject($0, keys: ["ok": "boolean", "tags": "array"]) }),
        Case(flag: "--grammar", value: #"""
            root ::= field "," field "," field
            field ::= [A-Za-z]{1,10}
            """#, prompt: "A CSV row with three fields:", maxBytes: 32, check: fullMatch(#"[A-Za-z]{1,10},[A-Za-z]{1,10},[A-Za-z]{1,10}"#)),
    ]

    @Test func everyGenerationEndsInAValidText() throws {
        try #require(FileManager.default.fileExists(atPath: ModelTurnTests.modelPath),
                     "the default model is missing; run `make setup` to fetch it")
        #expect(Self.cases.count >= 20)
        let dir = NSTemporaryDirectory() + "toolshell-constrained-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (n, c) in Self.cases.enumerated() {
            var value = c.value
            if c.flag == "--grammar" {
                value = dir + "/g\(n).gbnf"
                try c.value.write(toFile: value, atomically: true, encoding: .utf8)
            }
            let run = try runToolshell(["complete", "--model", "qwen2.5-coder-0.5b", "--json",
                                        "--max-tokens", String(c.maxBytes + 1), c.flag, value, c.prompt])
            #expect(run.status == 0, "case \(n): \(run.stderr)")
            guard let out = try? JSONValue.parse(run.stdout), let text = out["text"]?.stringValue else {
                Issue.record("case \(n): no JSON output: \(run.stdout) \(run.stderr)")
                continue
            }
            #expect(out["finish_reason"]?.stringValue == "eog", "case \(n) did not finish: \(text)")
            #expect(c.check(text), "case \(n) (\(c.flag) \(c.value)) produced \(text.debugDescription)")
        }
    }

    @Test func unsupportedConstraintsAreUsageErrors() throws {
        let run = try runToolshell(["complete", "--model", "qwen2.5-coder-0.5b", "--regex", "(?<=a)b", "x"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("not supported"))
        let dir = NSTemporaryDirectory() + "toolshell-gbnf-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "root ::= item\n".write(toFile: dir + "/bad.gbnf", atomically: true, encoding: .utf8)
        let bad = try runToolshell(["grammar", "check", "--gbnf", dir + "/bad.gbnf", "--model", "qwen2.5-coder-0.5b", dir + "/bad.gbnf"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.gbnf:1:10"))
        try "{\"a\": [1, 2]}".write(toFile: dir + "/ok.json", atomically: true, encoding: .utf8)
        try "{\"a\": [1, 2,]}".write(toFile: dir + "/no.json", atomically: true, encoding: .utf8)
        try #"""
        root ::= "{" ws "\"a\"" ws ":" ws "[" ws [0-9] (ws "," ws [0-9])* ws "]" ws "}"
        ws ::= [ ]*
        """#.write(toFile: dir + "/a.gbnf", atomically: true, encoding: .utf8)
        let check = try runToolshell(["grammar", "check", "--gbnf", dir + "/a.gbnf", "--model", "qwen2.5-coder-0.5b",
                                      dir + "/ok.json", dir + "/no.json"])
        #expect(check.status == 1)
        let lines = check.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        #expect(lines.count == 2)
        #expect(lines.first?["accepted"] == .bool(true))
        #expect(lines.last?["accepted"] == .bool(false))
        #expect(lines.last?["rejected_at_token"]?.doubleValue ?? 0 > 0)
    }

    /// `grammar check --structural-tag`: xgrammar's structural-tag JSON through the compiler and
    /// the matcher on the real tokenizer; a format the compiler does not know is exit 2 naming it.
    @Test func structuralTagCheck() throws {
        let dir = NSTemporaryDirectory() + "toolshell-structural-tag-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"""
        {"type": "structural_tag", "format": {"type": "tag", "begin": "<answer>", "content": {"type": "json_schema", "json_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}}, "end": "</answer>"}}
        """#.write(toFile: dir + "/tag.json", atomically: true, encoding: .utf8)
        try #"<answer>{"city":"Paris"}</answer>"#.write(toFile: dir + "/ok.txt", atomically: true, encoding: .utf8)
        try #"<answer>{"town":"Paris"}</answer>"#.write(toFile: dir + "/key.txt", atomically: true, encoding: .utf8)
        try #"<answer>{"city":"Paris"}"#.write(toFile: dir + "/open.txt", atomically: true, encoding: .utf8)
        let check = try runToolshell(["grammar", "check", "--structural-tag", dir + "/tag.json", "--model", "qwen2.5-coder-0.5b",
                                      dir + "/ok.txt", dir + "/key.txt", dir + "/open.txt"])
        #expect(check.status == 1, "\(check.stderr)")
        let accepted = check.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.map { $0["accepted"] }
        #expect(accepted == [.bool(true), .bool(false), .bool(false)])
        try #"{"type": "structural_tag", "format": {"type": "bogus"}}"#.write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try runToolshell(["grammar", "check", "--structural-tag", dir + "/bad.json", "--model", "qwen2.5-coder-0.5b", dir + "/ok.txt"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("/format"))
    }

    /// The shell's /choice, /regex, /grammar and /schema constrain chat replies through the
    /// matcher; /schema replies are compact unless `/set json_whitespace flexible` (each gap then
    /// holds at most json_whitespace_max whitespace bytes).
    @Test func shellConstraintCommandsConstrainReplies() throws {
        try #require(FileManager.default.fileExists(atPath: ModelTurnTests.modelPath),
                     "the default model is missing; run `make setup` to fetch it")
        let dir = NSTemporaryDirectory() + "toolshell-shell-constraint-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"""
        root ::= "{\"answer\": " ("true" | "false") "}"
        """#.write(toFile: dir + "/bool.gbnf", atomically: true, encoding: .utf8)
        try """
        /load qwen2.5-coder-0.5b
        /set temperature 0
        /set max_tokens 40
        /choice alpha|beta|gamma
        Tell me about the weather today.
        /expect content ^(alpha|beta|gamma)$
        /regex [0-9]{3}-[0-9]{4}
        Write a haiku about rain.
        /expect content ^[0-9]{3}-[0-9]{4}$
        /grammar \(dir)/bool.gbnf
        What is the capital of France?
        /expect content ^\\{"answer": (true|false)\\}$
        /expect json
        /schema {"type":"object","properties":{"city":{"type":"string","maxLength":30}},"required":["city"],"additionalProperties":false}
        What is the capital of France? Reply in JSON.
        /expect content ^\\{"city":"[^"]*"\\}$
        /set json_whitespace flexible
        /set json_whitespace_max 1
        What is the capital of France? Reply in JSON.
        /expect json
        /expect content ^\\{\\s?"city"\\s?:\\s?"[^"]*"\\s?\\}$
        """.write(toFile: dir + "/c.tsh", atomically: true, encoding: .utf8)
        let run = try runToolshell(["run", dir + "/c.tsh"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
    }
}
