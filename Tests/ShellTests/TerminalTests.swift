import Foundation
import Schema
import Testing

/// Drives the real REPL through a pseudo-terminal (a detached tmux session): completion,
/// history recall (also across sessions), `"""` blocks, Ctrl-C at the prompt and during a
/// generation, Ctrl-D. The model is a replay recording, so no weights are needed.
@Suite(.serialized) struct TerminalTests {
    /// One tmux session running toolshell in a scratch directory.
    final class Terminal {
        let name = "toolshell-test-\(UUID().uuidString.prefix(8))"
        let directory: String
        let state: String

        init(recording: String, state: String? = nil) throws {
            directory = NSTemporaryDirectory() + "toolshell-pty-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.state = state ?? directory + "/state"
            try recording.write(toFile: directory + "/rec.jsonl", atomically: true, encoding: .utf8)
            let command = "cd '\(directory)' && XDG_STATE_HOME='\(self.state)' NO_COLOR=1 '\(buildProductsDirectory)/toolshell' --model rec.jsonl; echo \"EXITED $?\"; sleep 60"
            try tmux(["new-session", "-d", "-s", name, "-x", "160", "-y", "50", command])
            try waitFor("[auto]>")
        }

        deinit { _ = try? tmux(["kill-session", "-t", name]) }

        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            return try runChild(["tmux"] + arguments, timeout: 60).stdout
        }

        /// Sends keys (tmux key names such as Enter, Tab, Up, C-c, C-d, or literal text with `literal`).
        func send(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }
        func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }

        var screen: String { (try? tmux(["capture-pane", "-p", "-t", name, "-S", "-200"])) ?? "" }

        /// Waits until the screen contains `text` `count` times (default once); tmux drops
        /// trailing blanks, so `text` should not end in one.
        func waitFor(_ text: String, count: Int = 1, timeout: Double = 15) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if screen.components(separatedBy: text).count - 1 >= count { return }
                usleep(50_000)
            }
            throw TerminalTimeout(expected: text, screen: screen)
        }
    }

    struct TerminalTimeout: Error, CustomStringConvertible {
        var expected: String
        var screen: String
        var description: String { "timed out waiting for \(expected.debugDescription); screen:\n\(screen)" }
    }

    let recording = """
    {"type": "replay_config", "delay_ms": 150}
    {"text": "one two three four five six seven eight nine ten eleven twelve"}
    {"text": "after the interrupt", "delay_ms": 0}
    {"text": "block reply", "delay_ms": 0}
    """

    @Test func completionOfCommandsKeysAndFiles() throws {
        let t = try Terminal(recording: recording)
        try t.type("/he")
        try t.send("Tab")
        try t.waitFor("> /help")
        try t.send("Enter")
        try t.waitFor("commands (a line not starting with / is a message")
        try t.type("/set max_t")
        try t.send("Tab")
        try t.waitFor("> /set max_tokens")
        try t.type("5")
        try t.send("Enter")
        try t.type("/show para")
        try t.send("Tab")
        try t.send("Enter")
        try t.waitFor(paramLine("max_tokens", "5"))
        try t.type("/load re")
        try t.send("Tab")
        try t.waitFor("> /load rec.jsonl")
        try t.send("C-u")
        try t.type("/tool-choice req")
        try t.send("Tab")
        try t.waitFor("> /tool-choice required")
    }

    @Test func historyIsRecalledAndPersists() throws {
        let t = try Terminal(recording: recording)
        try t.type("/set seed 1234")
        try t.send("Enter")
        try t.type("/show params")
        try t.send("Enter")
        try t.waitFor(paramLine("seed", "1234"))
        try t.send("Up")
        try t.send("Up")
        try t.waitFor("[auto]> /set seed 1234", count: 2)
        try t.send("C-u")
        try t.send("C-d")
        try t.waitFor("EXITED 0")
        let history = try String(contentsOfFile: t.state + "/toolshell/history", encoding: .utf8)
        #expect(history.contains("seed\\0401234"))
        // A new session recalls the previous session's lines.
        let second = try Terminal(recording: recording, state: t.state)
        try second.send("Up")
        try second.send("Up")
        try second.waitFor("[auto]> /set seed 1234")
    }

    @Test func multiLineBlockIsOneMessage() throws {
        let t = try Terminal(recording: #"{"text": "block reply"}"#)
        try t.type("\"\"\"")
        try t.send("Enter")
        try t.waitFor("...")
        try t.type("line one")
        try t.send("Enter")
        try t.type("  line two")
        try t.send("Enter")
        try t.type("\"\"\"")
        try t.send("Enter")
        try t.waitFor("block reply")
        try t.type("/save chat.json")
        try t.send("Enter")
        try t.waitFor("saved 2 messages")
        let chat = try JSONValue.parse(String(contentsOfFile: t.directory + "/chat.json", encoding: .utf8))
        #expect(chat["messages"]?[0]?["content"]?.stringValue == "line one\n  line two")
    }

    @Test func ctrlCStopsAGenerationAndTheSessionGoesOn() throws {
        let t = try Terminal(recording: recording)
        try t.type("/set stop ZZZ")
        try t.send("Enter")
        try t.type("count for me")
        try t.send("Enter")
        try t.waitFor("three")
        try t.send("C-c")
        try t.waitFor("generation stopped (Ctrl-C)")
        #expect(!t.screen.contains("twelve"))
        // Ctrl-C at the prompt drops the line and keeps the session.
        try t.type("half a line")
        try t.send("C-c")
        try t.waitFor("[auto]>", count: 4)
        try t.type("go on")
        try t.send("Enter")
        try t.waitFor("after the interrupt")
        try t.type("/show params")
        try t.send("Enter")
        try t.waitFor(paramLine("stop", "[\"ZZZ\"]"))
        try t.send("C-d")
        try t.waitFor("EXITED 0")
    }

    @Test func boundToolAsksBeforeRunningAndAcceptsTypedResults() throws {
        let call = #"{"pieces": ["<tool_call>", "\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n", "</tool_call>"]}"#
        let t = try Terminal(recording: [call, #"{"text": "Oslo is 5 degrees."}"#, call, #"{"text": "typed answer used"}"#]
            .joined(separator: "\n"))
        try #"{"city": "Oslo", "temp": 5}"#.write(toFile: t.directory + "/out.json", atomically: true, encoding: .utf8)
        try t.type(#"/tools add {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}"#)
        try t.send("Enter")
        try t.type("/tools bind get_weather --exec cat out.json")
        try t.send("Enter")
        try t.type("/parser hermes")
        try t.send("Enter")
        try t.waitFor("[hermes]>")
        try t.type("weather in Oslo?")
        try t.send("Enter")
        try t.waitFor("run cat out.json with {\"city\": \"Oslo\"}? [y/N]")
        try t.type("y")
        try t.send("Enter")
        try t.waitFor("Oslo is 5 degrees.")
        #expect(t.screen.contains("↳ get_weather: {\"city\": \"Oslo\", \"temp\": 5}"))
        // --ask: the person types the result.
        try t.type("/tools bind get_weather --ask")
        try t.send("Enter")
        try t.type("and now?")
        try t.send("Enter")
        try t.waitFor("result for get_weather")
        try t.type("minus 3")
        try t.send("Enter")
        try t.waitFor("typed answer used")
        #expect(t.screen.contains("↳ get_weather: minus 3"))
    }
}
