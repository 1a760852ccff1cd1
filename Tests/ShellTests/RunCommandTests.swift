import Foundation
import Schema
import Testing
@testable import Shell

/// `toolshell run SCRIPT [--json]` through the built binary and the replay engine plugin.
@Suite(.serialized) struct RunCommandTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "toolshell-run-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func events(_ stdout: String) throws -> [JSONValue] {
        try stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    @Test func jsonEventsAndExitCodes() throws {
        _ = write("rec.jsonl", #"""
        {"text": "The answer is 42."}
        {"pieces": ["{", "\"a\"", ": 1}"]}
        """#)
        let script = write("ok.tsh", """
        /load rec.jsonl
        What is the answer?
        /expect content 42
        Give JSON.
        /expect json
        """)
        let ok = try runToolshell(["run", script, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let list = try events(ok.stdout)
        #expect(list.allSatisfy { $0["type"]?.stringValue != nil })
        let types = list.compactMap { $0["type"]?.stringValue }
        #expect(types.filter { $0 == "turn_start" }.count == 2)
        #expect(types.filter { $0 == "stats" }.count == 2)
        #expect(types.filter { $0 == "expect" }.count == 2)
        let text = list.filter { $0["type"]?.stringValue == "content" }.compactMap { $0["text"]?.stringValue }.joined()
        #expect(text == "The answer is 42.{\"a\": 1}")
        let stats = try #require(list.first { $0["type"]?.stringValue == "stats" })
        #expect(stats["generated_tokens"]?.int64Value == 5)  // The, " answer", " is", " 42", "."

        let failing = write("fail.tsh", "/load rec.jsonl\nhi\n/expect content ^nope$\n")
        #expect(try runToolshell(["run", failing]).status == 1)

        let bad = write("bad.tsh", "/load rec.jsonl\n/nonsense\nhi\n/expect content 42\n")
        let badRun = try runToolshell(["run", bad, "--json"])
        #expect(badRun.status == 2)
        let badEvents = try events(badRun.stdout)
        let error = try #require(badEvents.first { $0["type"]?.stringValue == "error" })
        #expect(error["location"]?.stringValue?.hasSuffix("bad.tsh:2") == true)
        #expect(badEvents.contains { $0["type"]?.stringValue == "expect" && $0["passed"] == true })
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try runToolshell(["run"]).status == 2)
        #expect(try runToolshell(["run", directory + "/missing.tsh"]).status == 2)
        #expect(try runToolshell(["run", "x.tsh", "--frob"]).status == 2)
        #expect(try runToolshell(["frobnicate"]).status == 2)
        #expect(try runToolshell(["--version"]).stdout.hasPrefix("toolshell "))
    }

    @Test func scriptOnStdin() throws {
        _ = write("rec.jsonl", #"{"text": "hello from stdin"}"#)
        let run = try runToolshell(["run", "-", "--json"], stdin: "/load rec.jsonl\nhi\n/expect content stdin\n",
                                   directory: directory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // Without a terminal, plain `toolshell` reads commands from stdin too.
        let plain = try runToolshell([], stdin: "/load rec.jsonl\nhi\n/expect content ^nope\n", directory: directory)
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("hello from stdin"))
    }

    @Test func transcriptIsWrittenPerEvent() throws {
        _ = write("rec.jsonl", #"{"pieces": ["a", "b"]}"#)
        let state = directory + "/state"
        let script = write("t.tsh", "/load rec.jsonl\nhi\n")
        let run = try runToolshell(["run", script], environment: ["XDG_STATE_HOME": state])
        #expect(run.status == 0)
        let dir = state + "/toolshell/transcripts"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.count == 1)
        let lines = try String(contentsOfFile: dir + "/" + files[0], encoding: .utf8).split(separator: "\n")
        let types = try lines.map { try JSONValue.parse(String($0))["type"]?.stringValue ?? "" }
        #expect(types == ["session_start", "input", "info", "input", "turn_start", "model_output", "stats"])
        let output = try JSONValue.parse(String(lines[5]))
        #expect(output["pieces"] == ["a", "b"])
    }

    @Test func transcriptReplaysAsARecording() throws {
        // A session's transcript is itself a recording the replay engine can play.
        _ = write("rec.jsonl", #"{"text": "first reply"}"# + "\n" + #"{"text": "second reply"}"#)
        let state = directory + "/state2"
        let script = write("t.tsh", "/load rec.jsonl\none\ntwo\n")
        _ = try runToolshell(["run", script], environment: ["XDG_STATE_HOME": state])
        let dir = state + "/toolshell/transcripts"
        let transcript = dir + "/" + (try FileManager.default.contentsOfDirectory(atPath: dir)[0])
        let replay = write("replay.tsh", "/load \(transcript)\nagain\n/expect content ^first reply$\nmore\n/expect content ^second reply$\n")
        let run = try runToolshell(["run", replay])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }

    @Test func killNineLosesAtMostTheTurnInProgress() throws {
        _ = write("rec.jsonl", """
        {"text": "first answer"}
        {"text": "a slow second answer that is still streaming when the process dies", "delay_ms": 300}
        """)
        let state = directory + "/state-kill"
        let script = write("k.tsh", "/load rec.jsonl\nfirst\n/set seed 5\nsecond\n")
        let process = try BackgroundChild([buildProductsDirectory + "/toolshell", "run", script],
                                          environment: ["XDG_STATE_HOME": state])
        let dir = state + "/toolshell/transcripts"
        // Wait until the second turn has streamed a little, then kill -9.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let file = try? FileManager.default.contentsOfDirectory(atPath: dir).first,
               let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8),
               text.components(separatedBy: "\"turn_start\"").count - 1 >= 2 { break }
            usleep(20_000)
        }
        usleep(400_000)
        kill(process.pid, SIGKILL)
        process.waitForExit()
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let events = try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let types = events.compactMap { $0["type"]?.stringValue }
        // Everything up to the turn in progress is there, line for line.
        #expect(Array(types.prefix(9)) == ["session_start", "input", "info", "input", "turn_start", "model_output", "stats",
                                            "input", "input"])
        #expect(events[5]["pieces"]?.arrayValue?.compactMap(\.stringValue).joined() == "first answer")
        #expect(types.last == "turn_start")
    }
}
