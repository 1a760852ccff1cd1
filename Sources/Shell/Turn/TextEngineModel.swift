import Engine
import Foundation
import PluginABI
import Schema

/// A model opened by a TEXT engine plugin (replay, remote servers): the plugin yields text
/// pieces; the shell applies stop strings and counts pieces as generated tokens.
@MainActor
final class TextEngineModel: ShellModel {
    let path: String
    let engineName: String
    let chatTemplate: String?
    let details: [(String, String)]
    let templateVariables: JSONObject
    nonisolated(unsafe) private let vtable: UnsafePointer<ts_engine_vtable>
    nonisolated(unsafe) private let handle: OpaquePointer

    var displayName: String { (path as NSString).lastPathComponent }

    init(plugin: LoadedPlugin, path: String, settings: Settings, progress: (Double) -> Void) throws(ShellError) {
        guard let vtable = plugin.engineVTable else {
            throw ShellError(.model, "plugin \(plugin.name) is not an engine")
        }
        self.vtable = vtable
        self.path = path
        engineName = plugin.name
        var config = JSONObject()
        config["ctx"] = .integer(Int64(settings.int("ctx") ?? 4096))
        config["threads"] = .integer(Int64(settings.int("threads") ?? 0))
        var error: UnsafeMutablePointer<CChar>?
        let opened: OpaquePointer? = withoutActuallyEscaping(progress) { progress in
            var box = progress
            return withUnsafeMutablePointer(to: &box) { boxPointer in
                vtable.pointee.open_model?(path, JSONValue.object(config).jsonString(.compact), nil, { fraction, user in
                    user?.assumingMemoryBound(to: ((Double) -> Void).self).pointee(Double(fraction))
                }, UnsafeMutableRawPointer(boxPointer), &error)
            }
        }
        guard let opened else {
            let message = Self.takeString(error, vtable) ?? "unknown error"
            throw ShellError(.model, "the \(engineName) engine cannot open \(path): \(message)",
                             fix: "check the file (see the message), or load another model")
        }
        handle = opened
        let info = Self.takeString(vtable.pointee.model_info_json?(opened), vtable).flatMap { try? JSONValue.parse($0) }
        chatTemplate = info?["chat_template"]?.stringValue
        var variables = JSONObject()
        for key in ["bos_token", "eos_token"] {
            if let value = info?[key]?.stringValue { variables[key] = .string(value) }
        }
        templateVariables = variables
        details = (info?.objectValue?.pairs ?? []).filter { !["chat_template", "path", "bos_token", "eos_token"].contains($0.key) }
            .map { ($0.key, $0.value.stringValue ?? $0.value.jsonString(.compact)) }
    }

    deinit {
        vtable.pointee.close_model?(handle)
    }

    func tokenize(_ text: String) throws(ShellError) -> [(id: Int32, piece: String)] {
        throw ShellError(.usage, "the \(engineName) engine produces text and has no tokenizer",
                         fix: "/load a GGUF model to see tokens")
    }

    func generate(_ request: GenerationRequest, isCancelled: () -> Bool,
                  onPiece: (String) -> Void) throws(ShellError) -> GenerationOutcome
    {
        var error: UnsafeMutablePointer<CChar>?
        guard let sequence = vtable.pointee.create_sequence?(handle, UInt32(request.settings.int("ctx") ?? 4096), &error) else {
            throw ShellError(.model, "cannot start a sequence: \(takeString(error) ?? "unknown error")")
        }
        defer { vtable.pointee.free_sequence?(sequence) }
        var body = JSONObject()
        if let prompt = request.prompt { body["prompt"] = .string(prompt) }
        body["messages"] = .array(request.messages)
        body["tools"] = .array(request.tools)
        body["tool_choice"] = request.toolChoice.json
        var params = JSONObject()
        for spec in settingSpecs { params[spec.key] = request.settings[spec.key] }
        body["params"] = .object(params)
        guard vtable.pointee.generate_text?(sequence, JSONValue.object(body).jsonString(.compact), &error) == TS_OK else {
            throw ShellError(.model, takeString(error) ?? "the \(engineName) engine failed to start generating")
        }
        var stops = StopStringFilter(stops: request.settings.strings("stop"))
        var generated = 0
        while true {
            if isCancelled() {
                if let rest = stops.flush() { onPiece(rest) }
                return GenerationOutcome(promptTokens: nil, generatedTokens: generated, finishReason: "cancelled")
            }
            var finish: UnsafeMutablePointer<CChar>?
            guard let raw = vtable.pointee.next_text?(sequence, &finish, &error) else {
                if let message = takeString(error) {
                    throw ShellError(.model, "the \(engineName) engine failed: \(message)")
                }
                if let rest = stops.flush() { onPiece(rest) }
                return GenerationOutcome(promptTokens: nil, generatedTokens: generated,
                                         finishReason: takeString(finish) ?? "stop")
            }
            let piece = takeString(raw) ?? ""
            generated += 1
            let (emit, stopped) = stops.feed(piece)
            if !emit.isEmpty { onPiece(emit) }
            if stopped { return GenerationOutcome(promptTokens: nil, generatedTokens: generated, finishReason: "stop") }
        }
    }

    private func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        Self.takeString(pointer, vtable)
    }

    /// Copies a plugin-allocated string and frees it with the plugin's allocator.
    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?, _ vtable: UnsafePointer<ts_engine_vtable>) -> String? {
        guard let pointer else { return nil }
        defer { vtable.pointee.free_string?(pointer) }
        return String(cString: pointer)
    }
}

/// Holds back text that could be the start of a stop string; cuts the output at a stop string.
struct StopStringFilter {
    let stops: [String]
    private var pending = ""

    init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Text safe to show now, and whether a stop string was reached.
    mutating func feed(_ piece: String) -> (String, Bool) {
        guard !stops.isEmpty else { return (piece, false) }
        pending += piece
        if let hit = stops.compactMap({ pending.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let out = String(pending[..<hit.lowerBound])
            pending = ""
            return (out, true)
        }
        // Keep the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: 0, by: -1)
            where pending.hasSuffix(stop.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let out = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return (out, false)
    }

    /// Whatever is held back at the end of the reply.
    mutating func flush() -> String? {
        defer { pending = "" }
        return pending.isEmpty ? nil : pending
    }
}
