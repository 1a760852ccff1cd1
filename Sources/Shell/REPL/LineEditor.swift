import CEditLine
import Foundation

/// What `LineEditor.readLine` returns.
enum LineEditorInput: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: the partial line is dropped, the session goes on.
    case interrupted
    /// Ctrl-D on an empty line (or end of input).
    case endOfInput
}

/// Completion source the editor calls with the whole line and the word being completed.
typealias CompletionProvider = @Sendable (_ line: String, _ wordStart: Int, _ word: String) -> [String]

/// The one completion provider libedit's C callback reaches (a C callback cannot capture).
nonisolated(unsafe) private var activeCompletionProvider: CompletionProvider?

/// Line editing on libedit's readline API: prompt, history file, tab completion.
/// Only one instance is meaningful per process (libedit's state is global).
final class LineEditor {
    let historyPath: String?
    nonisolated(unsafe) private static let wordBreaks: UnsafeMutablePointer<CChar> = strdup(" \t\n\"'")!

    /// Sets up libedit; loads the history file when there is one.
    init(historyPath: String?, completion: @escaping CompletionProvider) {
        self.historyPath = historyPath
        activeCompletionProvider = completion
        ts_rl_set_readline_name("toolshell")
        ts_rl_set_catch_signals(0)
        rl_initialize()
        using_history()
        stifle_history(2000)
        ts_rl_set_word_break_characters(Self.wordBreaks)
        ts_rl_set_attempted_completion(lineEditorComplete)
        if let historyPath {
            try? FileManager.default.createDirectory(
                atPath: (historyPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: historyPath) {
                _ = read_history(historyPath)
            }
        }
    }

    /// Reads one line with editing. A SIGINT while waiting gives `.interrupted`.
    func readLine(prompt: String) -> LineEditorInput {
        clearInterrupt()
        let raw = readline(prompt)
        // libedit swaps signal handlers while it reads; put ours back for the generation that follows.
        installInterruptHandler()
        guard let raw else {
            if interruptRequested() {
                clearInterrupt()
                return .interrupted
            }
            return .endOfInput
        }
        defer { free(raw) }
        if interruptRequested() {
            clearInterrupt()
            return .interrupted
        }
        return .line(String(cString: raw))
    }

    /// Adds a line to the in-memory history and appends it to the history file.
    func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = add_history(line)
        if let historyPath {
            _ = write_history(historyPath)
        }
    }
}

/// libedit's attempted-completion callback: returns a malloc'd NULL-terminated array whose
/// first element is the text that replaces the word (the matches' common prefix).
private func lineEditorComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
{
    ts_rl_set_attempted_completion_over(1)
    guard let provider = activeCompletionProvider, let text else { return nil }
    let word = String(cString: text)
    let line = ts_rl_line_buffer().map { String(cString: $0) } ?? ""
    let matches = provider(line, Int(start), word)
    guard !matches.isEmpty else { return nil }
    ts_rl_set_completion_append_character(
        matches.count == 1 && !(matches[0].hasSuffix("/")) ? Int32(UInt8(ascii: " ")) : 0)
    // libedit frees the array and its strings with free(), so allocate with malloc.
    guard let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (matches.count + 2)) else { return nil }
    let result = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: matches.count + 2)
    result[0] = strdup(commonPrefix(matches))
    for (i, match) in matches.enumerated() { result[i + 1] = strdup(match) }
    result[matches.count + 1] = nil
    return result
}

/// Longest common prefix of the strings (by characters).
func commonPrefix(_ strings: [String]) -> String {
    guard var prefix = strings.first else { return "" }
    for s in strings.dropFirst() {
        while !s.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
