import Engine
import Foundation
import GGUF
import Schema
import ToolParsers

/// What `/load remote URL …` (or `toolshell run --remote URL`) configures.
struct RemoteLoadOptions: Sendable, Equatable {
    var url: String
    var model: String?
    /// The model was named by a script's `/load NAME` under `--remote`: use the server's model
    /// when it does not serve NAME, instead of failing.
    var modelIsPreference = false
    var apiKeyEnv: String?
    /// "server-tools" (the server parses tool calls) or "raw" (toolshell's template and parser).
    var mode = "server-tools"
    /// Where raw mode's chat template comes from: a default model name, a GGUF file or a template file.
    var template: String?
    var timeout: Double?
    var retries: Int?
    var dialect: String?

    static let help = """
    /load remote URL talks to an OpenAI-compatible server (vLLM, llama.cpp's server,
    llama-cpp-python) over plain HTTP (http:// only: no TLS in the built-in client):
      --model NAME        the server's model (default: the first in its /v1/models)
      --api-key-env VAR   send $VAR as the bearer token
      --mode server-tools the server renders the prompt and parses tool calls (default)
      --mode raw          toolshell renders the prompt with the model's chat template, sends it to
                          /v1/completions and runs its own tool parser on the raw text
      --template M|FILE   raw mode's chat template: a default model name, a .gguf or a template file
                          (default: the local GGUF of --model when it is a default model name)
      --timeout S         seconds without a byte from the server before a request fails (default 120)
      --retries N         retries after a connection error, with backoff from 0.5 s (default 3)
      --dialect D         auto (from /v1/models owned_by), vllm, llamacpp, llama-cpp-python or openai:
                          how constraints are sent (structured_outputs, grammar, response_format)
    /schema, /regex, /choice and /grammar are sent to the server; a reply that ignores them is an error.
    """

    /// Parses the words after `/load remote` (or the value of `--remote` and its companions).
    static func parse(_ words: [String]) throws(ShellError) -> RemoteLoadOptions {
        guard let url = words.first, !url.hasPrefix("--") else {
            throw ShellError(.usage, "/load remote needs the server's URL", fix: "/load remote http://127.0.0.1:8000 [--model NAME]")
        }
        var options = RemoteLoadOptions(url: url)
        var i = 1
        func value(_ name: String) throws(ShellError) -> String {
            guard i + 1 < words.count else { throw ShellError(.usage, "\(name) needs a value") }
            i += 1
            return words[i]
        }
        while i < words.count {
            let word = words[i]
            switch word {
            case "--model": options.model = try value(word)
            case "--api-key-env": options.apiKeyEnv = try value(word)
            case "--mode":
                let mode = try value(word)
                guard ["server-tools", "raw"].contains(mode) else {
                    throw ShellError(.usage, "--mode takes server-tools or raw, not '\(mode)'")
                }
                options.mode = mode
            case "--template": options.template = try value(word)
            case "--timeout":
                let text = try value(word)
                guard let t = Double(text), t > 0, t <= 86_400 else {
                    throw ShellError(.usage, "--timeout takes seconds (0 < S ≤ 86400), not '\(text)'")
                }
                options.timeout = t
            case "--retries":
                let text = try value(word)
                guard let r = Int(text), (0...10).contains(r) else { throw ShellError(.usage, "--retries takes 0…10, not '\(text)'") }
                options.retries = r
            case "--dialect":
                let d = try value(word)
                let known = ["auto", "vllm", "llamacpp", "llama-cpp-python", "openai"]
                guard known.contains(d) else {
                    throw ShellError(.usage, "--dialect takes one of \(known.joined(separator: ", ")), not '\(d)'")
                }
                options.dialect = d
            default:
                throw ShellError(.usage, "/load remote does not know '\(word)'",
                                 fix: "options: --model, --api-key-env, --mode, --template, --timeout, --retries, --dialect")
            }
            i += 1
        }
        return options
    }

    /// The engine config JSON keys the remote plugin reads.
    func engineConfig(model: String?) -> JSONObject {
        var o = JSONObject()
        if let model { o["model"] = .string(model) }
        if let apiKeyEnv { o["api_key_env"] = .string(apiKeyEnv) }
        o["mode"] = .string(mode)
        if let timeout { o["timeout"] = .number(timeout, source: nil) }
        if let retries { o["retries"] = .integer(Int64(retries)) }
        if let dialect { o["dialect"] = .string(dialect) }
        return o
    }
}

extension ShellSession {
    /// `/load remote URL …`: opens the server through the `remote` engine plugin.
    func loadRemote(_ options: RemoteLoadOptions) throws(ShellError) {
        let registry = PluginSearch.registry(extra: pluginPaths)
        guard let plugin = registry.engines.first(where: { $0.name == "remote" }) else {
            throw ShellError(.model, "the remote engine plugin (libToolshellRemoteEngine) was not found on the plugin path \(registry.searchPath.joined(separator: ":"))",
                             fix: "build it (swift build) or add its directory with --plugin-path")
        }
        var template: (source: String, variables: JSONObject)?
        if options.mode == "raw" {
            guard let source = options.template ?? options.model else {
                throw ShellError(.usage, "raw mode renders the prompt with the model's chat template, and none was given",
                                 fix: "add --template MODEL|FILE (a default model name, a .gguf, or a template file), or --model NAME of a default model")
            }
            template = try remoteTemplate(source)
        }
        var model = options.model
        if options.modelIsPreference, let wanted = model {
            // A script's /load NAME under --remote: ask for NAME when the server has it, else its first model.
            let probe = try TextEngineModel(plugin: plugin, path: options.url, settings: settings,
                                            config: options.engineConfig(model: nil), progress: { _ in })
            let served = (try? probe.servedModels()) ?? []
            if !served.contains(wanted) {
                model = nil
                info("/load", "\(options.url) does not serve '\(wanted)'; using its model \(probe.serverModel ?? "?")")
            }
        }
        let loaded = try TextEngineModel(plugin: plugin, path: options.url, settings: settings,
                                         config: options.engineConfig(model: model), template: template, progress: { _ in })
        if options.mode == "raw" {
            loaded.structuralTag = { [weak self] request in
                guard let self, let name = self.activeParserName, let format = self.parserRegistry.format(named: name) else { return nil }
                let choice: ToolChoice
                switch request.toolChoice {
                case .named(let n): choice = .named(n)
                case .none: choice = .none
                case .auto: choice = .auto
                case .required: choice = .required
                }
                return try? format.structuralTag(tools: request.tools, choice: choice)
            }
        }
        self.model = loaded
        info("/load", "using \(loaded.displayName) (remote engine, \(options.mode == "raw" ? "raw text through toolshell's parser" : "the server parses tool calls"))\(activeParserName.map { "; tool parser: \($0)" } ?? "")")
    }

    /// A chat template for raw mode: from a default model's cached GGUF, a .gguf file, or a template file.
    private func remoteTemplate(_ source: String) throws(ShellError) -> (source: String, variables: JSONObject) {
        let ggufPath: String?
        if let resolved = try? ModelPaths.resolve(source), resolved.hasSuffix(".gguf") {
            ggufPath = resolved
        } else if source.hasSuffix(".gguf") {
            ggufPath = resolvePath(source)
        } else {
            ggufPath = nil
        }
        if let ggufPath {
            do {
                let file = try GGUFFile(path: ggufPath)
                guard let text = file.metadata.string("tokenizer.chat_template") else {
                    throw ShellError(.input, "\(ggufPath) has no chat template (tokenizer.chat_template)",
                                     fix: "give --template FILE with the template text")
                }
                var variables = JSONObject()
                if let tokenizer = try? GGUFTokenizer(file: file) {
                    if let bos = tokenizer.bos { variables["bos_token"] = .string(tokenizer.detokenize([bos])) }
                    if let eos = tokenizer.eos { variables["eos_token"] = .string(tokenizer.detokenize([eos])) }
                }
                return (text, variables)
            } catch let error as ShellError {
                throw error
            } catch {
                throw ShellError(.input, "cannot read the chat template from \(ggufPath): \(error)", fix: "check the file")
            }
        }
        let path = resolvePath(source)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ShellError(.input, "--template \(source) is neither a default model name, a .gguf file nor a template file",
                             fix: "/models lists the default models; or give the path of a .jinja template")
        }
        return (try readFile(path), JSONObject())
    }
}
