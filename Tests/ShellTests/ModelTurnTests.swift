import Foundation
import Schema
import Testing

/// Turns on the default model (Qwen2.5-Coder-0.5B-Instruct, Q4_K_M) through the GGUF engine.
@Suite(.serialized) struct ModelTurnTests {
    static let modelPath = (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { $0 + "/toolshell/models" }
        ?? NSHomeDirectory() + "/.cache/toolshell/models") + "/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

    func requireModel() throws {
        try #require(FileManager.default.fileExists(atPath: Self.modelPath),
                     "the default model is missing at \(Self.modelPath); run `make setup` to fetch it")
    }

    @Test func greedyAnswerWithStatsAndTemplate() throws {
        try requireModel()
        let dir = NSTemporaryDirectory() + "toolshell-model-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = dir + "/m.tsh"
        try """
        /load qwen2.5-coder-0.5b
        /set temperature 0
        /set max_tokens 24
        What is 2+2? Answer with the digit only.
        /expect content ^\\s*4
        /expect no-tool
        /tokenize Hello world
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let run = try runToolshell(["run", script, "--json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let events = try run.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let load = events.first { $0["command"]?.stringValue == "/load" }
        // auto picks the parser Qwen2.5's chat template implies.
        #expect(load?["text"]?.stringValue?.contains("tool parser: hermes") == true)
        let stats = try #require(events.first { $0["type"]?.stringValue == "stats" })
        // Reference: Hugging Face transformers on the same GGUF file,
        // len(tok(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False))) == 42
        // (the template adds its default system prompt).
        #expect(stats["prompt_tokens"]?.int64Value == 42)
        #expect((stats["generated_tokens"]?.int64Value ?? 0) >= 1)
        #expect(stats["time_to_first_token_s"]?.doubleValue != nil)
        let tokens = events.last { $0["command"]?.stringValue == "/tokenize" }?["text"]?.stringValue ?? ""
        // Reference: transformers gives [9707, 1879] for "Hello world".
        #expect(tokens.contains("9707\t\"Hello\"") && tokens.contains("1879\t\" world\""))
    }

    /// /tool-choice required and /tool-choice NAME on the real model: the reply is generated under
    /// the hermes parser's structural tag, so its raw text starts with `<tool_call>` (left alone,
    /// Qwen2.5-Coder-0.5B answers these prompts with bare JSON or prose), the call parses, its
    /// arguments satisfy the tool's schema (an enum the question does not mention included), the
    /// named form calls the named tool even when the question is about another, and the reply
    /// ends by itself after the call.
    @Test func forcedCallsStartWithTheCallMarkerAndParse() throws {
        try requireModel()
        let dir = NSTemporaryDirectory() + "toolshell-forced-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weatherSchema = #"{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],"additionalProperties":false}"#
        let timeSchema = #"{"type":"object","properties":{"timezone":{"type":"string"}},"required":["timezone"],"additionalProperties":false}"#
        try """
        /load qwen2.5-coder-0.5b
        /set temperature 0
        /set max_tokens 80
        /tools add {"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":\(weatherSchema)}}
        /tools add {"type":"function","function":{"name":"get_time","description":"Current time in a timezone","parameters":\(timeSchema)}}
        /tool-choice required
        How warm is it in Lisbon?
        /expect tool get_weather schema \(weatherSchema)
        /clear
        /tool-choice get_time
        How warm is it in Lisbon?
        /expect tool get_time schema \(timeSchema)
        """.write(toFile: dir + "/f.tsh", atomically: true, encoding: .utf8)
        let run = try runToolshell(["run", dir + "/f.tsh", "--json"], environment: ["XDG_STATE_HOME": dir + "/state"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let events = run.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let expects = events.filter { $0["type"]?.stringValue == "expect" }
        #expect(expects.count == 2 && expects.allSatisfy { $0["passed"] == .bool(true) }, "\(run.stdout)")
        let calls = events.filter { $0["type"]?.stringValue == "tool_call" }
        #expect(calls.compactMap { $0["name"]?.stringValue } == ["get_weather", "get_time"], "\(run.stdout)")
        // Unbound tools: each turn stops at its call, so there are exactly two replies, each of
        // which ended by itself (end-of-generation after the call), not at max_tokens.
        let stats = events.filter { $0["type"]?.stringValue == "stats" }
        #expect(stats.count == 2 && stats.allSatisfy { $0["finish_reason"]?.stringValue == "stop" }, "\(run.stdout)")
        // The raw replies (the transcript's model_output): each is one hermes call from its first byte.
        let transcripts = dir + "/state/toolshell/transcripts"
        var replies: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: transcripts).sorted() {
            let text = try String(contentsOfFile: transcripts + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let event = try? JSONValue.parse(String(line)), event["type"]?.stringValue == "model_output" else { continue }
                replies.append(event["pieces"]?.arrayValue?.compactMap(\.stringValue).joined() ?? "")
            }
        }
        #expect(replies.count == 2, "\(replies)")
        for (reply, name) in zip(replies, ["get_weather", "get_time"]) {
            #expect(reply.hasPrefix("<tool_call>\n{\"name\": \"\(name)\", \"arguments\": "), "\(reply)")
            #expect(reply.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</tool_call>"), "\(reply)")
        }
    }

    @Test func corruptGGUFIsAClearErrorAndTheSessionGoesOn() throws {
        let dir = NSTemporaryDirectory() + "toolshell-model-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A GGUF header that promises more tensors than the file holds.
        var bytes: [UInt8] = Array("GGUF".utf8) + [3, 0, 0, 0]
        bytes += [200, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]
        _ = FileManager.default.createFile(atPath: dir + "/broken.gguf", contents: Data(bytes))
        try "/load broken.gguf\n/set seed 3\n/show params\n".write(toFile: dir + "/b.tsh", atomically: true, encoding: .utf8)
        let run = try runToolshell(["run", dir + "/b.tsh", "--json"])
        #expect(run.status == 2)
        let events = try run.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let error = try #require(events.first { $0["type"]?.stringValue == "error" })
        #expect(error["kind"]?.stringValue == "model")
        #expect(error["message"]?.stringValue?.contains("broken.gguf") == true)
        #expect(error["location"]?.stringValue?.hasSuffix("b.tsh:1") == true)
        #expect(events.last?["text"]?.stringValue?.contains(paramLine("seed", "3")) == true)
    }
}
