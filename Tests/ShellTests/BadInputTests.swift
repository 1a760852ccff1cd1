import Foundation
import Schema
import Testing
@testable import Shell

/// The issue's bad-input table: each row gives a clear error, and the session goes on with
/// nothing lost (the conversation, tools and settings set before the bad line are intact,
/// and the next line still runs).
@MainActor @Suite struct BadInputTests {
    /// A session with some state, then `bad`, then a probe command that must still work.
    func check(_ bad: String, kind: ShellError.Kind, mentions: String, setup: (TestShell) -> Void = { _ in },
               file: String = #fileID, line: Int = #line) -> TestShell {
        let model = ScriptedModel([["hi"], ["again"]])
        let shell = TestShell(model: model)
        setup(shell)
        shell.run("""
        /system be brief
        /tools add {"type":"function","function":{"name":"echo","parameters":{"type":"object","properties":{"x":{"type":"string"}}}}}
        /set temperature 0.1
        hello
        """)
        let before = (shell.session.messages, shell.session.tools.map(\.name), shell.errors.count)
        shell.run(bad)
        let errors = shell.errors.dropFirst(before.2)
        #expect(errors.count >= 1, "no error for: \(bad)")
        #expect(errors.first?.kind == kind, "kind for: \(bad)")
        let text = errors.map { $0.message + " " + ($0.fix ?? "") }.joined(separator: " | ")
        #expect(text.contains(mentions), "error for \(bad) should mention \(mentions): \(text)")
        #expect(errors.first?.location?.line != nil)
        // Nothing lost: state is intact and the next line runs.
        #expect(shell.session.messages.count >= before.0.count)
        #expect(Array(shell.session.messages.prefix(before.0.count)) == before.0)
        #expect(shell.session.tools.map(\.name) == before.1)
        #expect(shell.session.systemPrompt == "be brief")
        #expect(shell.session.settings.double("temperature") == 0.1)
        shell.run("/expect no-tool")
        #expect(shell.expects.last == true)
        return shell
    }

    @Test func unknownCommand() { _ = check("/lod qwen", kind: .usage, mentions: "/load") }

    @Test func badJSON() {
        _ = check(#"/tools add {"type":"function","function":{"name":"x",}}"#, kind: .input, mentions: "1:")
        _ = check(#"/expect tool echo args {"x": }"#, kind: .input, mentions: "bad JSON")
    }

    @Test func missingFile() {
        _ = check("/tools add nowhere/tools.json", kind: .input, mentions: "no such file")
        _ = check("/schema missing.json", kind: .input, mentions: "missing.json")
        _ = check("/open gone.json", kind: .input, mentions: "gone.json")
    }

    @Test func schemaError() {
        _ = check(#"/schema {"type": "strnig"}"#, kind: .input, mentions: "/type")
        _ = check(#"/tools add {"name":"t","parameters":{"type":"object","properties":{"a":{"type":7}}}}"#,
                  kind: .input, mentions: "/function/parameters")
        _ = check(#"/tools add {"type":"function","function":{"description":"no name"}}"#, kind: .input, mentions: "/function/name")
    }

    @Test func corruptModelFile() {
        let shell = TestShell()
        let path = shell.write("broken.gguf", "GGUF\u{3}\u{0}garbage")
        shell.session.modelLoader = .standard(pluginPaths: [buildProductsDirectory])
        shell.run("/load \(path)\n/set temperature 0.5")
        #expect(shell.errors.count == 1)
        #expect(shell.errors.first?.kind == .model)
        #expect(shell.errors.first?.message.contains(path) == true)
        #expect(shell.session.settings.double("temperature") == 0.5)
        #expect(shell.session.model == nil)
    }

    @Test func corruptReplayRecording() {
        let shell = TestShell()
        let path = shell.write("rec.jsonl", "{\"text\": \"ok\"}\n{\"pieces\": [1, 2]}\n")
        shell.session.modelLoader = .standard(pluginPaths: [buildProductsDirectory])
        shell.run("/load \(path)")
        #expect(shell.errors.first?.kind == .model)
        #expect(shell.errors.first?.message.contains("rec.jsonl:2") == true, "\(shell.errors)")
    }

    @Test func unterminatedQuote() { _ = check("/set stop \"abc", kind: .usage, mentions: "quote") }

    @Test func messageWithoutModel() {
        let shell = TestShell()
        shell.run("hello\n/set seed 3")
        #expect(shell.errors.first?.kind == .usage)
        #expect(shell.errors.first?.fix?.contains("/load") == true)
        #expect(shell.session.settings.int("seed") == 3)
        #expect(shell.session.messages.isEmpty)
    }
}
