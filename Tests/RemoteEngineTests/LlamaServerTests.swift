import Foundation
import Schema
import Testing

/// The shell's example scripts, unchanged, against llama.cpp's OpenAI-compatible server
/// (PyPI llama-cpp-python, `python -m llama_cpp.server`, from the venv that
/// scripts/setup-llama-server.sh caches; `make test` runs it first) with the default model,
/// in both tool-call modes, and against the local engine.
///
/// Differences in the events, and why (each is asserted below):
/// - server-tools: llama-cpp-python renders the prompt with the GGUF's template and, for a
///   named tool_choice (our "required" with one tool), generates the arguments under a JSON
///   grammar and streams them as `tool_calls` deltas; so the first reply's model_output holds
///   no `<tool_call>` markup, and the calls arrive as tool_call_delta events from the server.
/// - raw: toolshell renders the prompt, the server continues it on /v1/completions and the
///   hermes parser finds `<tool_call>{…}</tool_call>` in the raw text, so model_output holds it.
/// - raw against llama.cpp: the forced call (tool_choice required) goes out as a GBNF grammar
///   built from the hermes structural tag; vLLM would get the structural tag itself.
/// - local: the same text path as raw (hermes parser over the model's own text), run in-process;
///   the forced call is generated under the hermes structural tag compiled to a token mask, so
///   the reply starts with `<tool_call>`.
/// - prompt_tokens is null remotely (llama-cpp-python's stream carries no usage) and a count locally.
/// - Every /expect line of both scripts passes in all three (remote in both modes, local).
@Suite(.serialized) struct LlamaServerTests {
    static let cache = (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        ?? NSHomeDirectory() + "/.cache") + "/toolshell"
    static let venvPython = cache + "/llama-server-venv/bin/python"
    static let model = cache + "/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

    /// Starts the server on a free loopback port; waits (generously) until it accepts connections.
    func startServer() throws -> ServerProcess {
        guard FileManager.default.fileExists(atPath: Self.cache + "/llama-server-venv/.toolshell-ready") else {
            throw ServerStartError(description: "llama-cpp-python's server is not installed in \(Self.cache)/llama-server-venv; run scripts/setup-llama-server.sh (make test does)")
        }
        guard FileManager.default.fileExists(atPath: Self.model) else {
            throw ServerStartError(description: "\(Self.model) is missing; run make setup")
        }
        let port = freeLoopbackPort()
        let logPath = temporaryDirectory("llama-server") + "/server.log"
        let child = try SpawnedChild([Self.venvPython, "-m", "llama_cpp.server", "--model", Self.model,
                                      "--model_alias", "qwen2.5-coder-0.5b", "--host", "127.0.0.1", "--port", String(port),
                                      "--n_ctx", "4096", "--n_threads", "2"],
                                     stdout: logPath, stderr: logPath + ".err")
        let server = ServerProcess(child: child, port: port, logPath: logPath + ".err")
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            if portAcceptsConnections(port) { return server }
            if !child.isRunning { break }
            usleep(200_000)
        }
        server.stop()
        throw ServerStartError(description: "llama_cpp.server did not start:\n\(server.log.suffix(3000))")
    }

    func runExample(_ name: String, remote: String?, mode: String?) throws -> ToolshellRun {
        var arguments = ["run", repositoryRoot + "/examples/" + name, "--json"]
        if let remote { arguments += ["--remote", remote] }
        if let mode { arguments += ["--remote-mode", mode] }
        return try runToolshell(arguments)
    }

    /// Every /expect of the script passed (and there were `count` of them).
    func expectAllPassed(_ run: ToolshellRun, count: Int, _ what: String) {
        let expects = run.events("expect")
        #expect(run.status == 0, "\(what): \(run.summary)")
        #expect(expects.count == count, "\(what): \(run.summary)")
        #expect(expects.allSatisfy { $0["passed"] == .bool(true) }, "\(what): \(run.summary)")
    }

    /// The model_output pieces of the first reply (from the transcript), joined.
    func firstReplyText(_ run: ToolshellRun) -> String {
        let outputs = run.transcript.filter { $0["type"]?.stringValue == "model_output" }
        return outputs.first?["pieces"]?.arrayValue?.compactMap(\.stringValue).joined() ?? ""
    }

    @Test func examplesAgainstLlamaCppServerInBothModes() throws {
        let server = try startServer()
        defer { server.stop() }

        for mode in ["server-tools", "raw"] {
            let weather = try runExample("weather-agent.tsh", remote: server.url, mode: mode)
            expectAllPassed(weather, count: 2, "weather-agent.tsh, \(mode)")
            #expect(weather.events("tool_call").first?["name"]?.stringValue == "get_weather", "\(mode): \(weather.summary)")
            #expect(weather.events("tool_result").first?["result"]?.stringValue?.contains("light rain") == true, "\(mode)")
            #expect(weather.events("stats").allSatisfy { $0["prompt_tokens"]?.isNull == true }, "\(mode)")
            #expect(weather.transcript.contains { $0["type"]?.stringValue == "model_output" }, "\(mode): no transcript")
            if mode == "server-tools" {
                #expect(!firstReplyText(weather).contains("<tool_call>"), "server-tools: \(weather.summary)")
            } else {
                #expect(firstReplyText(weather).contains("<tool_call>"), "raw: \(weather.summary)")
            }
            #expect(weather.events("info").contains { $0["text"]?.stringValue?.contains("remote engine") == true })

            let structured = try runExample("structured-output.tsh", remote: server.url, mode: mode)
            expectAllPassed(structured, count: 3, "structured-output.tsh, \(mode)")
        }
    }

    @Test func examplesAgainstTheLocalEngine() throws {
        let weather = try runExample("weather-agent.tsh", remote: nil, mode: nil)
        let structured = try runExample("structured-output.tsh", remote: nil, mode: nil)
        // The same scripts, the same /expect lines, all passing, as against the server.
        expectAllPassed(weather, count: 2, "weather-agent.tsh, local")
        expectAllPassed(structured, count: 3, "structured-output.tsh, local")
        #expect(weather.events("tool_call").first?["name"]?.stringValue == "get_weather", "local: \(weather.summary)")
        #expect(weather.events("tool_result").first?["result"]?.stringValue?.contains("light rain") == true, "local: \(weather.summary)")
        // Local: the forced call is generated under the hermes structural tag compiled into a token
        // mask in-process, so the reply's raw text starts with the call marker (unconstrained,
        // Qwen2.5-Coder-0.5B answers with bare JSON), and toolshell's hermes parser finds the call
        // in it, as in raw mode; in server-tools mode the server parses and no markup is seen.
        #expect(firstReplyText(weather).hasPrefix("<tool_call>"), "local: \(weather.summary)")
        // Local: the engine counts the prompt's tokens; remotely prompt_tokens is null (the
        // server's stream carries no usage).
        #expect(weather.events("stats").allSatisfy { $0["prompt_tokens"]?.int64Value != nil }, "local: \(weather.summary)")
        // Both replies end on their own: the forced call is followed by end-of-generation (the tag
        // accepts there), and the answer after the tool result is unconstrained (auto).
        #expect(weather.events("stats").count == 2 && weather.events("stats").allSatisfy { $0["finish_reason"]?.stringValue == "stop" },
                "local: \(weather.summary)")
    }
}
