import Foundation
import Schema
import Testing
@testable import Shell

@MainActor @Suite struct TurnTests {
    @Test func replyStreamsAndIsAppended() throws {
        let model = ScriptedModel([["Hel", "lo", " there"]])
        let shell = TestShell(model: model)
        shell.run("/system terse\nhi\n/expect content ^Hello there$\n/expect no-tool\n/expect tool x")
        #expect(shell.expects == [true, true, false])
        #expect(shell.session.exitStatus == 1)
        #expect(shell.session.messages.count == 2)
        #expect(shell.session.messages[1]["content"]?.stringValue == "Hello there")
        let request = try #require(model.requests.first)
        #expect(request.messages.first?["role"]?.stringValue == "system")
        let contents = shell.recorder.events.compactMap { if case .content(let t) = $0 { return t }; return nil }
        #expect(contents == ["Hel", "lo", " there"])
        let stats = shell.recorder.events.compactMap { if case .stats(let s) = $0 { return s }; return nil }
        #expect(stats.count == 1)
        #expect(stats.first?.generatedTokens == 3)
        #expect(stats.first?.promptTokens == 7)
        #expect(stats.first?.timeToFirstToken != nil)
    }

    @Test func retryUndoClear() {
        let model = ScriptedModel([["one"], ["two"], ["three"]])
        let shell = TestShell(model: model)
        shell.run("first\n/retry\n/expect content two")
        #expect(shell.expects == [true])
        #expect(shell.session.messages.count == 2)
        shell.run("second\n/undo")
        #expect(shell.session.messages.count == 2)
        shell.run("/clear")
        #expect(shell.session.messages.isEmpty)
        shell.run("/undo\n/retry")
        #expect(shell.errors.count == 2)
    }

    @Test func ctrlCStopsTheGenerationAndKeepsTheSession() {
        let model = ScriptedModel([["a", "b", "c", "d"], ["fine"]])
        let shell = TestShell(model: model)
        let interrupts = InterruptSource.makePrivate()
        shell.session.interrupts = interrupts
        model.beforePiece = { index in if index == 2 { interrupts.request() } }
        shell.run("go")
        #expect(shell.errors.map(\.kind) == [.cancelled])
        #expect(shell.session.messages.last?["content"]?.stringValue == "ab")
        model.beforePiece = nil
        shell.run("again\n/expect content fine")
        #expect(shell.expects == [true])
        #expect(shell.session.messages.count == 4)
    }

    @Test func saveAndOpenRoundTrip() throws {
        let model = ScriptedModel([["answer"]])
        let shell = TestShell(model: model)
        shell.run("""
        /system sys
        /tools add {"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}
        question
        /save chat.json
        """)
        let saved = try JSONValue.parse(String(contentsOfFile: shell.directory + "/chat.json", encoding: .utf8))
        #expect(saved["messages"]?.arrayValue?.count == 3)
        #expect(saved["tools"]?[0]?["function"]?["name"]?.stringValue == "f")
        let other = TestShell()
        other.session.baseDirectory = shell.directory
        other.run("/open chat.json")
        #expect(other.errors.isEmpty)
        #expect(other.session.systemPrompt == "sys")
        #expect(other.session.messages == shell.session.messages)
        #expect(other.session.tools.map(\.definition) == shell.session.tools.map(\.definition))
    }

    @Test func stopStringsCutTextEngineOutput() {
        var filter = StopStringFilter(stops: ["</answer>"])
        var shown = ""
        var stopped = false
        for piece in ["The ", "answer", " is 4</", "ans", "wer> more"] where !stopped {
            let (text, hit) = filter.feed(piece)
            shown += text
            stopped = hit
        }
        #expect(stopped)
        #expect(shown == "The answer is 4")
    }
}
