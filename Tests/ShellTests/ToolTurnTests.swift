import Foundation
import Schema
import Testing
@testable import Shell

/// Turns whose replies call tools: the active parser splits the stream, bound tools answer,
/// their results go back as `tool` messages, and the loop ends at a plain answer.
@MainActor @Suite struct ToolTurnTests {
    static let weatherTool = #"/tools add {"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}"#

    @Test func boundScriptAnswersAndTheModelFinishes() throws {
        // Hermes wire format (Qwen2.5's chat template), streamed in small pieces.
        let call = ["<tool_call>", "\n{\"name\": \"get_", "weather\", \"arguments\": {\"city\": \"Pa", "ris\"}}\n", "</tool_call>"]
        let model = ScriptedModel([call, ["It is ", "21 °C in Paris."]])
        let shell = TestShell(model: model)
        _ = shell.write("weather.sh", "#!/bin/sh\nread args\necho \"{\\\"input\\\": $args, \\\"temp_c\\\": 21}\"\n", executable: true)
        shell.run("""
        \(Self.weatherTool)
        /tools bind get_weather --exec ./weather.sh
        /parser hermes
        Weather in Paris?
        /expect tool get_weather args {"city": "Paris"}
        /expect content 21 °C
        """)
        #expect(shell.errors.isEmpty, "\(shell.errors)")
        #expect(shell.expects == [true, true])
        let roles = shell.session.messages.compactMap { $0["role"]?.stringValue }
        #expect(roles == ["user", "assistant", "tool", "assistant"])
        let toolMessage = shell.session.messages[2]
        let result = try JSONValue.parse(toolMessage["content"]?.stringValue ?? "")
        #expect(result["input"] == ["city": "Paris"])
        #expect(toolMessage["tool_call_id"] == shell.session.messages[1]["tool_calls"]?[0]?["id"])
        // The second request carries the tool result.
        #expect(model.requests.count == 2)
        #expect(model.requests[1].messages.last?["role"]?.stringValue == "tool")
        // Deltas stream the call before it is complete.
        let deltas = shell.recorder.events.compactMap { if case let .toolCallDelta(_, _, _, a) = $0 { return a }; return nil }
        #expect(deltas.count > 1)
        #expect(try JSONValue.parse(deltas.joined()) == ["city": "Paris"])
    }

    @Test func unboundCallEndsTheTurn() {
        let model = ScriptedModel([["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"]])
        let shell = TestShell(model: model)
        shell.run("\(Self.weatherTool)\n/parser hermes\nOslo?\n/expect tool get_weather args {\"city\":\"Oslo\"}")
        #expect(shell.expects == [true])
        #expect(shell.session.messages.count == 2)
        #expect(model.requests.count == 1)
    }

    @Test func chainLimitStopsAModelThatKeepsCalling() {
        let call = ["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"]
        let model = ScriptedModel(Array(repeating: call, count: 5))
        let shell = TestShell(model: model)
        shell.run("\(Self.weatherTool)\n/tools bind get_weather --mock {\"t\":1}\n/parser hermes\n/set chain_limit 3\nloop")
        #expect(model.requests.count == 3)
        #expect(shell.errors.last?.message.contains("3 replies") == true)
    }

    /// /tool-choice required: the first reply's request carries the hermes structural tag with a
    /// call obligatory from the first token; the reply after the tool results is auto (no tag).
    /// Removing the tool a named choice forces sets the choice back to auto.
    @Test func forcedChoiceCarriesTheStructuralTagForTheFirstReplyOnly() throws {
        let call = ["<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"]
        let model = ScriptedModel([call, ["Cold."]])
        let shell = TestShell(model: model)
        shell.run("\(Self.weatherTool)\n/tools bind get_weather --mock {\"t\":1}\n/parser hermes\n/tool-choice required\nOslo?")
        #expect(shell.errors.isEmpty, "\(shell.errors)")
        #expect(model.requests.count == 2)
        let first = try #require(model.requests.first)
        #expect(first.forceToolCall && first.toolChoice == .required)
        let format = try #require(first.structuralTag?["format"])
        #expect(format["type"]?.stringValue == "triggered_tags" && format["at_least_one"] == .bool(true))
        #expect(format["tags"]?[0]?["begin"]?.stringValue == "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ")
        #expect(format["tags"]?[0]?["content"]?["json_schema"]?["required"] == ["city"])
        let second = model.requests[1]
        #expect(!second.forceToolCall && second.toolChoice == .auto && second.structuralTag == nil)

        shell.run("/tool-choice get_weather\n/tools rm get_weather")
        #expect(shell.session.toolChoice == .auto)
        #expect(shell.infos.last?.contains("auto") == true)
    }

    @Test func templateThatRaisesLeavesTheConversationAsItWas() {
        let model = ScriptedModel([["fine"]])
        model.chatTemplate = """
        {%- for m in messages %}{%- if m.role == 'user' and 'forbidden' in m.content %}{{ raise_exception('user messages may not say forbidden') }}{%- endif %}<|{{ m.role }}|>{{ m.content }}{%- endfor %}{%- if add_generation_prompt %}<|assistant|>{%- endif %}
        """
        let shell = TestShell(model: model)
        shell.run("this is forbidden\n/set seed 9\nthis is fine\n/expect content fine\n/render")
        #expect(shell.errors.map(\.kind) == [.template])
        #expect(shell.errors[0].message.contains("user messages may not say forbidden"))
        #expect(shell.session.messages.count == 2)
        #expect(model.requests.first?.prompt == "<|user|>this is fine<|assistant|>")
        #expect(shell.infos.last == "<|user|>this is fine<|assistant|>fine<|assistant|>")
        #expect(shell.expects == [true])
    }

    @Test func autoParserFollowsTheTemplate() throws {
        let source = try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/shell/Qwen-Qwen2.5-7B-Instruct.jinja", encoding: .utf8)
        let model = ScriptedModel([])
        model.chatTemplate = source
        let shell = TestShell(model: model)
        #expect(shell.session.activeParserName == "hermes")
        shell.run("/parser mistral")
        #expect(shell.session.activeParserName == "mistral")
        shell.run("/parser nonsense")
        #expect(shell.errors.first?.fix?.contains("hermes") == true)
    }

    /// Every real template in the fixture set: `auto` gives a parser the registry has, or plain
    /// text with a note when the template's format has no built-in parser — never a failing turn.
    @Test func autoParserOnEveryFixtureTemplateIsUsable() throws {
        let directory = repositoryRoot + "/Tests/Fixtures/chat-templates/templates"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jinja") }.sorted()
        #expect(files.count >= 59)
        var plainText: [String] = []
        for file in files {
            let model = ScriptedModel([["It is sunny."]])
            model.chatTemplate = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            let shell = TestShell(model: model)
            if let name = shell.session.activeParserName {
                #expect(shell.session.parserRegistry.format(named: name) != nil, "\(file): \(name)")
            } else if shell.infos.contains(where: { $0.contains("has no built-in parser") }) {
                plainText.append(file)
            }
            shell.run("What is the weather?")
            // Hermes' tool_use templates iterate `tools` unconditionally and raise without tools,
            // as in jinja2 (the golden tests check that); that is a template error, nothing else.
            #expect(shell.errors.allSatisfy { $0.kind == .template }, "\(file): \(shell.errors.map(\.message))")
            if shell.errors.isEmpty {
                let said = (shell.session.lastTurn?.content ?? "") + (shell.session.lastTurn?.reasoning ?? "")
                #expect(said.contains("sunny"), "\(file)")
            }
        }
        // MiniMax-M1's <tool_calls> JSON lines: a format vLLM parses ("minimax") that toolshell does not build in.
        #expect(plainText.contains("MiniMax-M1.jinja"))
    }
}

/// The example scripts that run without a model.
@Suite struct ExampleScriptTests {
    @Test func parserLab() throws {
        let run = try runToolshell(["run", repositoryRoot + "/examples/parser-lab.tsh", "--json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let expects = try run.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
            .filter { $0["type"]?.stringValue == "expect" }
        #expect(expects.count == 8)
        #expect(expects.allSatisfy { $0["passed"] == true })
    }
}
