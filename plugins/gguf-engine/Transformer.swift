import Foundation
import GGUF
import PluginABI

/// An opened model: the mapped file, its hyper-parameters and weights, and the backend.
final class EngineModel {
    let file: GGUFFile
    let hp: HyperParameters
    let weights: ModelWeights
    let kernels: UnsafePointer<ts_backend_vtable>
    let backend: OpaquePointer
    let defaultContext: Int

    init(path: String, contextLength: Int?, binding: ts_backend_binding, progress: (Float) -> Void) throws {
        guard let kernels = binding.vtable, let backend = binding.instance else {
            throw EngineError.backend("no backend was given; the gguf engine needs a kernel backend")
        }
        guard kernels.pointee.abi_version == TS_ABI_VERSION,
              Int(kernels.pointee.struct_size) >= MemoryLayout<ts_backend_vtable>.size else {
            throw EngineError.backend("backend ABI \(kernels.pointee.abi_version) (size \(kernels.pointee.struct_size)) does not match engine ABI \(TS_ABI_VERSION)")
        }
        self.kernels = kernels
        self.backend = backend
        file = try GGUFFile(path: path)
        guard let embd = file.tensor(named: "token_embd.weight"), embd.dimensions.count >= 2 else {
            throw GGUFError.missingTensor("token_embd.weight")
        }
        hp = try HyperParameters(file: file, vocabularySize: embd.dimensions[1])
        weights = try ModelWeights(file: file, hp: hp, backend: kernels, progress: progress)
        defaultContext = min(contextLength ?? 4096, hp.contextLength)
    }

    var infoJSON: String {
        """
        {"architecture":"\(hp.architecture)","n_vocab":\(hp.vocabularySize),"n_ctx_train":\(hp.contextLength),\
        "n_ctx":\(defaultContext),"n_embd":\(hp.embeddingLength),"n_layer":\(hp.layerCount),"n_head":\(hp.headCount),\
        "n_head_kv":\(hp.headCountKV),"head_dim":\(hp.headDim),"n_ff":\(hp.feedForwardLength),\
        "sliding_window":\(hp.slidingWindow)}
        """
    }
}

/// A growable f32 buffer that is reused between forward passes.
struct ScratchBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private var capacity: Int

    init() { pointer = .allocate(capacity: 1); capacity = 1 }
    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }
    func free() { pointer.deallocate() }
}

/// One sequence: its f16 KV cache (per layer, [kv_head][position][head_dim]) and length.
final class EngineSequence {
    let model: EngineModel
    let contextSize: Int
    private(set) var length = 0
    private let keys: [UnsafeMutablePointer<UInt16>]
    private let values: [UnsafeMutablePointer<UInt16>]
    private var x = ScratchBuffer(), h = ScratchBuffer(), q = ScratchBuffer(), k = ScratchBuffer(),
                v = ScratchBuffer(), attn = ScratchBuffer(), o = ScratchBuffer(), gate = ScratchBuffer(),
                up = ScratchBuffer(), outRows = ScratchBuffer()

    init(model: EngineModel, contextSize: Int) {
        self.model = model
        self.contextSize = contextSize
        let perLayer = model.hp.headCountKV * contextSize * model.hp.headDim
        keys = (0..<model.hp.layerCount).map { _ in .allocate(capacity: perLayer) }
        values = (0..<model.hp.layerCount).map { _ in .allocate(capacity: perLayer) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
        for buffer in [x, h, q, k, v, attn, o, gate, up, outRows] { buffer.free() }
    }

    func truncate(keeping n: Int) -> Bool {
        guard n >= 0, n <= length else { return false }
        length = n
        return true
    }

    /// Appends `tokens`, writes logits for the batch indexes in `outIndex` to `logits`.
    func forward(tokens: UnsafeBufferPointer<Int32>, outIndex: UnsafeBufferPointer<UInt32>,
                 logits: UnsafeMutablePointer<Float>, cancel: UnsafePointer<Int32>?) throws -> Int32 {
        let hp = model.hp, w = model.weights, vt = model.kernels.pointee, b = model.backend
        let n = tokens.count, d = hp.embeddingLength, hd = hp.headDim
        let qDim = hp.headCount * hd, kvDim = hp.headCountKV * hd, ff = hp.feedForwardLength
        let pos0 = length
        guard n > 0 else { return TS_OK }
        guard pos0 + n <= contextSize else { return TS_ERR_CONTEXT_FULL }
        for index in outIndex where Int(index) >= n {
            throw EngineError.backend("output index \(index) is outside the batch of \(n) tokens")
        }
        for token in tokens where token < 0 || Int(token) >= hp.vocabularySize {
            throw EngineError.backend("token id \(token) is outside the vocabulary (0..<\(hp.vocabularySize))")
        }
        func cancelled() -> Bool { cancel.map { $0.pointee != 0 } ?? false }
        func matmul(_ m: WeightMatrix, _ input: UnsafePointer<Float>, _ rows: Int, _ out: UnsafeMutablePointer<Float>) throws {
            let status = vt.matmul!(b, m.type, m.data, m.rowStride, Int64(m.rows), Int64(m.cols), input, Int64(rows), out)
            if status != TS_OK { throw EngineError.backend("matmul failed with status \(status)") }
        }

        let x = self.x.reserve(n * d), h = self.h.reserve(n * d)
        let q = self.q.reserve(n * qDim), k = self.k.reserve(n * kvDim), v = self.v.reserve(n * kvDim)
        let attn = self.attn.reserve(n * qDim), o = self.o.reserve(n * d)
        let gate = self.gate.reserve(n * ff), up = self.up.reserve(n * ff)
        let positions = (0..<n).map { Int32(pos0 + $0) }

        // Embeddings.
        let emb = w.tokenEmbedding
        for (t, token) in tokens.enumerated() {
            let row = emb.data + Int(token) * emb.rowStride
            _ = vt.dequantize!(emb.type, row, x + t * d, Int64(d))
        }
        if hp.traits.scaleEmbeddings { vt.scale!(b, x, Float(d).squareRoot(), Int64(n * d)) }

        let stride = contextSize * hd
        for (l, layer) in w.layers.enumerated() {
            if cancelled() { return TS_ERR_CANCELLED }
            h.update(from: x, count: n * d)
            layer.attnNorm.withUnsafeBufferPointer { vt.rms_norm!(b, h, $0.baseAddress, Int64(n), Int64(d), hp.rmsEpsilon) }
            try matmul(layer.wq, h, n, q)
            try matmul(layer.wk, h, n, k)
            try matmul(layer.wv, h, n, v)
            layer.bq?.withUnsafeBufferPointer { vt.add_rows!(b, q, $0.baseAddress, Int64(n), Int64(qDim)) }
            layer.bk?.withUnsafeBufferPointer { vt.add_rows!(b, k, $0.baseAddress, Int64(n), Int64(kvDim)) }
            layer.bv?.withUnsafeBufferPointer { vt.add_rows!(b, v, $0.baseAddress, Int64(n), Int64(kvDim)) }
            layer.qNorm?.withUnsafeBufferPointer {
                vt.rms_norm!(b, q, $0.baseAddress, Int64(n * hp.headCount), Int64(hd), hp.rmsEpsilon)
            }
            layer.kNorm?.withUnsafeBufferPointer {
                vt.rms_norm!(b, k, $0.baseAddress, Int64(n * hp.headCountKV), Int64(hd), hp.rmsEpsilon)
            }
            let base = hp.ropeBase(layer: l), scale = hp.ropeScale(layer: l), neox: Int32 = hp.traits.neoxRope ? 1 : 0
            positions.withUnsafeBufferPointer { pos in
                vt.rope!(b, q, pos.baseAddress, Int64(n), Int64(hp.headCount), Int64(hd), Int64(hp.ropeDims), base, scale, neox)
                vt.rope!(b, k, pos.baseAddress, Int64(n), Int64(hp.headCountKV), Int64(hd), Int64(hp.ropeDims), base, scale, neox)
            }
            if hp.queryScale != 1 { vt.scale!(b, q, hp.queryScale, Int64(n * qDim)) }
            vt.kv_store!(b, k, Int64(n), Int64(hp.headCountKV), Int64(hd), keys[l], stride, Int64(pos0))
            vt.kv_store!(b, v, Int64(n), Int64(hp.headCountKV), Int64(hd), values[l], stride, Int64(pos0))
            let window = hp.slidingLayers[l] ? Int64(hp.slidingWindow) : 0
            let status = vt.attention!(b, q, keys[l], values[l], stride, Int64(n), Int64(pos0), Int64(pos0 + n),
                                       Int64(hp.headCount), Int64(hp.headCountKV), Int64(hd), hp.attentionScale, window, attn)
            if status != TS_OK { throw EngineError.backend("attention failed with status \(status)") }
            try matmul(layer.wo, attn, n, o)
            layer.postAttnNorm?.withUnsafeBufferPointer { vt.rms_norm!(b, o, $0.baseAddress, Int64(n), Int64(d), hp.rmsEpsilon) }
            vt.add!(b, x, o, Int64(n * d))

            h.update(from: x, count: n * d)
            layer.ffnNorm.withUnsafeBufferPointer { vt.rms_norm!(b, h, $0.baseAddress, Int64(n), Int64(d), hp.rmsEpsilon) }
            try matmul(layer.gate, h, n, gate)
            try matmul(layer.up, h, n, up)
            if hp.traits.geluFeedForward { vt.gelu_mul!(b, gate, up, Int64(n * ff)) } else { vt.silu_mul!(b, gate, up, Int64(n * ff)) }
            try matmul(layer.down, gate, n, o)
            layer.postFfnNorm?.withUnsafeBufferPointer { vt.rms_norm!(b, o, $0.baseAddress, Int64(n), Int64(d), hp.rmsEpsilon) }
            vt.add!(b, x, o, Int64(n * d))
        }
        if cancelled() { return TS_ERR_CANCELLED }

        if !outIndex.isEmpty {
            let rows = self.outRows.reserve(outIndex.count * d)
            for (i, index) in outIndex.enumerated() { (rows + i * d).update(from: x + Int(index) * d, count: d) }
            w.outputNorm.withUnsafeBufferPointer {
                vt.rms_norm!(b, rows, $0.baseAddress, Int64(outIndex.count), Int64(d), hp.rmsEpsilon)
            }
            try matmul(w.output, rows, outIndex.count, logits)
            if let cap = hp.logitSoftcap {
                for i in 0..<(outIndex.count * hp.vocabularySize) { logits[i] = cap * tanh(logits[i] / cap) }
            }
        }
        length = pos0 + n
        return TS_OK
    }
}
