import ChatTemplates
import Engine
import Foundation
import GGUF
import Schema

/// `toolshell render (--template FILE | --model M) --messages FILE [--tools FILE]
/// [--add-generation-prompt] [--kwargs JSON]`: prints the prompt a chat template makes from a
/// conversation, byte for byte. Exit 1: the template called raise_exception (message on stderr);
/// exit 2: bad arguments, unreadable input or a template syntax error (with line:column).
struct RenderCommand: Subcommand {
    static let name = "render"
    static let summary = "render a conversation through a chat template (jinja2-exact)"

    static let helpText = """
        usage: toolshell render (--template FILE | --model M) --messages FILE [--tools FILE]
                                [--add-generation-prompt] [--kwargs JSON]

          --template FILE          a Jinja chat template
          --model M                a GGUF file or default model name: uses its tokenizer.chat_template
                                   and fills bos_token / eos_token from its vocabulary
          --messages FILE          a JSON array of messages (OpenAI chat shape), or an object with
                                   "messages" (and optionally "tools")
          --tools FILE             a JSON array of tool definitions
          --add-generation-prompt  end with the assistant turn opener
          --kwargs JSON            a JSON object of extra template variables, e.g.
                                   '{"enable_thinking": false, "bos_token": "<s>"}'
        """

    static func run(_ arguments: [String]) -> Int32 {
        var templatePath: String?
        var model: String?
        var messagesPath: String?
        var toolsPath: String?
        var kwargsText: String?
        var addGenerationPrompt = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--add-generation-prompt":
                addGenerationPrompt = true
            case "--template", "--model", "--messages", "--tools", "--kwargs":
                guard i + 1 < arguments.count else { return usage("\(a) needs a value") }
                i += 1
                let v = arguments[i]
                switch a {
                case "--template": templatePath = v
                case "--model": model = v
                case "--messages": messagesPath = v
                case "--tools": toolsPath = v
                default: kwargsText = v
                }
            case "--help", "-h":
                print(helpText)
                return 0
            default:
                return usage("unknown argument '\(a)'")
            }
            i += 1
        }
        guard (templatePath == nil) != (model == nil) else { return usage("give exactly one of --template FILE or --model M") }
        guard let messagesPath else { return usage("--messages FILE is required") }

        var extra = JSONObject()
        let source: String
        let sourceName: String
        if let templatePath {
            guard let text = readText(templatePath) else { return 2 }
            source = text
            sourceName = templatePath
        } else if let model {
            switch templateFromModel(model) {
            case .success(let (text, tokens)):
                source = text
                sourceName = model
                for (k, v) in tokens { extra[k] = .string(v) }
            case .failure(let message):
                return fail(message)
            }
        } else {
            return usage("give --template FILE or --model M")
        }

        guard let messagesJSON = readJSON(messagesPath) else { return 2 }
        var messages: [JSONValue]
        var tools: [JSONValue]?
        switch messagesJSON {
        case .array(let a): messages = a
        case .object(let o):
            guard let a = o["messages"]?.arrayValue else {
                return fail("\(messagesPath): expected a JSON array of messages or an object with \"messages\"")
            }
            messages = a
            tools = o["tools"]?.arrayValue
        default:
            return fail("\(messagesPath): expected a JSON array of messages or an object with \"messages\"")
        }
        if let toolsPath {
            guard let t = readJSON(toolsPath) else { return 2 }
            guard let a = t.arrayValue else { return fail("\(toolsPath): expected a JSON array of tool definitions") }
            tools = a
        }
        if let kwargsText {
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(kwargsText)
            } catch {
                return fail("--kwargs: \(error)")
            }
            guard let o = parsed.objectValue else { return fail("--kwargs: expected a JSON object, e.g. '{\"enable_thinking\": false}'") }
            for (k, v) in o { extra[k] = v }
        }

        do {
            let template = try ChatTemplate(source: source)
            let text = try template.render(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt, extra: extra)
            FileHandle.standardOutput.write(Data(text.utf8))
            return 0
        } catch {
            switch error {
            case .raised(let message):
                FileHandle.standardError.write(Data("\(message)\n".utf8))
                return 1
            case let .syntax(message, line, column):
                return fail("\(sourceName):\(line):\(column): syntax error: \(message)")
            case let .runtime(message, line, column):
                return fail("\(sourceName):\(line):\(column): \(message)")
            }
        }
    }

    /// The chat template and special-token texts of a GGUF model.
    private static func templateFromModel(_ model: String) -> Result<(String, [(String, String)]), RenderFailure> {
        let path: String
        let file: GGUFFile
        do {
            path = try ModelPaths.resolve(model)
            file = try GGUFFile(path: path)
        } catch {
            return .failure(RenderFailure("\(error)"))
        }
        guard let template = file.metadata.string("tokenizer.chat_template") else {
            return .failure(RenderFailure("\(path): the model has no tokenizer.chat_template; pass --template FILE"))
        }
        var tokens: [(String, String)] = []
        let vocabulary = file.metadata.array("tokenizer.ggml.tokens")
        for (key, variable) in [("tokenizer.ggml.bos_token_id", "bos_token"), ("tokenizer.ggml.eos_token_id", "eos_token")] {
            if let id = file.metadata.int(key), let bytes = vocabulary?.stringBytes(id) {
                tokens.append((variable, String(decoding: bytes, as: UTF8.self)))
            }
        }
        return .success((template, tokens))
    }

    struct RenderFailure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private static func fail(_ failure: RenderFailure) -> Int32 { fail(failure.description) }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell render: \(message)\n".utf8))
        return 2
    }

    private static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell render: \(message)\n\(helpText)\n".utf8))
        return 2
    }

    private static func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            _ = fail("cannot read \(path)")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            _ = fail("\(path) is not valid UTF-8")
            return nil
        }
        return text
    }

    private static func readJSON(_ path: String) -> JSONValue? {
        guard let text = readText(path) else { return nil }
        do {
            return try JSONValue.parse(text)
        } catch {
            _ = fail("\(path): \(error)")
            return nil
        }
    }
}
