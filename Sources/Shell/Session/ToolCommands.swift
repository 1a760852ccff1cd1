import Foundation
import Schema

extension CommandTable {
    /// /tools, /tool-choice, /parser.
    static let toolCommands: [CommandSpec] = [
        CommandSpec(
            name: "/tools",
            usage: ["/tools add FILE|JSON|NAME DSL", "/tools bind NAME [--timeout S] [--max-output BYTES] [--yes] --exec CMD [ARG...]",
                    "/tools bind NAME --mock JSON|TEXT", "/tools bind NAME --ask", "/tools rm NAME", "/tools list"],
            summary: "declare tools and say how calls to them are answered",
            details: """
            add: an OpenAI tool ({"type":"function","function":{...}}), a bare function
                 ({"name":…,"parameters":…}), an array of them, a JSON file holding any of those,
                 or a name followed by the schema DSL (e.g. /tools add get_weather city, days int).
            bind --exec: runs CMD directly (no shell; quotes group words, nothing is expanded) with the
                 call's arguments JSON on stdin; its stdout is the result. Killed after tool_timeout
                 seconds or when it prints more than tool_output_limit bytes. The interactive shell
                 asks before each run unless --yes is given or confirm_tools is off.
            bind --mock: every call gets this result. bind --ask: you type the result.
            A call to a tool without a binding ends the turn (the call stays in the conversation).
            """,
            completion: .subcommands([("add", .files), ("bind", .toolNames), ("rm", .toolNames), ("list", .none)]),
            run: { session, input throws(ShellError) in
                let (sub, rest) = ArgumentLexer.headAndRest(input.rest)
                let subInput = CommandInput(command: "/tools \(sub)", rest: rest, location: input.location)
                switch sub {
                case "add": try session.addTools(subInput)
                case "bind": try session.bindTool(subInput)
                case "rm":
                    let names = try subInput.words()
                    guard !names.isEmpty else { throw ShellError(.usage, "/tools rm NAME") }
                    for name in names {
                        guard session.tools.contains(where: { $0.name == name }) else {
                            throw ShellError(.usage, "no tool named '\(name)'", fix: "/tools list shows the tools")
                        }
                        session.tools.removeAll { $0.name == name }
                        if session.toolChoice == .named(name) {
                            // A forced call of a tool that is gone could not be generated.
                            session.toolChoice = .auto
                            session.info("/tools", "/tool-choice was \(name); it is auto now")
                        }
                    }
                case "list", "":
                    session.info("/tools", session.tools.isEmpty ? "no tools"
                        : session.tools.map { "\($0.name): \($0.binding?.summary ?? "unbound")" }.joined(separator: "\n"))
                default:
                    throw ShellError(.usage, "unknown /tools subcommand '\(sub)'", fix: "one of: add, bind, rm, list")
                }
            }),
        CommandSpec(
            name: "/tool-choice", usage: ["/tool-choice auto|required|none|NAME"],
            summary: "let the model choose, force a call, forbid calls, or force one tool",
            details: """
            required and NAME constrain the first reply after your message with the parser's structural tag, so
            it is a well-formed call from its first token; replies after tool results are free to answer (auto).
            none sends no tools.
            """,
            completion: .toolChoices,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard words.count == 1, let choice = words.first else {
                    throw ShellError(.usage, "/tool-choice takes one of auto, required, none, or a tool name")
                }
                switch choice {
                case "auto": session.toolChoice = .auto
                case "required": session.toolChoice = .required
                case "none": session.toolChoice = .none
                default:
                    guard session.tools.contains(where: { $0.name == choice }) else {
                        throw ShellError(.usage, "no tool named '\(choice)'",
                                         fix: "add it first with /tools add, or use auto, required or none")
                    }
                    session.toolChoice = .named(choice)
                }
            }),
        CommandSpec(
            name: "/parser", usage: ["/parser NAME|auto", "/parser load FILE", "/parser"],
            summary: "pick the tool-call parser (vLLM names), or follow the model's template",
            details: """
            auto picks the parser the model's chat template implies. /parser alone lists the parsers.
            load FILE registers wire formats from a declarative JSON file ({"formats": [{"name": …,
            "reasoning": …, "triggers": […], "call_end": …, "arguments": {"style": …}, "structural_tag": …}]};
            README.md describes the fields, toolshell parsers --export NAME prints a built-in as one) and,
            when it holds one format, makes it the active parser.
            """,
            completion: .parserNames,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard let name = words.first else {
                    session.info("/parser", "parsers: \(session.parserNames.joined(separator: ", "))\nactive: \(session.parserSetting) → \(session.activeParserName ?? "none (plain text)")")
                    return
                }
                if name == "load" {
                    guard words.count == 2 else { throw ShellError(.usage, "/parser load takes one file") }
                    try session.loadParserFormats(words[1])
                    return
                }
                guard words.count == 1 else { throw ShellError(.usage, "/parser takes one name") }
                if name != "auto" && !session.parserNames.contains(name) {
                    throw ShellError(.usage, "unknown parser '\(name)'",
                                     fix: "one of: auto, \(session.parserNames.joined(separator: ", ")), or /parser load FILE")
                }
                session.parserSetting = name
            }),
    ]
}

extension ShellSession {
    /// `/tools add`: JSON (inline or file) in any accepted tool shape, or NAME DSL.
    func addTools(_ input: CommandInput) throws(ShellError) {
        let text = input.rest.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ShellError(.usage, "/tools add needs a file, JSON, or NAME DSL") }
        let value: JSONValue
        let what: String
        if text.hasPrefix("{") || text.hasPrefix("[") {
            value = try parseJSON(text, what: "the tool definition")
            what = "the tool definition"
        } else {
            let (head, rest) = ArgumentLexer.headAndRest(text)
            let path = resolvePath(head)
            if FileManager.default.fileExists(atPath: path) && rest.isEmpty {
                value = try parseJSON(try readFile(head), what: path)
                what = path
            } else if rest.isEmpty && (head.hasSuffix(".json") || head.contains("/")) {
                _ = try readFile(head)  // throws the missing-file error
                return
            } else {
                value = try toolFromDSL(name: head, dsl: rest)
                what = "the DSL tool \(head)"
            }
        }
        let definitions = value.arrayValue ?? [value]
        var added: [ToolEntry] = []
        for (i, definition) in definitions.enumerated() {
            let place = definitions.count > 1 ? "\(what) [\(i)]" : what
            added.append(try normalizeTool(definition, place: place))
        }
        for entry in added {
            if let i = tools.firstIndex(where: { $0.name == entry.name }) {
                tools[i] = ToolEntry(name: entry.name, definition: entry.definition, binding: tools[i].binding)
            } else {
                tools.append(entry)
            }
        }
        info("/tools", "tools: \(tools.map(\.name).joined(separator: ", "))")
    }

    /// Accepts `{"type":"function","function":{…}}` or a bare function object.
    func normalizeTool(_ value: JSONValue, place: String) throws(ShellError) -> ToolEntry {
        guard var function = (value["function"] ?? value).objectValue else {
            throw ShellError(.input, "\(place): a tool must be a JSON object",
                             fix: "use {\"type\":\"function\",\"function\":{\"name\":…,\"parameters\":{…}}}")
        }
        if let type = value["type"]?.stringValue, type != "function" {
            throw ShellError(.input, "\(place): tool type '\(type)' is not supported", fix: "use \"type\": \"function\"")
        }
        guard let name = function["name"]?.stringValue, !name.isEmpty else {
            throw ShellError(.input, "\(place): the tool has no \"name\" (at /function/name)",
                             fix: "add \"name\": \"my_tool\"")
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            throw ShellError(.input, "\(place): tool name '\(name)' may hold only letters, digits, _ - .")
        }
        if let parameters = function["parameters"] {
            guard parameters.objectValue != nil else {
                throw ShellError(.input, "\(place): \"parameters\" (at /function/parameters) must be a JSON Schema object")
            }
            _ = try compileSchema(parameters, place: "\(place) /function/parameters")
        } else {
            function["parameters"] = ["type": "object", "properties": [:]]
        }
        return ToolEntry(name: name, definition: ["type": "function", "function": .object(function)], binding: nil)
    }

    /// `/tools bind NAME …`
    func bindTool(_ input: CommandInput) throws(ShellError) {
        let (name, rest) = ArgumentLexer.headAndRest(input.rest)
        guard !name.isEmpty else { throw ShellError(.usage, "/tools bind NAME --exec CMD | --mock JSON | --ask") }
        guard let index = tools.firstIndex(where: { $0.name == name }) else {
            throw ShellError(.usage, "no tool named '\(name)'", fix: "declare it first with /tools add")
        }
        var remaining = rest
        var timeout: Double?
        var outputLimit: Int?
        var confirm = true
        while true {
            let (option, after) = ArgumentLexer.headAndRest(remaining)
            switch option {
            case "--timeout":
                let (value, next) = ArgumentLexer.headAndRest(after)
                guard let seconds = Double(value), seconds > 0 else {
                    throw ShellError(.usage, "--timeout needs seconds, not '\(value)'")
                }
                timeout = seconds
                remaining = next
            case "--max-output":
                let (value, next) = ArgumentLexer.headAndRest(after)
                guard let bytes = Int(value), bytes > 0 else {
                    throw ShellError(.usage, "--max-output needs a byte count, not '\(value)'")
                }
                outputLimit = bytes
                remaining = next
            case "--yes":
                confirm = false
                remaining = after
            case "--exec":
                let argv = try CommandInput(command: "/tools bind", rest: after, location: input.location).words()
                guard let program = argv.first else { throw ShellError(.usage, "--exec needs a command") }
                var resolved = argv
                if program.contains("/") {
                    resolved[0] = resolvePath(program)
                    guard FileManager.default.isExecutableFile(atPath: resolved[0]) else {
                        throw ShellError(.input, "\(resolved[0]) is not an executable file",
                                         fix: "check the path, and chmod +x it")
                    }
                }
                tools[index].binding = .exec(argv: resolved, workingDirectory: baseDirectory, timeout: timeout,
                                             outputLimit: outputLimit, confirm: confirm)
                return
            case "--mock":
                let text = after.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw ShellError(.usage, "--mock needs the result (JSON or text)") }
                if text.hasPrefix("{") || text.hasPrefix("[") {
                    tools[index].binding = .mock(try parseJSON(text, what: "the --mock result").jsonString(.compact))
                } else {
                    let words = (try? ArgumentLexer.split(text)) ?? [text]
                    tools[index].binding = .mock(words.count == 1 ? words[0] : text)
                }
                return
            case "--ask":
                tools[index].binding = .ask
                return
            default:
                throw ShellError(.usage, option.isEmpty ? "/tools bind \(name) needs --exec, --mock or --ask"
                                     : "unknown option '\(option)' for /tools bind",
                                 fix: "/tools bind NAME [--timeout S] [--max-output BYTES] [--yes] --exec CMD | --mock JSON | --ask")
            }
        }
    }
}
