import Engine
import Foundation
import GGUF

/// Shared pieces of the engine subcommands (`complete`, `bench decode|prefill`):
/// option parsing helpers and model loading through the plugins.
enum EngineCLI {
    /// Options every engine subcommand understands.
    struct ModelOptions {
        var model: String?
        var threads: Int?
        var pluginPaths: [String] = []
        var backend: String?
        var contextSize: Int?
    }

    /// Why an engine subcommand's arguments were rejected.
    struct UsageError: Error { let message: String }

    /// Reads the value after option `name` at `i`, advancing `i`.
    static func value(_ arguments: [String], _ i: inout Int, _ name: String) throws -> String {
        guard i + 1 < arguments.count else { throw UsageError(message: "\(name) needs a value") }
        i += 1
        return arguments[i]
    }

    static func int(_ arguments: [String], _ i: inout Int, _ name: String, min: Int = 0) throws -> Int {
        let text = try value(arguments, &i, name)
        guard let v = Int(text), v >= min else { throw UsageError(message: "\(name) needs an integer ≥ \(min), got '\(text)'") }
        return v
    }

    static func float(_ arguments: [String], _ i: inout Int, _ name: String) throws -> Float {
        let text = try value(arguments, &i, name)
        guard let v = Float(text), v.isFinite else { throw UsageError(message: "\(name) needs a number, got '\(text)'") }
        return v
    }

    /// Handles `--model`, `--threads`, `--plugin-path`, `--backend`, `--ctx`; false if `arguments[i]` is none of them.
    static func parseModelOption(_ arguments: [String], _ i: inout Int, into options: inout ModelOptions) throws -> Bool {
        switch arguments[i] {
        case "--model", "-m": options.model = try value(arguments, &i, "--model")
        case "--threads", "-t": options.threads = try int(arguments, &i, "--threads", min: 1)
        case "--plugin-path": options.pluginPaths.append(try value(arguments, &i, "--plugin-path"))
        case "--backend": options.backend = try value(arguments, &i, "--backend")
        case "--ctx": options.contextSize = try int(arguments, &i, "--ctx", min: 16)
        default: return false
        }
        return true
    }

    static let modelOptionsHelp = """
      --model M         a .gguf path or a default model name (\(ModelPaths.defaults.map(\.name).joined(separator: ", ")))
      --threads N       compute threads (default: all online CPUs)
      --backend NAME    backend plugin to use (default: the best-scoring one)
      --plugin-path P   also search P (a directory or a plugin file) for plugins; repeatable
      --ctx N           context size of the sequence (default 4096)
    """

    /// Loads the model with its tokenizer. Plugin load failures are written to standard error.
    static func load(_ options: ModelOptions, command: String) throws -> (Model, GGUFTokenizer) {
        guard let name = options.model else { throw UsageError(message: "--model is required") }
        let path = try ModelPaths.resolve(name)
        let registry = PluginRegistry(explicitPaths: options.pluginPaths)
        for failure in registry.failures {
            FileHandle.standardError.write(Data("toolshell \(command): warning: \(failure)\n".utf8))
        }
        let model = try Model(path: path, registry: registry, backendName: options.backend, threads: options.threads,
                              contextLength: options.contextSize)
        let tokenizer = try GGUFTokenizer(file: model.file)
        return (model, tokenizer)
    }

    static func fail(_ command: String, _ message: String, code: Int32 = 1) -> Int32 {
        FileHandle.standardError.write(Data("toolshell \(command): \(message)\n".utf8))
        return code
    }
}
