import Engine
import Foundation
import Schema

extension CommandTable {
    /// /load, /models, /plugins, /set, /show.
    static let modelCommands: [CommandSpec] = [
        CommandSpec(
            name: "/load", usage: ["/load MODEL", "/load remote URL [--model NAME] [--api-key-env VAR] [--mode server-tools|raw] [--template MODEL|FILE] [--timeout S] [--retries N] [--dialect D]"],
            summary: "load a model by default name or path (GGUF file, replay recording), or use a server",
            details: """
            MODEL is a default model name (see /models), a .gguf file, or a .jsonl/.json recording
            for the replay engine. ctx, threads and backend from /set apply. The conversation is kept.
            \(RemoteLoadOptions.help)
            """,
            completion: .modelNames,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                if words.first == "remote" {
                    try session.loadRemote(try RemoteLoadOptions.parse(Array(words.dropFirst())))
                    return
                }
                guard words.count == 1, let name = words.first else {
                    throw ShellError(.usage, "/load takes one model name or path", fix: "/load qwen2.5-coder-0.5b, or /load remote URL")
                }
                try session.loadModel(name)
            }),
        CommandSpec(
            name: "/models", usage: ["/models"],
            summary: "list the default models and the models in the cache (and a server's models)",
            details: "With a remote model loaded, also lists the models the server serves (GET /v1/models).",
            completion: .none,
            run: { session, _ throws(ShellError) in session.info("/models", try session.modelListing()) }),
        CommandSpec(
            name: "/plugins", usage: ["/plugins"], summary: "list engine and backend plugins found on the search path",
            details: "Search path: --plugin-path, TOOLSHELL_PLUGIN_PATH, then the executable's directory.",
            completion: .none,
            run: { session, _ throws(ShellError) in session.info("/plugins", session.pluginListing()) }),
        CommandSpec(
            name: "/set", usage: ["/set KEY VALUE", "/set"], summary: "change a sampling or shell setting",
            details: settingSpecs.map { "  \($0.key.padding(toLength: 18, withPad: " ", startingAt: 0)) \($0.help)" }
                .joined(separator: "\n"),
            completion: .settingKeys,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard let key = words.first else {
                    session.info("/set", session.settings.description)
                    return
                }
                try session.settings.set(key, words: Array(words.dropFirst()))
            }),
        CommandSpec(
            name: "/show", usage: ["/show [model|params|tools|template|prompt|parser|constraint]"],
            summary: "show the model, settings, tools, chat template, last prompt, parser or constraint",
            details: "", completion: .words(["model", "params", "tools", "template", "prompt", "parser", "constraint"]),
            run: { session, input throws(ShellError) in
                let words = try input.words()
                try session.show(words.first ?? "model")
            }),
    ]
}

extension ShellSession {
    /// Loads a model through `modelLoader`, with a progress line in the interactive shell.
    /// With `toolshell run --remote URL`, a model name is asked of that server instead.
    func loadModel(_ nameOrPath: String) throws(ShellError) {
        if var redirect = remoteRedirect {
            redirect.model = nameOrPath
            redirect.modelIsPreference = true
            try loadRemote(redirect)
            return
        }
        let local = resolvePath(nameOrPath)
        let path = nameOrPath.contains("/") || FileManager.default.fileExists(atPath: local) ? local : nameOrPath
        var lastShown = -1
        let interactive = self.interactive
        let loaded = try modelLoader.load(path, settings) { fraction in
            guard interactive else { return }
            let percent = Int(fraction * 100)
            if percent / 10 != lastShown / 10 {
                lastShown = percent
                writeText("\rloading \(nameOrPath): \(percent)%", to: STDERR_FILENO)
            }
        }
        if interactive, lastShown >= 0 { writeText("\r\u{1B}[K", to: STDERR_FILENO) }
        model = loaded
        info("/load", "loaded \(loaded.displayName) (\(loaded.engineName) engine)\(parserSummarySuffix)")
    }

    private var parserSummarySuffix: String {
        if let name = activeParserName { return "; tool parser: \(name)" }
        return ""
    }

    func modelListing() throws(ShellError) -> String {
        var lines = ["default models (cache: \(ModelPaths.cacheDirectory)):"]
        for model in ModelPaths.defaults {
            let path = ModelPaths.cachedPath(of: model)
            let present = FileManager.default.fileExists(atPath: path)
            lines.append("  \(model.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(present ? "downloaded" : "not downloaded (run make setup)")")
        }
        let known = Set(ModelPaths.defaults.map(\.fileName))
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: ModelPaths.cacheDirectory)) ?? [])
            .filter { $0.hasSuffix(".gguf") && !known.contains($0) }.sorted()
        if !others.isEmpty {
            lines.append("other models in the cache:")
            lines += others.map { "  \(ModelPaths.cacheDirectory)/\($0)" }
        }
        if let remote = model as? TextEngineModel, let url = remote.serverURL, let served = try remote.servedModels() {
            lines.append("served by \(url):")
            lines += served.map { "  \($0)\($0 == remote.serverModel ? "  (loaded)" : "")" }
        }
        if let model { lines.append("loaded: \(model.displayName) (\(model.path))") }
        return lines.joined(separator: "\n")
    }

    func show(_ what: String) throws(ShellError) {
        switch what {
        case "model":
            guard let model else { info("/show", "no model loaded; /load MODEL (see /models)"); return }
            var lines = ["model:  \(model.displayName)", "path:   \(model.path)", "engine: \(model.engineName)"]
            if (model as? TextEngineModel)?.serverURL == nil { lines.append("runs on: this machine") }
            lines += model.details.map { "\($0.0): \($0.1)" }
            info("/show", lines.joined(separator: "\n"))
        case "params":
            info("/show", settings.description)
        case "tools":
            if tools.isEmpty { info("/show", "no tools; /tools add FILE|JSON|NAME DSL"); return }
            info("/show", tools.map { entry in
                "\(entry.definition.jsonString(.python(indent: 2)))\n  binding: \(entry.binding?.summary ?? "none (the turn stops at a call)")"
            }.joined(separator: "\n") + "\ntool choice: \(toolChoice.text)")
        case "template":
            guard let model else { throw ShellError(.usage, "no model loaded", fix: "/load MODEL first") }
            info("/show", model.chatTemplate ?? "(the model has no chat template)")
        case "prompt":
            info("/show", lastPrompt ?? "(no prompt yet; /render shows the prompt the next turn would send)")
        case "parser":
            info("/show", "parser: \(parserSetting)\(parserSetting == "auto" ? " → \(activeParserName ?? "none (plain text)")" : "")")
        case "constraint":
            info("/show", constraint?.summary ?? "no constraint")
        default:
            throw ShellError(.usage, "/show does not know '\(what)'",
                             fix: "one of: model, params, tools, template, prompt, parser, constraint")
        }
    }
}
