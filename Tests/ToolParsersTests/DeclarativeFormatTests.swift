import Foundation
import Testing
import Schema
@testable import ToolParsers

/// User formats from declarative files: every built-in table can be written as one, and a built-in
/// written out and loaded back as a user format parses real outputs exactly as the built-in does.
@Suite struct DeclarativeFormatTests {
    static let options = ToolParserOptions(startsInReasoning: false)

    /// The built-in formats that are data (all but Harmony).
    static let tableFormats = ToolParserRegistry.builtIn.all.filter { DeclarativeFormats.entry($0) != nil }.map(\.name)

    /// `format` written as a user file under the name `user_<name>`, loaded into a registry.
    static func userCopy(_ name: String) throws -> ToolParserRegistry {
        let builtIn = try #require(ToolParserRegistry.builtIn.format(named: name))
        var entry = try #require(DeclarativeFormats.entry(builtIn)?.objectValue)
        entry["name"] = .string("user_" + name)
        let text = JSONValue.object(JSONObject([("formats", .array([.object(entry)]))])).jsonString(.python(indent: 2, ensureASCII: false))
        var registry = ToolParserRegistry()
        #expect(try registry.loadDeclarativeFormats(text, path: "\(name).json") == ["user_" + name])
        return registry
    }

    static func stream(_ registry: ToolParserRegistry, _ name: String, _ text: String, tools: [JSONValue],
                       chunking: Chunking, options: ToolParserOptions) throws -> [ToolParserEvent] {
        let parser = try registry.makeParser(name: name, tools: tools, options: options)
        var events: [ToolParserEvent] = []
        for piece in chunking.split(text) { events += parser.feed(piece) }
        return events + parser.finish()
    }

    @Test func everyBuiltInTableIsExpressibleAsAFile() throws {
        #expect(Self.tableFormats.count == ToolParserRegistry.builtIn.names.count - 1, "only openai (Harmony) is code")
        let file = DeclarativeFormats.file(ToolParserRegistry.builtIn.all).jsonString(.python(indent: 2, ensureASCII: false))
        let loaded = try DeclarativeFormats.load(file, path: "builtins.json")
        #expect(loaded.map(\.name) == Self.tableFormats)
        for format in loaded {
            let original = try #require(ToolParserRegistry.builtIn.format(named: format.name))
            guard case .markup(let a) = original.engine, case .markup(let b) = format.engine else {
                Issue.record("\(format.name): not a table format")
                continue
            }
            #expect(a == b, "\(format.name): the table read back differs")
            #expect(original.structural == format.structural, "\(format.name): the structural tag read back differs")
            #expect(original.summary == format.summary)
            #expect(original.markers == format.markers)
        }
    }

    /// Realistic outputs: the chat-template renderings of every case (Tests/Fixtures/tool-parsers), the
    /// published examples, the scenario renderings (rich arguments, parallel calls, text around) and
    /// every truncation of them, compared event for event under every chunking.
    @Test(arguments: ["glm45", "glm47", "gemma4", "functiongemma", "minimax_m3", "pythonic", "llama4_pythonic", "olmo3",
                      "qwen3_coder", "minicpm5", "kimi_k2", "mistral", "deepseek_v3", "apertus", "cohere_command3", "llama3_json"])
    func userCopyParsesLikeTheBuiltIn(_ name: String) throws {
        let user = try Self.userCopy(name)
        var texts: [(String, [JSONValue], ToolParserOptions)] = []
        for c in TemplateCaseTests.fixture.cases where c.parser == name {
            texts.append((c.text, TemplateCaseTests.fixture.tools, ToolParserOptions(startsInReasoning: c.startsInReasoning)))
        }
        for e in PublishedExampleTests.examples where e.parser == name {
            texts.append((e.text, PublishedExampleTests.tools, ToolParserOptions(startsInReasoning: e.startsInReasoning)))
        }
        for (_, text, _) in FormatPropertyTests.scenarios(name) { texts.append((text, FormatRendering.tools, Self.options)) }
        let parallel = try #require(FormatRendering.render(name, [("get_weather", FormatRendering.richArguments), ("get_time", FormatRendering.emptyArguments)]))
        let scalars = Array(parallel.unicodeScalars)
        for cut in stride(from: 0, through: scalars.count, by: 7) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[0..<cut])
            texts.append((String(view), FormatRendering.tools, Self.options))
        }
        #expect(texts.count > 10)
        for (text, tools, options) in texts {
            for chunking in Chunking.allCases {
                let builtIn = try Self.stream(.builtIn, name, text, tools: tools, chunking: chunking, options: options)
                let copy = try Self.stream(user, "user_" + name, text, tools: tools, chunking: chunking, options: options)
                #expect(builtIn == copy, "\(name)/\(chunking): \(text.debugDescription)")
            }
        }
    }

    /// The README's example file: one format per argument style, each parsing its sample output.
    @Test func documentedExamplesLoadAndParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/tool-formats.json"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(text), "README.md must show examples/tool-formats.json as it is")
        var registry = ToolParserRegistry()
        let names = try registry.loadDeclarativeFormats(text, path: "examples/tool-formats.json")
        #expect(names == ["json_call", "xml_params", "python_calls", "gemma_like", "ns_xml"])
        let tools = ParserHarness.tools("""
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}, "days": {"type": "integer"}, "when": {"type": "object"},
            "tags": {"type": "array", "items": {"type": "string"}}}}}}]
        """)
        let samples: [(String, String, String)] = [
            ("json_call", "<think>Look it up.</think>Sure.<call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 2}}</call>",
             "{\"city\": \"Oslo\", \"days\": 2}"),
            ("xml_params", "Sure.<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n<parameter=days>\n2\n</parameter>\n</function>\n</tool_call>",
             "{\"city\": \"Oslo\", \"days\": 2}"),
            ("python_calls", "Sure.<calls>[get_weather(city='Oslo', days=2)]</calls>", "{\"city\": \"Oslo\", \"days\": 2}"),
            ("gemma_like", "Sure.<call>call:get_weather{city:<q>Oslo<q>,days:2,tags:[<q>a<q>]}</call>",
             "{\"city\": \"Oslo\", \"days\": 2, \"tags\": [\"a\"]}"),
            ("ns_xml", "Sure.@@<calls>\n@@<invoke name=\"get_weather\">@@<city>Oslo@@</city>@@<when>@@<day>2@@</day>@@</when>@@</invoke>\n@@</calls>",
             "{\"city\": \"Oslo\", \"when\": {\"day\": 2}}"),
        ]
        for (name, text, arguments) in samples {
            for chunking in Chunking.allCases {
                let out = ParsedOutput(events: try Self.stream(registry, name, text, tools: tools, chunking: chunking, options: ToolParserOptions()))
                #expect(out.content == "Sure.", "\(name)/\(chunking): \(out.content.debugDescription)")
                #expect(out.toolCalls.map(\.name) == ["get_weather"], "\(name)/\(chunking)")
                #expect(out.toolCalls.first?.arguments == arguments, "\(name)/\(chunking)")
            }
        }
    }

    @Test func badFilesNameTheFieldAndTheFix() {
        func entry(_ fields: String) -> String {
            "{\"formats\": [{\"name\": \"x\", \"triggers\": [{\"marker\": \"<c>\"}], \"call_end\": \"</c>\", \(fields)}]}"
        }
        let bad: [(String, String, String)] = [
            (entry("\"arguments\": {\"style\": \"json\"}, \"call_ends\": \"x\""), "/formats/0/call_ends", "did you mean 'call_end'"),
            (entry("\"arguments\": {\"style\": \"json\", \"string_delimiter\": \"<q>\"}"), "/formats/0/arguments/string_delimiter", "key_value"),
            (entry("\"arguments\": {\"style\": \"key_value\", \"string_delimiter\": \"<q<\"}"), "/formats/0/arguments/string_delimiter", "must not occur again"),
            (entry("\"arguments\": {\"style\": \"key_value\"}"), "/formats/0/arguments/string_delimiter", "missing"),
            (entry("\"arguments\": {\"style\": \"nested_xml\", \"tag_prefix\": \"@@\", \"call_end_tag\": \"</x>\"}"), "/formats/0/arguments/call_end_tag", "tag name"),
            (entry("\"arguments\": {\"style\": \"nested_xml\"}"), "/formats/0/arguments/tag_prefix", "missing"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"anchored_starts\": [\"{\\\"name\"]"), "/formats/0/anchored_starts/0", "one character"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"dropped_markers\": [\"<c>x\"]"), "/formats/0/dropped_markers/0", "begins with '<c>'"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"reasoning\": \"<think>\""), "/formats/0/reasoning", "expected an object"),
            (entry("\"arguments\": {\"style\": \"json\", \"allows_object\": false}"), "/formats/0/arguments", "allows_array"),
            (entry("\"arguments\": {\"style\": \"tagged\", \"name_end\": [\">\"], \"parameter_start\": \"</c\", \"key_end\": \">\", \"value_end\": \"</p>\"}"),
             "/formats/0/call_end", "begins with '</c'"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"section_end\": \"\""), "/formats/0/section_end", "leave the field out"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}\", \"arguments\": \"xml\"}"),
             "/formats/0/structural_tag/xml_markers", "parameter_begin"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}\", \"arguments\": \"xml\", "
                   + "\"xml_markers\": {\"parameter_begin\": \"<p \", \"name_end\": \">\"}}"),
             "/formats/0/structural_tag/xml_markers/value_end", "missing"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}\", \"arguments\": \"glm_xml\", "
                   + "\"xml_markers\": {\"parameter_begin\": \"<p \", \"name_end\": \">\", \"value_end\": \"</p>\"}}"),
             "/formats/0/structural_tag/xml_markers", "\"arguments\": \"xml\""),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}{call_id}\"}"),
             "/formats/0/structural_tag/call_id", "{call_id}"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}\", \"call_id\": {\"marker\": \"#\", \"pattern\": \"[0-9]+\"}}"),
             "/formats/0/structural_tag/call_begin", "{call_id}"),
            (entry("\"arguments\": {\"style\": \"json\"}, \"structural_tag\": {\"call_begin\": \"<c>{name}{call_id}\", \"call_id\": {\"marker\": \"#\"}}"),
             "/formats/0/structural_tag/call_id/pattern", "missing"),
            ("{\"formats\": [{\"name\": \"x\", \"triggers\": [{\"marker\": \"<c>\"}], \"arguments\": {\"style\": \"json\"}}, {\"name\": \"x\", \"triggers\": [{\"marker\": \"<c>\"}], \"arguments\": {\"style\": \"json\"}}]}",
             "/formats/1/name", "used twice"),
        ]
        for (text, pointer, hint) in bad {
            do {
                _ = try DeclarativeFormats.load(text, path: "f.json")
                Issue.record("accepted: \(text)")
            } catch {
                guard case let .badFormatFile(path, p, message) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(path == "f.json")
                #expect(p == pointer, "\(error)")
                #expect(message.contains(hint), "\(error)")
            }
        }
    }
}
