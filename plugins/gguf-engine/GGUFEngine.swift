// GGUF engine plugin: runs llama / qwen2 / gemma3 GGUF models on a kernel backend,
// exposed through the C ABI of Sources/PluginABI.
import Foundation
import GGUF
import PluginABI

/// Copies a Swift string into malloc'ed memory the host releases with `free_string`.
private func cString(_ s: String) -> UnsafeMutablePointer<CChar>? { strdup(s) }

private func report(_ error: Error, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    out?.pointee = cString(String(describing: error))
}

/// Reads an integer member from a flat JSON config object; nil when absent or malformed.
private func configInt(_ json: UnsafePointer<CChar>?, _ key: String) -> Int? {
    guard let json, let data = String(cString: json).data(using: .utf8),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return (object[key] as? NSNumber)?.intValue
}

private func model(_ p: OpaquePointer) -> EngineModel { Unmanaged<EngineModel>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue() }
private func sequence(_ p: OpaquePointer) -> EngineSequence {
    Unmanaged<EngineSequence>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

nonisolated(unsafe) private let engineVTable: UnsafeMutablePointer<ts_engine_vtable> = {
    let vt = UnsafeMutablePointer<ts_engine_vtable>.allocate(capacity: 1)
    vt.initialize(to: ts_engine_vtable())
    vt.pointee.abi_version = TS_ABI_VERSION
    vt.pointee.struct_size = UInt32(MemoryLayout<ts_engine_vtable>.size)
    vt.pointee.output = UInt32(TS_ENGINE_LOGITS.rawValue)
    vt.pointee.free_string = { free($0) }
    vt.pointee.can_open = { path in
        guard let path, let file = try? GGUFFile(path: String(cString: path)),
              let arch = file.architecture else { return 0 }
        return ArchitectureTraits.table[arch] == nil ? 0 : 1
    }
    vt.pointee.open_model = { path, config, binding, progress, user, errorOut in
        guard let path, let binding else {
            errorOut?.pointee = cString("open_model: a path and a backend binding are required")
            return nil
        }
        do {
            let m = try EngineModel(path: String(cString: path), contextLength: configInt(config, "ctx"),
                                    binding: binding.pointee) { fraction in progress?(fraction, user) }
            return OpaquePointer(Unmanaged.passRetained(m).toOpaque())
        } catch {
            report(error, to: errorOut)
            return nil
        }
    }
    vt.pointee.close_model = { p in
        if let p { Unmanaged<EngineModel>.fromOpaque(UnsafeRawPointer(p)).release() }
    }
    vt.pointee.model_info_json = { p in p.map { cString(model($0).infoJSON) } ?? nil }
    vt.pointee.create_sequence = { p, nCtx, error in
        guard let p else { return nil }
        let m = model(p)
        let size = nCtx == 0 ? m.defaultContext : Int(nCtx)
        guard size > 0, size <= m.hp.contextLength else {
            error?.pointee = cString("create_sequence: n_ctx \(nCtx) must be between 1 and the model's \(m.hp.contextLength)")
            return nil
        }
        return OpaquePointer(Unmanaged.passRetained(EngineSequence(model: m, contextSize: size)).toOpaque())
    }
    vt.pointee.free_sequence = { p in
        if let p { Unmanaged<EngineSequence>.fromOpaque(UnsafeRawPointer(p)).release() }
    }
    vt.pointee.sequence_length = { p in p.map { UInt32(sequence($0).length) } ?? 0 }
    vt.pointee.truncate = { p, keep in
        guard let p else { return TS_ERR_INVALID_ARGUMENT }
        return sequence(p).truncate(keeping: Int(keep)) ? TS_OK : TS_ERR_INVALID_ARGUMENT
    }
    vt.pointee.forward = { p, tokens, nTokens, outIndex, nOut, logits, cancel, errorOut in
        guard let p, let tokens, nTokens > 0 else {
            errorOut?.pointee = cString("forward: a sequence and at least one token are required")
            return TS_ERR_INVALID_ARGUMENT
        }
        guard nOut == 0 || (outIndex != nil && logits != nil) else {
            errorOut?.pointee = cString("forward: out_index and logits_out are required when n_out > 0")
            return TS_ERR_INVALID_ARGUMENT
        }
        let seq = sequence(p)
        do {
            let status = try seq.forward(
                tokens: UnsafeBufferPointer(start: tokens, count: Int(nTokens)),
                outIndex: UnsafeBufferPointer(start: outIndex, count: Int(nOut)),
                logits: logits ?? UnsafeMutablePointer<Float>(bitPattern: 16)!,
                cancel: cancel.map { UnsafePointer(OpaquePointer($0)) })
            if status == TS_ERR_CONTEXT_FULL {
                errorOut?.pointee = cString("the sequence holds \(seq.length) of \(seq.contextSize) positions; \(nTokens) more do not fit — truncate it or create a larger one")
            } else if status == TS_ERR_CANCELLED {
                errorOut?.pointee = cString("cancelled")
            }
            return status
        } catch {
            report(error, to: errorOut)
            return TS_ERR_INTERNAL
        }
    }
    return vt
}()

nonisolated(unsafe) private let descriptor: UnsafeMutablePointer<ts_plugin_descriptor> = {
    let d = UnsafeMutablePointer<ts_plugin_descriptor>.allocate(capacity: 1)
    d.initialize(to: ts_plugin_descriptor(
        abi_version: TS_ABI_VERSION, struct_size: UInt32(MemoryLayout<ts_plugin_descriptor>.size),
        kind: UInt32(TS_PLUGIN_ENGINE.rawValue), reserved: 0,
        name: UnsafePointer(strdup("gguf")), version: UnsafePointer(strdup("1.0")),
        description: UnsafePointer(strdup("GGUF transformer runner (llama, qwen2, gemma3) on a kernel backend")),
        vtable: UnsafeRawPointer(engineVTable)))
    return d
}()

/// The plugin's one exported entry symbol.
@_cdecl("toolshell_plugin_entry")
public func toolshellPluginEntry() -> UnsafePointer<ts_plugin_descriptor> {
    UnsafePointer(descriptor)
}
