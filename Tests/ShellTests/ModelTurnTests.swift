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

    @Test func corruptGGUFIsAClearErrorAndTheSessionGoesOn() throws {
        let dir = NSTemporaryDirectory() + "toolshell-model-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A GGUF header that promises more tensors than the file holds.
        var bytes: [UInt8] = Array("GGUF".utf8) + [3, 0, 0, 0]
        bytes += [200, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]
        FileManager.default.createFile(atPath: dir + "/broken.gguf", contents: Data(bytes))
        try "/load broken.gguf\n/set seed 3\n/show params\n".write(toFile: dir + "/b.tsh", atomically: true, encoding: .utf8)
        let run = try runToolshell(["run", dir + "/b.tsh", "--json"])
        #expect(run.status == 2)
        let events = try run.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let error = try #require(events.first { $0["type"]?.stringValue == "error" })
        #expect(error["kind"]?.stringValue == "model")
        #expect(error["message"]?.stringValue?.contains("broken.gguf") == true)
        #expect(error["location"]?.stringValue?.hasSuffix("b.tsh:1") == true)
        #expect(events.last?["text"]?.stringValue?.contains("seed               3") == true)
    }
}
