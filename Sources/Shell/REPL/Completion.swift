import Engine
import Foundation

/// What the REPL offers on Tab, computed from the command table and the session.
@MainActor
struct Completer {
    let session: ShellSession

    /// Candidates for `word`, which starts at character `wordStart` of `line`.
    func candidates(line: String, wordStart: Int, word: String) -> [String] {
        let before = String(line.prefix(wordStart))
        let previous = (try? ArgumentLexer.split(before)) ?? before.split(separator: " ").map(String.init)
        guard let command = previous.first else {
            return word.hasPrefix("/") ? CommandTable.commands.map(\.name).filter { $0.hasPrefix(word) } : []
        }
        guard let spec = CommandTable.find(command) else { return [] }
        var completion = spec.completion
        var position = previous.count - 1  // words already typed after the command
        // Walk into sub-commands: `/tools bind <Tab>` completes tool names.
        while case .subcommands(let table) = completion {
            if position == 0 {
                return table.map(\.0).filter { $0.hasPrefix(word) }
            }
            guard let next = table.first(where: { $0.0 == previous[previous.count - position] })?.1 else { return [] }
            completion = next
            position -= 1
        }
        if position > 0, !isRepeatable(completion) { return files(word) }
        return values(completion, word: word)
    }

    private func isRepeatable(_ c: ArgumentCompletion) -> Bool {
        if case .files = c { return true }
        return false
    }

    private func values(_ completion: ArgumentCompletion, word: String) -> [String] {
        let options: [String]
        switch completion {
        case .none: return []
        case .files: return files(word)
        case .words(let words): options = words
        case .settingKeys: options = settingSpecs.map(\.key)
        case .parserNames: options = ["auto", "load"] + session.parserNames
        case .toolNames: options = session.tools.map(\.name)
        case .toolChoices: options = ["auto", "required", "none"] + session.tools.map(\.name)
        case .modelNames:
            return ModelPaths.defaults.map(\.name).filter { $0.hasPrefix(word) } + files(word)
        case .commandNames: options = CommandTable.commands.map { String($0.name.dropFirst()) }
        case .subcommands(let table): options = table.map(\.0)
        }
        return options.filter { $0.hasPrefix(word) }
    }

    /// Paths starting with `word` (directories end in /), relative to the session's directory.
    func files(_ word: String) -> [String] {
        let expanded = (word as NSString).expandingTildeInPath
        let directoryPart = word.hasSuffix("/") ? word : (word as NSString).deletingLastPathComponent
        let namePrefix = word.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
        let directory = session.resolvePath(directoryPart.isEmpty ? "." : (directoryPart as NSString).expandingTildeInPath)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return entries.filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { name in
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                let base = directoryPart.isEmpty ? "" : (directoryPart.hasSuffix("/") ? directoryPart : directoryPart + "/")
                return base + name + (isDirectory.boolValue ? "/" : "")
            }
    }
}
