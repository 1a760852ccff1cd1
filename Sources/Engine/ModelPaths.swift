import Foundation

/// Where models live and how a `--model` argument (a path or a default model's short name)
/// becomes a file path.
public enum ModelPaths {
    /// A default model: the short name users type and the file name in the cache.
    public struct DefaultModel: Sendable {
        public let name: String
        public let fileName: String
    }

    /// The models `make setup` (scripts/fetch-models.sh) downloads, by short name.
    public static let defaults: [DefaultModel] = [
        DefaultModel(name: "qwen2.5-coder-0.5b", fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
        DefaultModel(name: "gemma-3-270m", fileName: "gemma-3-270m-q4_k_m.gguf"),
    ]

    /// `${XDG_CACHE_HOME:-$HOME/.cache}/toolshell/models`.
    public static var cacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        let base: String
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            base = xdg
        } else {
            base = (env["HOME"] ?? NSHomeDirectory()) + "/.cache"
        }
        return base + "/toolshell/models"
    }

    /// The cached path of a default model (whether or not it exists yet).
    public static func cachedPath(of model: DefaultModel) -> String {
        cacheDirectory + "/" + model.fileName
    }

    /// Resolves a default model's short name (or its cached file name) to its cached path,
    /// or checks that a path names an existing file. Throws `ModelPathError` otherwise.
    public static func resolve(_ nameOrPath: String) throws -> String {
        if let model = defaults.first(where: { $0.name == nameOrPath || $0.fileName == nameOrPath }) {
            let path = cachedPath(of: model)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ModelPathError.defaultModelNotCached(name: model.name, expectedPath: path)
            }
            return path
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) else {
            throw ModelPathError.notFound(nameOrPath, knownNames: defaults.map(\.name))
        }
        guard !isDirectory.boolValue else { throw ModelPathError.isDirectory(nameOrPath) }
        return nameOrPath
    }
}

/// Why a `--model` argument could not be resolved.
public enum ModelPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A default model's name was given but the file is not in the cache.
    case defaultModelNotCached(name: String, expectedPath: String)
    /// Neither a default model name nor an existing file.
    case notFound(String, knownNames: [String])
    /// The path is a directory.
    case isDirectory(String)

    public var description: String {
        switch self {
        case let .defaultModelNotCached(name, path):
            return "model '\(name)' is not downloaded yet (expected at \(path)); run `make setup` to fetch the default models"
        case let .notFound(arg, names):
            return "no model file '\(arg)': give a path to a .gguf file or one of the default names (\(names.joined(separator: ", ")))"
        case let .isDirectory(path):
            return "'\(path)' is a directory; give the path of a .gguf file inside it"
        }
    }
}
