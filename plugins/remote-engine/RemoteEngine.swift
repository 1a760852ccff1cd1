// The remote engine plugin: a TEXT engine over an OpenAI-compatible HTTP server (vLLM,
// llama.cpp's server, llama-cpp-python). The "model path" is the server's base URL; the
// config JSON carries model, mode, API key variable, timeouts and retries (RemoteConfig).
// Constraints travel to the server (it yields text, not logits), in its dialect.
import Foundation
import PluginABI
import Schema

/// An opened server connection profile: the model to ask for and how.
final class RemoteModel: @unchecked Sendable {
    let client: OpenAIClient
    let modelID: String
    let dialect: ServerDialect
    let servedModels: [(id: String, ownedBy: String?)]

    init(url: String, configJSON: String?) throws(RemoteError) {
        let json = configJSON.flatMap { try? JSONValue.parse($0) }
        let config = try RemoteConfig(url: url, json: json)
        client = OpenAIClient(config: config)
        try client.checkAPIKey()
        let models = try client.listModels()
        servedModels = models
        if let wanted = config.model {
            guard let match = models.first(where: { $0.id == wanted }) ?? (models.isEmpty ? (wanted, nil) : nil) else {
                throw RemoteError("\(config.address) does not serve a model named '\(wanted)' (it serves: \(models.map(\.id).joined(separator: ", ")))",
                                  fix: "pick one of those with --model NAME")
            }
            modelID = match.id
            dialect = config.dialect ?? ServerDialect.guess(ownedBy: match.ownedBy)
        } else {
            guard let first = models.first else {
                throw RemoteError("\(config.address)/v1/models lists no models", fix: "name one with --model NAME")
            }
            modelID = first.id
            dialect = config.dialect ?? ServerDialect.guess(ownedBy: first.ownedBy)
        }
    }

    var infoJSON: String {
        var o = JSONObject()
        o["architecture"] = "remote"
        o["url"] = .string(client.config.address.description)
        o["model"] = .string(modelID)
        o["mode"] = .string(client.config.mode.rawValue)
        o["server"] = .string(dialect.rawValue)
        o["timeout_s"] = .number(client.config.timeout, source: nil)
        o["retries"] = .integer(Int64(client.config.retries))
        if let variable = client.config.apiKeyEnv { o["api_key_env"] = .string(variable) }
        o["n_vocab"] = 0
        return JSONValue.object(o).jsonString(.compact)
    }
}

/// One sequence: the reply being streamed.
final class RemoteSequence {
    let model: RemoteModel
    var stream: ReplyStream?
    var cancel: UnsafePointer<Int32>?
    var generated = 0
    var finish: String?

    init(model: RemoteModel) { self.model = model }

    var cancelled: Bool { cancel.map { $0.pointee != 0 } ?? false }

    func start(_ requestJSON: String) throws(RemoteError) {
        stream?.close()
        stream = nil
        finish = nil
        let request: JSONValue
        do { request = try JSONValue.parse(requestJSON) } catch { throw RemoteError("bad request JSON from the host: \(error.message)") }
        let builder = RequestBuilder(model: model.modelID, mode: model.client.config.mode, dialect: model.dialect)
        let (path, body, chat) = try builder.build(request)
        let response = try model.client.send("POST", path, body: .object(body), stream: true, cancel: cancel)
        stream = ReplyStream(response: response, chat: chat, parsedByServer: model.client.config.mode == .serverTools,
                             url: "\(model.client.config.address)\(path)")
    }

    /// The next event, or nil at the end (`finish` then says why).
    func nextEvent() throws(RemoteError) -> JSONValue? {
        guard let stream else {
            if finish != nil { return nil }
            throw RemoteError("generate_text was not called")
        }
        if cancelled {
            end("cancelled")
            return nil
        }
        do {
            if let event = try stream.next() {
                generated += 1
                return event
            }
            end(stream.finishReason ?? "stop")
            return nil
        } catch {
            if cancelled { end("cancelled"); return nil }
            end("error")
            throw error
        }
    }

    private func end(_ reason: String) {
        stream?.close()
        stream = nil
        finish = reason
    }
}

private func setError(_ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ message: String) {
    error?.pointee = strdup(message)
}

private func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

private func model(_ p: OpaquePointer?) -> RemoteModel? {
    p.map { Unmanaged<RemoteModel>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

private func sequence(_ p: OpaquePointer?) -> RemoteSequence? {
    p.map { Unmanaged<RemoteSequence>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

nonisolated(unsafe) private let remoteVTable: UnsafeMutablePointer<ts_engine_vtable> = {
    let table = UnsafeMutablePointer<ts_engine_vtable>.allocate(capacity: 1)
    table.initialize(to: ts_engine_vtable())
    let t = table
    t.pointee.abi_version = TS_ABI_VERSION
    t.pointee.struct_size = UInt32(MemoryLayout<ts_engine_vtable>.size)
    t.pointee.output = UInt32(TS_ENGINE_TEXT.rawValue)
    t.pointee.free_string = { free($0) }
    t.pointee.can_open = { path in
        guard let path else { return 0 }
        let p = String(cString: path)
        return p.hasPrefix("http://") || p.hasPrefix("https://") ? 1 : 0
    }
    t.pointee.open_model = { path, config, _, progress, user, error in
        guard let path else { setError(error, "no server URL given"); return nil }
        do {
            let m = try RemoteModel(url: String(cString: path), configJSON: config.map { String(cString: $0) })
            progress?(1.0, user)
            return OpaquePointer(Unmanaged.passRetained(m).toOpaque())
        } catch let failure {
            setError(error, String(describing: failure))
            return nil
        }
    }
    t.pointee.close_model = { p in
        guard let p else { return }
        Unmanaged<RemoteModel>.fromOpaque(UnsafeRawPointer(p)).release()
    }
    t.pointee.model_info_json = { p in model(p).map { strdup($0.infoJSON) } }
    t.pointee.create_sequence = { p, _, error in
        guard let m = model(p) else { setError(error, "no model"); return nil }
        return OpaquePointer(Unmanaged.passRetained(RemoteSequence(model: m)).toOpaque())
    }
    t.pointee.free_sequence = { p in
        guard let p else { return }
        let s = Unmanaged<RemoteSequence>.fromOpaque(UnsafeRawPointer(p)).takeRetainedValue()
        s.stream?.close()
    }
    t.pointee.sequence_length = { p in UInt32(clamping: sequence(p)?.generated ?? 0) }
    t.pointee.truncate = { p, _ in sequence(p) == nil ? TS_ERR_INVALID_ARGUMENT : TS_OK }
    t.pointee.forward = { _, _, _, _, _, _, _, error in
        setError(error, "the remote engine produces text, not logits")
        return TS_ERR_UNSUPPORTED
    }
    t.pointee.generate_text = { p, request, error in
        guard let s = sequence(p), let request else { setError(error, "no sequence or request"); return TS_ERR_INVALID_ARGUMENT }
        do {
            try s.start(String(cString: request))
            return TS_OK
        } catch let failure {
            if s.cancelled { setError(error, "cancelled"); return TS_ERR_CANCELLED }
            setError(error, String(describing: failure))
            return TS_ERR_IO
        }
    }
    t.pointee.next_text = { p, finish, error in
        // ABI 1.0 hosts: text only (server-parsed tool calls need next_event_json).
        guard let s = sequence(p) else { setError(error, "no sequence"); return nil }
        do {
            while let event = try s.nextEvent() {
                if let text = event["text"]?.stringValue, event["type"]?.stringValue != "reasoning" { return strdup(text) }
            }
            finish?.pointee = strdup(s.finish ?? "stop")
            return nil
        } catch let failure {
            setError(error, String(describing: failure))
            return nil
        }
    }
    t.pointee.next_event_json = { p, finish, error in
        guard let s = sequence(p) else { setError(error, "no sequence"); return nil }
        do {
            if let event = try s.nextEvent() { return strdup(event.jsonString(.compact)) }
            finish?.pointee = strdup(s.finish ?? "stop")
            return nil
        } catch let failure {
            setError(error, String(describing: failure))
            return nil
        }
    }
    t.pointee.set_cancel_flag = { p, flag in
        guard let s = sequence(p) else { return }
        s.cancel = flag.map { UnsafePointer(OpaquePointer($0)) }
    }
    t.pointee.list_models_json = { p, error in
        guard let m = model(p) else { setError(error, "no model"); return nil }
        do {
            let models = try m.client.listModels()
            let list: [JSONValue] = models.map { item in
                var o: JSONObject = ["id": .string(item.id)]
                if let owner = item.ownedBy { o["owned_by"] = .string(owner) }
                return .object(o)
            }
            return strdup(JSONValue.array(list).jsonString(.compact))
        } catch let failure {
            setError(error, String(describing: failure))
            return nil
        }
    }
    return table
}()

nonisolated(unsafe) private let remoteDescriptor: UnsafeMutablePointer<ts_plugin_descriptor> = {
    let d = UnsafeMutablePointer<ts_plugin_descriptor>.allocate(capacity: 1)
    d.initialize(to: ts_plugin_descriptor(
        abi_version: TS_ABI_VERSION,
        struct_size: UInt32(MemoryLayout<ts_plugin_descriptor>.size),
        kind: UInt32(TS_PLUGIN_ENGINE.rawValue),
        reserved: 0,
        name: cString("remote"),
        version: cString("1.0"),
        description: cString("an OpenAI-compatible HTTP server (vLLM, llama.cpp server, llama-cpp-python): chat/completions over SSE"),
        vtable: UnsafeRawPointer(remoteVTable)))
    return d
}()

/// The plugin's one exported entry point.
@_cdecl("toolshell_plugin_entry")
public func toolshellPluginEntry() -> UnsafePointer<ts_plugin_descriptor> {
    UnsafePointer(remoteDescriptor)
}
