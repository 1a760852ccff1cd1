import GGUF
import PluginABI

/// A weight matrix in the mapped file: `rows` rows of `cols` elements in `type`'s layout.
struct WeightMatrix {
    let data: UnsafeRawPointer
    let type: UInt32
    let rows: Int
    let cols: Int
    let rowStride: Int
}

/// The tensors of one transformer block.
struct LayerWeights {
    let attnNorm: [Float]
    let wq: WeightMatrix, wk: WeightMatrix, wv: WeightMatrix, wo: WeightMatrix
    let bq: [Float]?, bk: [Float]?, bv: [Float]?
    let qNorm: [Float]?, kNorm: [Float]?
    let postAttnNorm: [Float]?
    let ffnNorm: [Float]
    let gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
    let postFfnNorm: [Float]?
}

/// Every tensor the forward pass uses, located in the mapped GGUF file (matrices are not copied).
struct ModelWeights {
    let tokenEmbedding: WeightMatrix
    let output: WeightMatrix
    let outputNorm: [Float]
    let layers: [LayerWeights]

    init(file: GGUFFile, hp: HyperParameters, backend: UnsafePointer<ts_backend_vtable>,
         progress: (Float) -> Void) throws {
        func matrix(_ name: String, cols: Int, rows: Int? = nil) throws -> WeightMatrix {
            guard let info = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            guard info.dimensions.count == 2 || (info.dimensions.count > 2 && info.dimensions[2...].allSatisfy({ $0 == 1 })) else {
                throw EngineError.invalidModel("tensor '\(name)' has dimensions \(info.dimensions), expected a matrix")
            }
            guard info.dimensions[0] == cols, rows.map({ $0 == info.dimensions[1] }) ?? true else {
                throw EngineError.invalidModel("tensor '\(name)' has dimensions \(info.dimensions), expected [\(cols), \(rows.map(String.init) ?? "*")]")
            }
            guard backend.pointee.supports_type?(info.type.rawValue) ?? 0 != 0 else {
                throw EngineError.unsupported("tensor '\(name)' has type \(info.type.name), which the backend cannot multiply")
            }
            guard let stride = info.type.byteCount(elements: cols) else {
                throw EngineError.invalidModel("tensor '\(name)': row of \(cols) elements is not whole \(info.type.name) blocks")
            }
            let data = file.tensorData(info)
            guard let base = data.baseAddress, data.count >= stride * info.dimensions[1] else {
                throw EngineError.invalidModel("tensor '\(name)' is smaller than its dimensions say")
            }
            return WeightMatrix(data: base, type: info.type.rawValue, rows: info.dimensions[1], cols: cols, rowStride: stride)
        }
        func vector(_ name: String, count: Int) throws -> [Float] {
            guard let info = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            guard info.elementCount == count else {
                throw EngineError.invalidModel("tensor '\(name)' has \(info.elementCount) elements, expected \(count)")
            }
            let data = file.tensorData(info)
            var out = [Float](repeating: 0, count: count)
            let status = out.withUnsafeMutableBufferPointer { dst in
                backend.pointee.dequantize?(info.type.rawValue, data.baseAddress, dst.baseAddress, Int64(count)) ?? TS_ERR_UNSUPPORTED
            }
            guard status == TS_OK else {
                throw EngineError.unsupported("tensor '\(name)' has type \(info.type.name), which the backend cannot read")
            }
            return out
        }
        func optionalVector(_ name: String, count: Int) throws -> [Float]? {
            file.tensor(named: name) == nil ? nil : try vector(name, count: count)
        }

        let d = hp.embeddingLength, hd = hp.headDim
        let qDim = hp.headCount * hd, kvDim = hp.headCountKV * hd
        tokenEmbedding = try matrix("token_embd.weight", cols: d, rows: hp.vocabularySize)
        output = file.tensor(named: "output.weight") != nil
            ? try matrix("output.weight", cols: d, rows: hp.vocabularySize) : tokenEmbedding
        outputNorm = try vector("output_norm.weight", count: d)
        var layers: [LayerWeights] = []
        for i in 0..<hp.layerCount {
            let p = "blk.\(i)."
            let extra = hp.traits.extraNorms
            layers.append(LayerWeights(
                attnNorm: try vector(p + "attn_norm.weight", count: d),
                wq: try matrix(p + "attn_q.weight", cols: d, rows: qDim),
                wk: try matrix(p + "attn_k.weight", cols: d, rows: kvDim),
                wv: try matrix(p + "attn_v.weight", cols: d, rows: kvDim),
                wo: try matrix(p + "attn_output.weight", cols: qDim, rows: d),
                bq: try optionalVector(p + "attn_q.bias", count: qDim),
                bk: try optionalVector(p + "attn_k.bias", count: kvDim),
                bv: try optionalVector(p + "attn_v.bias", count: kvDim),
                qNorm: extra ? try vector(p + "attn_q_norm.weight", count: hd) : nil,
                kNorm: extra ? try vector(p + "attn_k_norm.weight", count: hd) : nil,
                postAttnNorm: extra ? try vector(p + "post_attention_norm.weight", count: d) : nil,
                ffnNorm: try vector(p + "ffn_norm.weight", count: d),
                gate: try matrix(p + "ffn_gate.weight", cols: d, rows: hp.feedForwardLength),
                up: try matrix(p + "ffn_up.weight", cols: d, rows: hp.feedForwardLength),
                down: try matrix(p + "ffn_down.weight", cols: hp.feedForwardLength, rows: d),
                postFfnNorm: extra ? try vector(p + "post_ffw_norm.weight", count: d) : nil))
            progress(Float(i + 1) / Float(hp.layerCount))
        }
        self.layers = layers
    }
}
