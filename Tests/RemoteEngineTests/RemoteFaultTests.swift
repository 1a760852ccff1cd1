import Foundation
import Schema
import Testing

/// The remote engine against a fake OpenAI-compatible server (fake_openai_server.py) that
/// misbehaves on purpose: each fault is a clear error, the session goes on (the next line of the
/// script still runs), and a reply cut short is recorded as partial (finish_reason "error").
@Suite(.serialized) struct RemoteFaultTests {
    let directory = temporaryDirectory("remote-fault")

    func script(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func run(_ text: String) throws -> ToolshellRun {
        try runToolshell(["run", script("s.tsh", text), "--json", "--no-transcript"])
    }

    /// The session is intact after the fault: a later /show model still answers.
    func expectSessionGoesOn(_ run: ToolshellRun) {
        let infos = run.events("info").compactMap { $0["text"]?.stringValue }
        #expect(infos.contains { $0.contains("engine: remote") }, "\(run.summary)")
    }

    @Test func serverToolCallsBecomeToolCallEvents() throws {
        let log = directory + "/requests.jsonl"
        let server = try ServerProcess.fake("tools", requestLog: log)
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url)
        /tools add get_weather city
        /tool-choice required
        What is the weather in Paris?
        /expect tool get_weather args {"city": "Paris"}
        """)
        #expect(run.status == 0, "\(run.summary)")
        // The server's three tool_calls deltas arrive as three tool_call_delta events, the name once.
        let deltas = run.events("tool_call_delta")
        #expect(deltas.count == 3, "\(run.summary)")
        #expect(deltas.compactMap { $0["name"]?.stringValue } == ["get_weather"])
        #expect(deltas.compactMap { $0["arguments"]?.stringValue }.joined() == #"{"city": "Paris"}"#)
        // What was sent: OpenAI chat format; "required" with one tool goes out as the named choice.
        let sent = try JSONValue.parse(String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")[0].description)
        #expect(sent["path"]?.stringValue == "/v1/chat/completions")
        #expect(sent["body"]?["stream"] == .bool(true))
        #expect(sent["body"]?["tool_choice"] == ["type": "function", "function": ["name": "get_weather"]])
        #expect(sent["body"]?["tools"]?[0]?["function"]?["name"]?.stringValue == "get_weather")
    }

    @Test func constraintsTravelAsVLLMStructuredOutputs() throws {
        // The fake server says owned_by "vllm", so constraints go out as vLLM's structured_outputs
        // (https://docs.vllm.ai/en/latest/features/structured_outputs.html): json, regex, choice, grammar.
        let log = directory + "/requests.jsonl"
        let server = try ServerProcess.fake("ok", requestLog: log)
        defer { server.stop() }
        let grammar = script("g.gbnf", "root ::= \"yes\" | \"no\"\n")
        _ = try run("""
        /load remote \(server.url)
        /schema {"type": "object", "properties": {"a": {"type": "integer"}}}
        one
        /regex [0-9]{4}
        two
        /choice red|green
        three
        /grammar \(grammar)
        four
        """)
        let bodies = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .map { try JSONValue.parse(String($0))["body"]?["structured_outputs"] }
        #expect(bodies.count == 4)
        #expect(bodies[0] == ["json": ["type": "object", "properties": ["a": ["type": "integer"]]]])
        #expect(bodies[1] == ["regex": "[0-9]{4}"])
        #expect(bodies[2] == ["choice": ["red", "green"]])
        #expect(bodies[3] == ["grammar": "root ::= \"yes\" | \"no\"\n"])
    }

    @Test func rawModeSendsOurPromptToCompletions() throws {
        // Raw mode: toolshell renders the prompt with the model's template, the server continues it
        // on /v1/completions (vLLM: skip_special_tokens false, so markers survive), the shell's
        // parser reads the text; a required call goes out as vLLM's structural_tag (a JSON string),
        // also with a /schema active (as locally, the forced reply is the call; the schema is for
        // the answer after the tool results).
        let log = directory + "/requests.jsonl"
        let server = try ServerProcess.fake("ok", requestLog: log)
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url) --mode raw --template qwen2.5-coder-0.5b
        /tools add get_weather city
        /tool-choice required
        /schema {"type": "object"}
        Weather in Paris?
        /expect content ^Hello world$
        """)
        #expect(run.status == 0, "\(run.summary)")
        let sent = try JSONValue.parse(String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")[0].description)
        #expect(sent["path"]?.stringValue == "/v1/completions")
        let prompt = sent["body"]?["prompt"]?.stringValue ?? ""
        #expect(prompt.hasSuffix("<|im_start|>assistant\n") && prompt.contains("<tools>"), "\(prompt)")
        #expect(sent["body"]?["skip_special_tokens"] == .bool(false))
        let tag = try JSONValue.parse(sent["body"]?["structured_outputs"]?["structural_tag"]?.stringValue ?? "")
        #expect(tag["type"]?.stringValue == "structural_tag")
        #expect(tag["format"]?["at_least_one"] == .bool(true))
        #expect(sent["body"]?["structured_outputs"]?["json"] == nil, "\(sent)")
    }

    @Test func serverKilledMidStream() throws {
        let server = try ServerProcess.fake("kill")
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url) --retries 0
        /tools add get_weather city
        What is the weather in Paris?
        /show model
        """)
        #expect(run.status == 2, "\(run.summary)")
        // What arrived before the server died is shown and kept; the half call is not run.
        #expect(run.events("content").compactMap { $0["text"]?.stringValue }.joined() == "Let me check")
        #expect(run.events("tool_call").isEmpty)
        #expect(run.events("stats").first?["finish_reason"]?.stringValue == "error", "\(run.summary)")
        #expect(run.errors.contains { $0.contains("ended before the reply finished") }, "\(run.summary)")
        expectSessionGoesOn(run)
    }

    @Test func nothingListening() throws {
        let port = freeLoopbackPort()
        let run = try run("""
        /load remote http://127.0.0.1:\(port) --retries 1
        /load remote http://127.0.0.1:\(port)/v1 --retries 0
        /show params
        """)
        #expect(run.status == 2)
        let errors = run.errors
        #expect(errors.count == 2, "\(run.summary)")
        #expect(errors.first?.contains("failed after 2 attempts") == true, "\(run.summary)")
        #expect(errors.allSatisfy { $0.contains("Connection refused") }, "\(run.summary)")
        #expect(!run.events("info").isEmpty, "the session goes on: /show params answers")
    }

    @Test func slowServerPastTheTimeout() throws {
        let server = try ServerProcess.fake("slow")
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url) --timeout 1
        Hello?
        /show model
        """)
        #expect(run.status == 2)
        #expect(run.errors.contains { $0.contains("no answer within 1 s") }, "\(run.summary)")
        expectSessionGoesOn(run)
    }

    @Test func garbageServerSentEventLine() throws {
        let server = try ServerProcess.fake("garbage")
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url)
        Hello?
        /show model
        """)
        #expect(run.status == 2)
        #expect(run.events("content").compactMap { $0["text"]?.stringValue }.joined() == "Partial")
        #expect(run.events("stats").first?["finish_reason"]?.stringValue == "error")
        #expect(run.errors.contains { $0.contains("malformed server-sent event") && $0.contains("{this is not json") }, "\(run.summary)")
        expectSessionGoesOn(run)
    }

    @Test func httpErrorStatusWithBody() throws {
        let server = try ServerProcess.fake("error500")
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url)
        Hello?
        /show model
        """)
        #expect(run.status == 2)
        #expect(run.errors.contains { $0.contains("HTTP 500") && $0.contains("CUDA out of memory") }, "\(run.summary)")
        expectSessionGoesOn(run)
    }

    @Test func serverThatIgnoresResponseFormat() throws {
        let server = try ServerProcess.fake("ignore-format")
        defer { server.stop() }
        let run = try run("""
        /load remote \(server.url)
        /schema {"type": "object", "required": ["name"]}
        Who was Ada Lovelace? Answer as JSON.
        /show model
        """)
        #expect(run.status == 2)
        #expect(run.errors.contains { $0.contains("not JSON although a schema was sent") }, "\(run.summary)")
        #expect(run.events("stats").first?["finish_reason"]?.stringValue == "error")
        expectSessionGoesOn(run)
    }

    @Test func ctrlCStopsAWaitingRequest() throws {
        // The server never answers; SIGINT (what Ctrl-C sends) must end the wait long before the
        // 600 s timeout, as a cancelled (not failed) reply, and the script goes on.
        let server = try ServerProcess.fake("slow")
        defer { server.stop() }
        let path = script("s.tsh", """
        /load remote \(server.url) --timeout 600
        Hello?
        /show model
        """)
        let dir = temporaryDirectory("sigint")
        let outPath = dir + "/out"
        let child = try SpawnedChild([buildProductsDirectory + "/toolshell", "run", path, "--json", "--no-transcript"],
                                     stdout: outPath, stderr: dir + "/err")
        // Wait (without a time limit that matters) until the turn has started, then interrupt.
        var started = false
        for _ in 0..<6000 where !started {
            started = ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").contains("turn_start")
            if !started { usleep(50_000) }
        }
        #expect(started)
        usleep(300_000)  // let the request reach its wait; the outcome does not depend on this pause
        child.signal(SIGINT)
        let status = child.wait()
        let run = ToolshellRun(status: status, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", stderr: "")
        let errors = run.events("error")
        #expect(errors.contains { $0["kind"]?.stringValue == "cancelled" }, "\(run.summary)")
        #expect(!errors.contains { $0["message"]?.stringValue?.contains("no answer within") == true }, "\(run.summary)")
        expectSessionGoesOn(run)
    }

    @Test func badLoadArgumentsAreUsageErrors() throws {
        let run = try run("""
        /load remote https://example.com
        /load remote http://127.0.0.1:8000 --mode fancy
        /load remote
        """)
        let errors = run.errors
        #expect(errors.count == 3, "\(run.summary)")
        #expect(errors[0].contains("https is not supported"))
        #expect(errors[1].contains("--mode takes server-tools or raw"))
        #expect(errors[2].contains("needs the server's URL"))
    }
}
