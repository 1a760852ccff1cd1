import Foundation
import Schema

extension CommandTable {
    /// /system, /retry, /undo, /clear, /save, /open, /render.
    static let conversationCommands: [CommandSpec] = [
        CommandSpec(
            name: "/system", usage: ["/system TEXT", "/system"], summary: "set the system prompt (no text clears it)",
            details: "Use a \"\"\" block for a multi-line prompt.", completion: .none,
            run: { session, input throws(ShellError) in
                let text = input.rest.trimmingCharacters(in: .whitespacesAndNewlines)
                session.systemPrompt = text.isEmpty ? nil : text
            }),
        CommandSpec(
            name: "/retry", usage: ["/retry"], summary: "drop the last reply and generate it again",
            details: "Everything after the last user message is removed, then the turn runs again.",
            completion: .none,
            run: { session, _ throws(ShellError) in
                guard let last = session.lastUserIndex else { throw ShellError(.usage, "nothing to retry: no user message yet") }
                session.messages.removeSubrange((last + 1)...)
                try session.runTurn(userText: nil, at: nil)
            }),
        CommandSpec(
            name: "/undo", usage: ["/undo"], summary: "remove the last user message and everything after it",
            details: "", completion: .none,
            run: { session, _ throws(ShellError) in
                guard let last = session.lastUserIndex else { throw ShellError(.usage, "nothing to undo: no user message yet") }
                let removed = session.messages.count - last
                session.messages.removeSubrange(last...)
                session.lastTurn = nil
                session.info("/undo", "removed \(removed) message\(removed == 1 ? "" : "s")")
            }),
        CommandSpec(
            name: "/clear", usage: ["/clear"], summary: "start a new conversation (keeps the system prompt, tools and settings)",
            details: "", completion: .none,
            run: { session, _ throws(ShellError) in
                session.messages.removeAll()
                session.lastTurn = nil
            }),
        CommandSpec(
            name: "/save", usage: ["/save FILE"], summary: "write the conversation as OpenAI chat JSON (messages + tools)",
            details: "", completion: .files,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard words.count == 1, let path = words.first else { throw ShellError(.usage, "/save takes one file path") }
                let full = session.resolvePath(path)
                let text = session.chatDocument.jsonString(.python(indent: 2)) + "\n"
                guard FileManager.default.createFile(atPath: full, contents: Data(text.utf8)) else {
                    throw ShellError(.input, "cannot write \(full)", fix: "check that the directory exists and is writable")
                }
                session.info("/save", "saved \(session.messages.count) messages and \(session.tools.count) tools to \(full)")
            }),
        CommandSpec(
            name: "/open", usage: ["/open FILE"], summary: "load a conversation saved by /save (OpenAI chat JSON)",
            details: "Replaces the system prompt, messages and tools (tool bindings with the same name are kept).",
            completion: .files,
            run: { session, input throws(ShellError) in
                let words = try input.words()
                guard words.count == 1, let path = words.first else { throw ShellError(.usage, "/open takes one file path") }
                try session.openConversation(session.parseJSON(try session.readFile(path), what: session.resolvePath(path)),
                                             place: session.resolvePath(path))
            }),
        CommandSpec(
            name: "/render", usage: ["/render"], summary: "show the prompt the next turn would send (the chat template's output)",
            details: "", completion: .none,
            run: { session, _ throws(ShellError) in
                session.info("/render", try session.renderPrompt(addGenerationPrompt: true) ?? "(the model takes messages, not a prompt)")
            }),
    ]
}

extension ShellSession {
    /// Takes `{"messages": [...], "tools": [...]}`; checks every message before changing anything.
    func openConversation(_ document: JSONValue, place: String) throws(ShellError) {
        guard let list = document["messages"]?.arrayValue else {
            throw ShellError(.input, "\(place): expected an object with a \"messages\" array", fix: "files written by /save have this shape")
        }
        var system: String?
        var kept: [JSONValue] = []
        for (i, message) in list.enumerated() {
            guard let role = message["role"]?.stringValue else {
                throw ShellError(.input, "\(place): /messages/\(i) has no \"role\"")
            }
            switch role {
            case "system" where i == 0:
                system = message["content"]?.stringValue
            case "user", "assistant", "tool", "system":
                kept.append(message)
            default:
                throw ShellError(.input, "\(place): /messages/\(i)/role '\(role)' is not one of system, user, assistant, tool")
            }
        }
        var newTools: [ToolEntry] = []
        for (i, tool) in (document["tools"]?.arrayValue ?? []).enumerated() {
            var entry = try normalizeTool(tool, place: "\(place) /tools/\(i)")
            entry.binding = tools.first { $0.name == entry.name }?.binding
            newTools.append(entry)
        }
        systemPrompt = system
        messages = kept
        tools = newTools
        lastTurn = nil
        info("/open", "opened \(kept.count) messages and \(newTools.count) tools from \(place)")
    }
}
