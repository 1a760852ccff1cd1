import Foundation
import GGUF
import PluginABI

/// Facts about a loaded model, as its engine reports them.
public struct ModelInfo: Sendable, Equatable {
    public let architecture: String
    public let vocabularySize: Int
    public let trainedContextLength: Int
    public let contextLength: Int
    public let embeddingLength: Int
    public let layerCount: Int
}

/// A flag a generation loop polls; setting it from any thread stops the work in progress.
public final class CancellationFlag: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    public init() { pointer = .allocate(capacity: 1); pointer.initialize(to: 0) }
    deinit { pointer.deallocate() }
    /// Ask the running work to stop.
    public func cancel() { __atomic_store_flag(pointer, 1) }
    /// Clear the flag before new work.
    public func reset() { __atomic_store_flag(pointer, 0) }
    public var isCancelled: Bool { pointer.pointee != 0 }
}

@inline(__always) private func __atomic_store_flag(_ p: UnsafeMutablePointer<Int32>, _ v: Int32) {
    // A plain aligned 32-bit store; the engine polls it between layers.
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Int32.self)
}

/// A model opened through an engine plugin on a backend plugin, with its GGUF metadata
/// (tokenizer, chat template) read on the host side.
public final class Model: @unchecked Sendable {
    public let path: String
    public let engine: LoadedPlugin
    public let backend: LoadedPlugin
    public let info: ModelInfo
    /// The GGUF file (metadata for the tokenizer and chat template).
    public let file: GGUFFile
    /// Threads the backend computes with.
    public let threads: Int

    let engineTable: UnsafePointer<ts_engine_vtable>
    let handle: OpaquePointer
    /// A backend instance computes one forward pass at a time; sequences of a model share it.
    let computeLock = NSLock()
    private let backendTable: UnsafePointer<ts_backend_vtable>
    private let backendInstance: OpaquePointer

    /// The chat template stored in the file (`tokenizer.chat_template`), if any.
    public var chatTemplate: String? { file.metadata.string("tokenizer.chat_template") }

    /// Loads `path` with the first engine that can open it and the named (or best-scoring) backend.
    /// `progress` receives fractions 0…1 while the weights are located.
    public init(path: String, registry: PluginRegistry, backendName: String? = nil, engineName: String? = nil,
                threads: Int? = nil, contextLength: Int? = nil, progress: ((Float) -> Void)? = nil) throws {
        self.path = path
        file = try GGUFFile(path: path)
        engine = try registry.engine(for: path, named: engineName)
        backend = try registry.backend(named: backendName)
        guard let et = engine.engineVTable, let bt = backend.backendVTable else {
            throw EngineLoadError.openFailed(path: path, reason: "plugin tables are missing")
        }
        engineTable = et
        backendTable = bt
        let threadCount = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        var error: UnsafeMutablePointer<CChar>?
        guard let instance = bt.pointee.create?("{\"threads\":\(threadCount)}", &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            if let error { bt.pointee.free_string?(error) }
            throw EngineLoadError.backendCreate(plugin: backend.name, reason: reason)
        }
        backendInstance = instance
        self.threads = Int(bt.pointee.threads?(instance) ?? Int32(threadCount))
        var binding = ts_backend_binding(abi_version: TS_ABI_VERSION, struct_size: UInt32(MemoryLayout<ts_backend_binding>.size),
                                         vtable: bt, instance: instance)
        let config = contextLength.map { "{\"ctx\":\($0)}" } ?? "{}"
        final class ProgressBox { let f: ((Float) -> Void)?; init(_ f: ((Float) -> Void)?) { self.f = f } }
        let box = Unmanaged.passRetained(ProgressBox(progress))
        defer { box.release() }
        let opened = et.pointee.open_model?(path, config, &binding, { fraction, user in
            guard let user else { return }
            Unmanaged<ProgressBox>.fromOpaque(user).takeUnretainedValue().f?(fraction)
        }, box.toOpaque(), &error)
        guard let opened else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            if let error { et.pointee.free_string?(error) }
            bt.pointee.destroy?(instance)
            throw EngineLoadError.openFailed(path: path, reason: reason)
        }
        handle = opened
        var infoObject: [String: Any] = [:]
        if let json = et.pointee.model_info_json?(opened) {
            let text = String(cString: json)
            et.pointee.free_string?(json)
            infoObject = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }
        func int(_ key: String) -> Int { (infoObject[key] as? NSNumber)?.intValue ?? 0 }
        info = ModelInfo(architecture: infoObject["architecture"] as? String ?? file.architecture ?? "?",
                         vocabularySize: int("n_vocab"), trainedContextLength: int("n_ctx_train"),
                         contextLength: int("n_ctx"), embeddingLength: int("n_embd"), layerCount: int("n_layer"))
    }

    deinit {
        engineTable.pointee.close_model?(handle)
        backendTable.pointee.destroy?(backendInstance)
    }

    /// A new sequence with its own KV state (`contextSize` nil: the model's default).
    public func makeSequence(contextSize: Int? = nil) throws -> ModelSequence {
        try ModelSequence(model: self, contextSize: contextSize ?? 0)
    }
}

/// One sequence of tokens with KV state inside the engine.
public final class ModelSequence: @unchecked Sendable {
    public let model: Model
    private let handle: OpaquePointer
    /// Tokens fed so far (their KV state is held by the engine).
    public private(set) var tokens: [Int32] = []

    init(model: Model, contextSize: Int) throws {
        self.model = model
        var error: UnsafeMutablePointer<CChar>?
        guard let h = model.engineTable.pointee.create_sequence?(model.handle, UInt32(clamping: contextSize), &error) else {
            let reason = error.map { String(cString: $0) } ?? "unknown error"
            if let error { model.engineTable.pointee.free_string?(error) }
            throw EngineLoadError.sequence(reason)
        }
        handle = h
    }

    deinit { model.engineTable.pointee.free_sequence?(handle) }

    /// Number of positions held.
    public var length: Int { Int(model.engineTable.pointee.sequence_length?(handle) ?? 0) }

    /// Keeps the first `count` positions (for retries and shared prefixes).
    public func truncate(to count: Int) throws {
        guard count >= 0, count <= tokens.count else {
            throw EngineLoadError.sequence("cannot truncate to \(count): the sequence holds \(tokens.count) tokens")
        }
        let status = model.engineTable.pointee.truncate?(handle, UInt32(count)) ?? TS_ERR_UNSUPPORTED
        guard status == TS_OK else { throw EngineLoadError.sequence("truncate failed with status \(status)") }
        tokens.removeLast(tokens.count - count)
    }

    /// Appends `newTokens` and returns the logits of the batch positions in `outputs`
    /// (default: the last one), one array of vocabulary size per position.
    public func forward(_ newTokens: [Int32], outputs: [Int]? = nil, cancel: CancellationFlag? = nil) throws -> [[Float]] {
        guard !newTokens.isEmpty else { return [] }
        let outs = (outputs ?? [newTokens.count - 1]).map { UInt32($0) }
        let vocab = model.info.vocabularySize
        var logits = [Float](repeating: 0, count: outs.count * vocab)
        var error: UnsafeMutablePointer<CChar>?
        model.computeLock.lock()
        defer { model.computeLock.unlock() }
        let status = newTokens.withUnsafeBufferPointer { tok in
            outs.withUnsafeBufferPointer { idx in
                logits.withUnsafeMutableBufferPointer { out in
                    model.engineTable.pointee.forward?(handle, tok.baseAddress, UInt32(tok.count), idx.baseAddress,
                                                       UInt32(idx.count), out.baseAddress,
                                                       cancel.map { UnsafePointer($0.pointer) }, &error) ?? TS_ERR_UNSUPPORTED
                }
            }
        }
        let reason = error.map { String(cString: $0) } ?? ""
        if let error { model.engineTable.pointee.free_string?(error) }
        guard status == TS_OK else { throw EngineLoadError.forward(status: status, reason: reason) }
        tokens += newTokens
        return (0..<outs.count).map { Array(logits[($0 * vocab)..<(($0 + 1) * vocab)]) }
    }
}
