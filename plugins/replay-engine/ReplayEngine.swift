// The replay engine plugin: a TEXT engine that plays recorded model output piece by
// piece, so the shell and the tool parsers can be exercised without running a model.
// See ReplayRecording.swift for the file formats it reads.
import Foundation
import PluginABI
import Schema

/// An opened recording; replies are played in order across sequences.
final class ReplayModel: @unchecked Sendable {
    let path: String
    let recording: ReplayRecording
    /// Index of the next reply to play (guarded by `lock`).
    private var cursor = 0
    private let lock = NSLock()

    init(path: String, recording: ReplayRecording) {
        self.path = path
        self.recording = recording
    }

    /// Takes the next reply, or nil when all have been played.
    func nextReply() -> (index: Int, reply: RecordedReply)? {
        lock.lock()
        defer { lock.unlock() }
        guard cursor < recording.replies.count else { return nil }
        defer { cursor += 1 }
        return (cursor, recording.replies[cursor])
    }

    var infoJSON: String {
        var o = JSONObject()
        o["architecture"] = "replay"
        o["path"] = .string(path)
        o["replies"] = .integer(Int64(recording.replies.count))
        o["n_vocab"] = 0
        if let t = recording.chatTemplate { o["chat_template"] = .string(t) }
        for (key, value) in recording.templateVariables.sorted(by: { $0.key < $1.key }) { o[key] = .string(value) }
        return JSONValue.object(o).jsonString(.compact)
    }
}

/// One sequence: the reply being played and how far it got.
final class ReplaySequence {
    let model: ReplayModel
    var reply: RecordedReply?
    var position = 0
    var maxPieces = Int.max
    var played = 0

    init(model: ReplayModel) { self.model = model }
}

private func setError(_ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ message: String) {
    error?.pointee = strdup(message)
}

private func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

private func model(_ p: OpaquePointer?) -> ReplayModel? {
    p.map { Unmanaged<ReplayModel>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

private func sequence(_ p: OpaquePointer?) -> ReplaySequence? {
    p.map { Unmanaged<ReplaySequence>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

nonisolated(unsafe) private let replayVTable: UnsafeMutablePointer<ts_engine_vtable> = {
    let table = UnsafeMutablePointer<ts_engine_vtable>.allocate(capacity: 1)
    table.initialize(to: ts_engine_vtable(
        abi_version: TS_ABI_VERSION,
        struct_size: UInt32(MemoryLayout<ts_engine_vtable>.size),
        output: UInt32(TS_ENGINE_TEXT.rawValue),
        reserved: 0,
        free_string: { free($0) },
        can_open: { path in
            guard let path else { return 0 }
            let p = String(cString: path)
            // Cheap check by extension; open_model reports what is wrong inside the file.
            guard p.hasSuffix(".jsonl") || p.hasSuffix(".json") else { return 0 }
            return FileManager.default.isReadableFile(atPath: p) ? 1 : 0
        },
        open_model: { path, _, _, progress, user, error in
            guard let path else { setError(error, "no path given"); return nil }
            let p = String(cString: path)
            do {
                let recording = try ReplayRecording.load(path: p)
                progress?(1.0, user)
                let m = ReplayModel(path: p, recording: recording)
                return OpaquePointer(Unmanaged.passRetained(m).toOpaque())
            } catch let failure {
                setError(error, String(describing: failure))
                return nil
            }
        },
        close_model: { p in
            guard let p else { return }
            Unmanaged<ReplayModel>.fromOpaque(UnsafeRawPointer(p)).release()
        },
        model_info_json: { p in
            guard let m = model(p) else { return nil }
            return strdup(m.infoJSON)
        },
        create_sequence: { p, _, error in
            guard let m = model(p) else { setError(error, "no model"); return nil }
            return OpaquePointer(Unmanaged.passRetained(ReplaySequence(model: m)).toOpaque())
        },
        free_sequence: { p in
            guard let p else { return }
            Unmanaged<ReplaySequence>.fromOpaque(UnsafeRawPointer(p)).release()
        },
        sequence_length: { p in UInt32(clamping: sequence(p)?.played ?? 0) },
        truncate: { p, keep in
            guard let s = sequence(p) else { return TS_ERR_INVALID_ARGUMENT }
            s.played = min(s.played, Int(keep))
            return TS_OK
        },
        forward: { _, _, _, _, _, _, _, error in
            setError(error, "the replay engine produces text, not logits")
            return TS_ERR_UNSUPPORTED
        },
        generate_text: { p, request, error in
            guard let s = sequence(p) else { setError(error, "no sequence"); return TS_ERR_INVALID_ARGUMENT }
            guard let (_, reply) = s.model.nextReply() else {
                setError(error, "the recording \(s.model.path) has no more replies (all \(s.model.recording.replies.count) were played); /load it again to start over")
                return TS_ERR_IO
            }
            s.reply = reply
            s.position = 0
            s.maxPieces = .max
            if let request, let value = try? JSONValue.parse(String(cString: request)),
               let limit = value["params"]?["max_tokens"]?.int64Value, limit > 0 {
                s.maxPieces = Int(limit)
            }
            return TS_OK
        },
        next_text: { p, finish, error in
            guard let s = sequence(p), let reply = s.reply else {
                setError(error, "generate_text was not called")
                return nil
            }
            if s.position >= reply.pieces.count {
                finish?.pointee = strdup(reply.finishReason)
                s.reply = nil
                return nil
            }
            if s.position >= s.maxPieces {
                finish?.pointee = strdup("length")
                s.reply = nil
                return nil
            }
            if reply.delayMilliseconds > 0 { usleep(useconds_t(reply.delayMilliseconds * 1000)) }
            let piece = reply.pieces[s.position]
            s.position += 1
            s.played += 1
            return strdup(piece)
        },
        next_event_json: nil, set_cancel_flag: nil, list_models_json: nil))
    return table
}()

nonisolated(unsafe) private let replayDescriptor: UnsafeMutablePointer<ts_plugin_descriptor> = {
    let d = UnsafeMutablePointer<ts_plugin_descriptor>.allocate(capacity: 1)
    d.initialize(to: ts_plugin_descriptor(
        abi_version: TS_ABI_VERSION,
        struct_size: UInt32(MemoryLayout<ts_plugin_descriptor>.size),
        kind: UInt32(TS_PLUGIN_ENGINE.rawValue),
        reserved: 0,
        name: cString("replay"),
        version: cString("1.0"),
        description: cString("plays recorded model output (JSONL/JSON recordings, toolshell transcripts) piece by piece"),
        vtable: UnsafeRawPointer(replayVTable)))
    return d
}()

/// The plugin's one exported entry point.
@_cdecl("toolshell_plugin_entry")
public func toolshellPluginEntry() -> UnsafePointer<ts_plugin_descriptor> {
    UnsafePointer(replayDescriptor)
}
