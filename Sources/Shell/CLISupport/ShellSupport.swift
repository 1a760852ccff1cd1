import Foundation

/// Options shared by `toolshell chat` and `toolshell run`.
struct ShellOptions {
    var model: String?
    var json = false
    var transcript = true
    var pluginPaths: [String] = []
    var positional: [String] = []
    /// `--remote URL [--remote-mode server-tools|raw]`: every `/load NAME` asks this server.
    var remote: RemoteLoadOptions?

    static let usageText = "[--model MODEL] [--json] [--no-transcript] [--plugin-path DIR] [--remote URL [--remote-mode server-tools|raw]]"

    /// Parses the options; a usage error names the offending argument.
    static func parse(_ arguments: [String]) throws(ShellError) -> ShellOptions {
        var options = ShellOptions()
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json": options.json = true
            case "--no-transcript": options.transcript = false
            case "--remote", "--remote-mode":
                guard i + 1 < arguments.count else { throw ShellError(.usage, "\(a) needs a value") }
                i += 1
                if a == "--remote" {
                    let mode = options.remote?.mode
                    options.remote = try RemoteLoadOptions.parse([arguments[i]])
                    if let mode { options.remote?.mode = mode }
                } else {
                    guard ["server-tools", "raw"].contains(arguments[i]) else {
                        throw ShellError(.usage, "--remote-mode takes server-tools or raw, not '\(arguments[i])'")
                    }
                    if options.remote == nil { options.remote = RemoteLoadOptions(url: "") }
                    options.remote?.mode = arguments[i]
                }
            case "--model", "-m", "--plugin-path":
                guard i + 1 < arguments.count else { throw ShellError(.usage, "\(a) needs a value") }
                i += 1
                if a == "--plugin-path" { options.pluginPaths.append(arguments[i]) } else { options.model = arguments[i] }
            default:
                if a.hasPrefix("--") { throw ShellError(.usage, "unknown option \(a)", fix: "options: \(usageText)") }
                options.positional.append(a)
            }
            i += 1
        }
        if let remote = options.remote, remote.url.isEmpty {
            throw ShellError(.usage, "--remote-mode needs --remote URL", fix: "toolshell run SCRIPT --remote http://127.0.0.1:8000 --remote-mode raw")
        }
        return options
    }
}

/// Builds a session with its renderer and transcript.
@MainActor
struct ShellSetup {
    let session: ShellSession
    let transcript: TranscriptWriter?

    init(options: ShellOptions, interactive: Bool, baseDirectory: String) {
        let renderer: EventSink = options.json
            ? JSONLinesRenderer() : HumanRenderer(color: interactive && HumanRenderer.wantsColor())
        let fan = FanOutSink([renderer])
        session = ShellSession(sink: fan, interactive: interactive, baseDirectory: baseDirectory,
                               modelLoader: .standard(pluginPaths: options.pluginPaths))
        session.pluginPaths = options.pluginPaths
        session.remoteRedirect = options.remote
        var writer: TranscriptWriter?
        if options.transcript && ProcessInfo.processInfo.environment["TOOLSHELL_NO_TRANSCRIPT"] == nil {
            do {
                writer = try TranscriptWriter()
            } catch {
                session.emit(.error(error))
            }
        }
        if let writer { fan.add(writer) }
        transcript = writer
    }

    /// Loads `--model` when given; errors are reported and the session goes on.
    func loadInitialModel(_ name: String?) {
        guard let name else { return }
        do {
            try session.loadModel(name)
        } catch {
            session.emit(.error(error))
        }
    }
}

func writeError(_ text: String) {
    writeText(text + "\n", to: STDERR_FILENO)
}
