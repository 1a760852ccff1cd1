import Foundation
import GGUF
import PluginABI
import Testing
@testable import Engine

/// Backend kernels through the plugin ABI: quantized matrix products against a float product of
/// the dequantized weights (an independent path), on real model tensors of every type the
/// default models use plus synthetic F16 / BF16 / Q4_0 / F32 weights; OpenBLAS against the CPU backend.
@Suite(.serialized) struct KernelTests {
    struct Backend {
        let vt: UnsafePointer<ts_backend_vtable>
        let instance: OpaquePointer
        init(_ name: String, threads: Int) throws {
            let plugin = try ModelTestSupport.registry.backend(named: name)
            let table = plugin.backendVTable!
            guard let created = table.pointee.create?("{\"threads\":\(threads)}", nil) else {
                throw FixtureError("backend \(name) could not be created")
            }
            vt = table
            instance = created
        }
        func destroy() { vt.pointee.destroy?(instance) }
        func matmul(_ type: UInt32, _ w: UnsafeRawPointer, rowStride: Int, rows: Int, cols: Int, x: [Float], n: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: n * rows)
            let status = x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    vt.pointee.matmul!(instance, type, w, rowStride, Int64(rows), Int64(cols), xp.baseAddress, Int64(n), yp.baseAddress)
                }
            }
            #expect(status == TS_OK)
            return y
        }
        func dequantize(_ type: UInt32, _ w: UnsafeRawPointer, count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count)
            let status = out.withUnsafeMutableBufferPointer { vt.pointee.dequantize!(type, w, $0.baseAddress, Int64(count)) }
            #expect(status == TS_OK)
            return out
        }
    }

    /// Deterministic pseudo-random activations in [-1, 1].
    static func activations(_ count: Int, seed: UInt32) -> [Float] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 1664525 &+ 1013904223
            return Float(Int(s >> 8) % 20001) / 10000 - 1
        }
    }

    /// Checks matmul against the dequantized float product; the error allowed scales with
    /// Σ|w·x| because activations are quantized to 8 bits for integer dot products.
    static func check(_ b: Backend, type: UInt32, data: UnsafeRawPointer, rowStride: Int, rows: Int, cols: Int, n: Int, label: String) {
        let x = activations(n * cols, seed: UInt32(rows &+ cols))
        let y = b.matmul(type, data, rowStride: rowStride, rows: rows, cols: cols, x: x, n: n)
        var worst: Float = 0
        for r in 0..<rows {
            let w = b.dequantize(type, data + r * rowStride, count: cols)
            for t in 0..<n {
                var exact: Double = 0, magnitude: Double = 0
                for c in 0..<cols {
                    exact += Double(w[c]) * Double(x[t * cols + c])
                    magnitude += abs(Double(w[c]) * Double(x[t * cols + c]))
                }
                let err = Float(abs(Double(y[t * rows + r]) - exact) / max(magnitude, 1e-12))
                worst = max(worst, err)
            }
        }
        #expect(worst < 0.01, "\(label): relative error \(worst)")
        #expect(!y.contains { !$0.isFinite }, "\(label): every output is written")
    }

    @Test func quantizedProductsOnModelTensors() throws {
        let file = try GGUFFile(path: try ModelTestSupport.modelPath("qwen"))
        let backend = try Backend("cpu", threads: 2)
        defer { backend.destroy() }
        var seen = Set<UInt32>()
        for info in file.tensors where info.dimensions.count == 2 && !seen.contains(info.type.rawValue) {
            seen.insert(info.type.rawValue)
            let cols = info.dimensions[0], rows = min(info.dimensions[1], 48)
            let stride = try #require(info.type.byteCount(elements: cols))
            let data = try #require(file.tensorData(info).baseAddress)
            for n in [1, 3, 20] {
                Self.check(backend, type: info.type.rawValue, data: data, rowStride: stride, rows: rows, cols: cols, n: n,
                           label: "\(info.name) \(info.type.name) n=\(n)")
            }
        }
        // The Q4_K_M files use Q5_0, Q8_0, Q4_K and Q6_K matrices.
        #expect(seen.isSuperset(of: [6, 8, 12, 14]))
    }

    @Test func syntheticFloatAndQ4_0Weights() throws {
        let backend = try Backend("cpu", threads: 2)
        defer { backend.destroy() }
        let rows = 24, cols = 256
        let values = Self.activations(rows * cols, seed: 7).map { $0 * 0.5 }
        // F32
        values.withUnsafeBytes { Self.check(backend, type: 0, data: $0.baseAddress!, rowStride: cols * 4, rows: rows, cols: cols, n: 5, label: "F32") }
        // F16
        let f16 = values.map { Float16($0).bitPattern }
        f16.withUnsafeBytes { Self.check(backend, type: 1, data: $0.baseAddress!, rowStride: cols * 2, rows: rows, cols: cols, n: 5, label: "F16") }
        // BF16 (the top half of each f32)
        let bf16 = values.map { UInt16($0.bitPattern >> 16) }
        bf16.withUnsafeBytes { Self.check(backend, type: 30, data: $0.baseAddress!, rowStride: cols * 2, rows: rows, cols: cols, n: 5, label: "BF16") }
        // Q4_0: 18-byte blocks of an f16 scale and 16 bytes of nibbles
        var q4: [UInt8] = []
        var s: UInt32 = 11
        for _ in 0..<(rows * cols / 32) {
            let d = Float16(0.02).bitPattern
            q4 += [UInt8(d & 0xFF), UInt8(d >> 8)]
            for _ in 0..<16 { s = s &* 1664525 &+ 1013904223; q4.append(UInt8(truncatingIfNeeded: s >> 13)) }
        }
        q4.withUnsafeBytes { Self.check(backend, type: 2, data: $0.baseAddress!, rowStride: cols / 32 * 18, rows: rows, cols: cols, n: 5, label: "Q4_0") }
        // Q4_0 dequantization of one known block: scale 0.5, nibbles 0x0F / 0x80 → (15-8)·0.5 and (0-8)·0.5 …
        let block: [UInt8] = [UInt8(Float16(0.5).bitPattern & 0xFF), UInt8(Float16(0.5).bitPattern >> 8)] + [UInt8](repeating: 0x8F, count: 16)
        let deq = block.withUnsafeBytes { backend.dequantize(2, $0.baseAddress!, count: 32) }
        #expect(deq[0] == 3.5 && deq[15] == 3.5 && deq[16] == 0 && deq[31] == 0)
    }

    /// Rows with an odd number of 32-blocks (the AVX-512 path multiplies two blocks at a time and
    /// must handle a lone last block), for Q4_0, Q5_0 and Q8_0, single tokens and batches past a tile.
    @Test func oddBlockCountsInQ8_0FamilyRows() throws {
        let backend = try Backend("cpu", threads: 2)
        defer { backend.destroy() }
        let rows = 9, cols = 96
        var s: UInt32 = 5
        func byte() -> UInt8 { s = s &* 1664525 &+ 1013904223; return UInt8(truncatingIfNeeded: s >> 13) }
        let scale = Float16(0.03).bitPattern
        let d = [UInt8(scale & 0xFF), UInt8(scale >> 8)]
        var q4: [UInt8] = [], q5: [UInt8] = [], q8: [UInt8] = []
        for _ in 0..<(rows * cols / 32) {
            q4 += d + (0..<16).map { _ in byte() }
            q5 += d + (0..<20).map { _ in byte() }
            q8 += d + (0..<32).map { _ in byte() }
        }
        for n in [1, 5, 17] {
            q4.withUnsafeBytes { Self.check(backend, type: 2, data: $0.baseAddress!, rowStride: cols / 32 * 18, rows: rows, cols: cols, n: n, label: "Q4_0 odd n=\(n)") }
            q5.withUnsafeBytes { Self.check(backend, type: 6, data: $0.baseAddress!, rowStride: cols / 32 * 22, rows: rows, cols: cols, n: n, label: "Q5_0 odd n=\(n)") }
            q8.withUnsafeBytes { Self.check(backend, type: 8, data: $0.baseAddress!, rowStride: cols / 32 * 34, rows: rows, cols: cols, n: n, label: "Q8_0 odd n=\(n)") }
        }
    }

    @Test func openBLASMatchesTheCPUBackendOnBatches() throws {
        let file = try GGUFFile(path: try ModelTestSupport.modelPath("gemma"))
        let cpu = try Backend("cpu", threads: 2), blas = try Backend("openblas", threads: 2)
        defer { cpu.destroy(); blas.destroy() }
        for name in ["blk.0.ffn_down.weight", "blk.0.attn_q.weight"] {
            let info = try #require(file.tensor(named: name))
            let cols = info.dimensions[0], rows = info.dimensions[1]
            let stride = try #require(info.type.byteCount(elements: cols))
            let data = try #require(file.tensorData(info).baseAddress)
            let n = 40
            let x = Self.activations(n * cols, seed: 3)
            let a = cpu.matmul(info.type.rawValue, data, rowStride: stride, rows: rows, cols: cols, x: x, n: n)
            let b = blas.matmul(info.type.rawValue, data, rowStride: stride, rows: rows, cols: cols, x: x, n: n)
            let scale = a.map { abs($0) }.max() ?? 1
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 0.02 * scale, "\(name): openblas vs cpu max difference \(worst) (scale \(scale))")
        }
    }

    @Test func attentionRespectsCausalityAndTheSlidingWindow() throws {
        let backend = try Backend("cpu", threads: 2)
        defer { backend.destroy() }
        let headDim = 8, positions = 6, heads = 2, kvHeads = 1
        // Values: position p has value vector (p, p, …); keys all zero → uniform weights.
        let keys = [UInt16](repeating: Float16(0).bitPattern, count: positions * headDim)
        let values = (0..<positions).flatMap { p in [UInt16](repeating: Float16(Float(p)).bitPattern, count: headDim) }
        let q = [Float](repeating: 1, count: positions * heads * headDim)
        func run(window: Int) -> [Float] {
            var out = [Float](repeating: .nan, count: positions * heads * headDim)
            _ = keys.withUnsafeBufferPointer { k in values.withUnsafeBufferPointer { v in q.withUnsafeBufferPointer { qp in
                out.withUnsafeMutableBufferPointer { o in
                    backend.vt.pointee.attention!(backend.instance, qp.baseAddress, k.baseAddress, v.baseAddress, positions * headDim,
                                                  Int64(positions), 0, Int64(positions), Int64(heads), Int64(kvHeads), Int64(headDim),
                                                  1, Int64(window), o.baseAddress)
                } } } }
            return out
        }
        let full = run(window: 0), windowed = run(window: 2)
        for p in 0..<positions {
            // Causal mean of 0…p, and with a window of 2 the mean of p-1 and p.
            #expect(abs(full[p * heads * headDim] - Float(p) / 2) < 1e-3)
            let expected = p == 0 ? 0 : Float(2 * p - 1) / 2
            #expect(abs(windowed[(p * heads + 1) * headDim] - expected) < 1e-3)
        }
    }
}
