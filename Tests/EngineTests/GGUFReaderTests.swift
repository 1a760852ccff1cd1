import Foundation
import Testing
@testable import GGUF
import Engine

/// A small GGUF with every metadata value type, nested arrays and three tensors.
func makeSyntheticGGUF(version: UInt32 = 3, alignment: UInt32? = nil) -> [UInt8] {
    var w = GGUFWriter()
    w.version = version
    w.metadata = [
        ("general.architecture", .string("llama")),
        ("test.u8", .uint8(200)), ("test.i8", .int8(-100)), ("test.u16", .uint16(60000)),
        ("test.i16", .int16(-30000)), ("test.u32", .uint32(4_000_000_000)), ("test.i32", .int32(-2_000_000_000)),
        ("test.u64", .uint64(UInt64.max)), ("test.i64", .int64(Int64.min)),
        ("test.f32", .float32(1.5)), ("test.f64", .float64(-2.25)), ("test.bool", .bool(true)),
        ("test.string", .string("héllo ▁ wörld")),
        ("test.strings", .array(.string, [.string("a"), .string(""), .string("Ġthe")])),
        ("test.i32s", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
        ("test.f32s", .array(.float32, [.float32(0.5), .float32(-1)])),
        ("test.bools", .array(.bool, [.bool(false), .bool(true)])),
        ("test.nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.string, [.string("x")])])),
        ("test.empty", .array(.int64, [])),
    ]
    if let alignment {
        w.alignment = Int(alignment)
        w.metadata.append(("general.alignment", .uint32(alignment)))
    }
    w.tensors = [
        GGUFWriter.Tensor(name: "a.weight", dimensions: [4, 2], type: .f32,
                          data: (0 ..< 8).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { Array($0) } }),
        GGUFWriter.Tensor(name: "b.weight", dimensions: [32], type: .q8_0, data: [UInt8](repeating: 7, count: 34)),
        GGUFWriter.Tensor(name: "c.weight", dimensions: [256, 1], type: .q4_K, data: [UInt8](repeating: 3, count: 144)),
    ]
    return w.bytes()
}

@Suite struct GGUFReaderTests {
    @Test(arguments: [UInt32(2), 3])
    func syntheticFileRoundTrips(version: UInt32) throws {
        let file = try GGUFFile(bytes: makeSyntheticGGUF(version: version))
        #expect(file.version == version)
        #expect(file.architecture == "llama")
        let m = file.metadata
        #expect(m.count == 19)
        #expect(m.keys.first == "general.architecture")
        #expect(m.int("test.u8") == 200)
        #expect(m.int("test.i8") == -100)
        #expect(m.int("test.u16") == 60000)
        #expect(m.int("test.i16") == -30000)
        #expect(m.int("test.u32") == 4_000_000_000)
        #expect(m.int("test.i32") == -2_000_000_000)
        #expect(m.int("test.u64") == nil)   // beyond Int.max
        if case let .uint64(v) = m["test.u64"] { #expect(v == UInt64.max) } else { Issue.record("u64 type lost") }
        #expect(m.int("test.i64") == Int(Int64.min))
        #expect(m.double("test.f32") == 1.5)
        #expect(m.double("test.f64") == -2.25)
        #expect(m.bool("test.bool") == true)
        #expect(m.string("test.string") == "héllo ▁ wörld")
        #expect(m.array("test.strings")?.strings == ["a", "", "Ġthe"])
        #expect(m.array("test.i32s")?.ints == [1, -2, 3])
        #expect(m.array("test.f32s")?.floats == [0.5, -1])
        #expect(m.array("test.bools")?.bools == [false, true])
        let nested = try #require(m.array("test.nested")?.arrays)
        #expect(nested.count == 2)
        #expect(nested[0].ints == [1, 2])
        #expect(nested[1].strings == ["x"])
        #expect(m.array("test.empty")?.count == 0)
        #expect(m.array("test.empty")?.elementType == .int64)
        #expect(m["missing"] == nil)

        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.tensors.map(\.name) == ["a.weight", "b.weight", "c.weight"])
        let a = try #require(file.tensor(named: "a.weight"))
        #expect(a.dimensions == [4, 2])
        #expect(a.type == .f32)
        #expect(a.byteCount == 32)
        let data = try file.tensorData("a.weight")
        #expect(data.count == 32)
        #expect(data.loadUnaligned(fromByteOffset: 12, as: Float.self) == 3)
        #expect(try file.tensorData("b.weight").count == 34)
        #expect(file.tensor(named: "c.weight")?.byteCount == 144)
        #expect(throws: GGUFError.missingTensor("nope")) { try file.tensorData("nope") }
    }

    @Test func customAlignmentIsHonoured() throws {
        let file = try GGUFFile(bytes: makeSyntheticGGUF(alignment: 64))
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors[1].offset == 64)
    }

    @Test func typeTableSizes() {
        #expect(GGMLType.q4_K.byteCount(elements: 512) == 288)
        #expect(GGMLType.q6_K.byteCount(elements: 256) == 210)
        #expect(GGMLType.q8_0.byteCount(elements: 64) == 68)
        #expect(GGMLType.q4_0.byteCount(elements: 33) == nil)
        #expect(GGMLType.bf16.byteCount(elements: 3) == 6)
        #expect(GGMLType(rawValue: 4).isKnown == false)
        #expect(GGMLType.q5_0.name == "Q5_0")
    }

    @Test func fileFromDiskMatchesBytes() throws {
        let bytes = makeSyntheticGGUF()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ggufreader-\(UUID().uuidString).gguf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        #expect(file.fileSize == bytes.count)
        #expect(file.path == path)
        #expect(file.metadata.string("test.string") == "héllo ▁ wörld")
        #expect(throws: GGUFError.self) { try GGUFFile(path: path + ".does-not-exist") }
        #expect(throws: GGUFError.self) { try GGUFFile(path: FileManager.default.temporaryDirectory.path) }
    }
}

@Suite struct GGUFCorruptionTests {
    /// Every strict prefix of a valid file is rejected with a GGUFError.
    @Test func everyTruncationIsAnError() throws {
        let bytes = makeSyntheticGGUF()
        // Padding after the last tensor is optional, so the file may end right after its data.
        let whole = try GGUFFile(bytes: bytes)
        let dataEnd = whole.tensors.map { whole.dataOffset + $0.offset + $0.byteCount }.max() ?? bytes.count
        var truncatedErrors = 0
        for length in 0 ..< dataEnd {
            do {
                _ = try GGUFFile(bytes: Array(bytes[0 ..< length]))
                Issue.record("a file truncated to \(length) of \(bytes.count) bytes parsed")
            } catch let error as GGUFError {
                if case .truncated = error { truncatedErrors += 1 }
            }
        }
        #expect(truncatedErrors > dataEnd / 2)
        #expect(throws: Never.self) { try GGUFFile(bytes: Array(bytes[0 ..< dataEnd])) }
    }

    /// Every single-byte change either still parses or gives a GGUFError (never a crash).
    @Test func flippedBytesGiveErrorsOnly() throws {
        let bytes = makeSyntheticGGUF()
        var errors = 0
        for position in 0 ..< bytes.count {
            for pattern: UInt8 in [0xFF, 0x80, 0x01] {
                var damaged = bytes
                damaged[position] ^= pattern
                do {
                    let file = try GGUFFile(bytes: damaged)
                    for t in file.tensors { _ = file.tensorData(t).count }
                    for key in file.metadata.keys { _ = file.metadata[key]?.array?.strings }
                } catch is GGUFError {
                    errors += 1
                }
            }
        }
        #expect(errors > 0)
    }

    /// Seeded random damage of several bytes at once.
    @Test func randomDamageGivesErrorsOnly() throws {
        let bytes = makeSyntheticGGUF()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for _ in 0 ..< 2000 {
            var damaged = bytes
            for _ in 0 ..< 1 + Int(next() % 4) {
                damaged[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            do {
                let file = try GGUFFile(bytes: damaged)
                for t in file.tensors { _ = file.tensorData(t).count }
            } catch is GGUFError {}
        }
    }

    func patched(_ bytes: [UInt8], at offset: Int, _ value: UInt64) -> [UInt8] {
        var b = bytes
        withUnsafeBytes(of: value.littleEndian) { for (i, v) in $0.enumerated() { b[offset + i] = v } }
        return b
    }

    @Test func absurdCountsAndSizesAreRejected() throws {
        let bytes = makeSyntheticGGUF()
        // Header: magic(4) version(4) tensor_count(8) kv_count(8).
        for absurd: UInt64 in [UInt64.max, 1 << 40, UInt64(bytes.count)] {
            #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(bytes, at: 8, absurd)) }
            #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(bytes, at: 16, absurd)) }
            // The first key's length.
            #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(bytes, at: 24, absurd)) }
        }
        do {
            _ = try GGUFFile(bytes: patched(bytes, at: 8, UInt64.max))
        } catch let error as GGUFError {
            guard case let .invalid(offset, what) = error else { Issue.record("wrong error \(error)"); return }
            #expect(offset == 8)
            #expect(what.contains("tensor count"))
        }

        // A string array claiming 2^62 elements.
        var w = GGUFWriter()
        w.metadata = [("x", .array(.string, [.string("a")]))]
        var arr = w.bytes()
        // magic4 ver4 tc8 kv8 keylen8 "x"1 type4 elemtype4 -> count at 41
        arr = patched(arr, at: 41, 1 << 62)
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: arr) }

        // Tensor with an enormous dimension or unknown type.
        var t = GGUFWriter()
        t.tensors = [GGUFWriter.Tensor(name: "w", dimensions: [32], type: .f32, data: [UInt8](repeating: 0, count: 128))]
        let tb = t.bytes()
        // magic4 ver4 tc8 kv8 | name len8 "w"1 ndims4 -> dim0 at 37, type at 45, offset at 49
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(tb, at: 37, UInt64.max)) }
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(tb, at: 37, 1 << 40)) }
        var badType = tb
        badType[45] = 4   // a removed ggml type
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: badType) }
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(tb, at: 49, 32)) }     // data past the end
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: patched(tb, at: 49, 3)) }      // misaligned
        var manyDims = tb
        manyDims[33] = 200
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: manyDims) }

        // Arrays nested beyond the depth limit.
        var deep: GGUFWriter.Value = .array(.uint8, [.uint8(1)])
        for _ in 0 ..< 20 { deep = .array(.array, [deep]) }
        var dw = GGUFWriter()
        dw.metadata = [("deep", deep)]
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: dw.bytes()) }

        // Bad alignment value and bad magic/version.
        var aw = GGUFWriter()
        aw.metadata = [("general.alignment", .uint32(3))]
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: aw.bytes()) }
        #expect(throws: GGUFError.badMagic(found: Array("GGML".utf8))) { try GGUFFile(bytes: Array("GGML".utf8) + [UInt8](repeating: 0, count: 20)) }
        var v9 = bytes
        v9[4] = 9
        #expect(throws: GGUFError.unsupportedVersion(9)) { try GGUFFile(bytes: v9) }
    }

    @Test func errorsNameTheOffset() throws {
        let bytes = makeSyntheticGGUF()
        do {
            _ = try GGUFFile(bytes: patched(bytes, at: 24, 5000))
            Issue.record("parsed a key longer than the file")
        } catch let error as GGUFError {
            guard case let .truncated(offset, _, what) = error else { Issue.record("wrong error \(error)"); return }
            #expect(offset == 24)
            #expect(what.contains("metadata key #0"))
            #expect(error.description.contains("byte 24"))
        }
        let whole = try GGUFFile(bytes: bytes)
        do {
            _ = try GGUFFile(bytes: Array(bytes[0 ..< whole.dataOffset + 10]))
            Issue.record("parsed a file cut inside the first tensor")
        } catch let error as GGUFError {
            guard case let .truncated(_, _, what) = error else { Issue.record("wrong error \(error)"); return }
            #expect(what.contains("a.weight"))
        }
    }
}

/// Both default models: they load, and their metadata and tensor tables are consistent.
@Suite(.serialized) struct GGUFRealModelTests {
    @Test(arguments: [("qwen2.5-coder-0.5b", "qwen2", 24, 151_936), ("gemma-3-270m", "gemma3", 18, 262_144)])
    func defaultModelLoads(name: String, arch: String, blocks: Int, vocab: Int) throws {
        let path = try ModelPaths.resolve(name)
        let start = Date()
        let file = try GGUFFile(path: path)
        let elapsed = Date().timeIntervalSince(start)
        print("GGUF \(name): arch=\(file.architecture ?? "?") version=\(file.version) tensors=\(file.tensors.count) kv=\(file.metadata.count) data@\(file.dataOffset) parsed in \(Int(elapsed * 1000)) ms")
        #expect(file.architecture == arch)
        #expect(file.metadata.int("\(arch).block_count") == blocks)
        #expect(file.metadata.array("tokenizer.ggml.tokens")?.count == vocab)
        #expect(file.tensors.count > blocks * 9)
        #expect(file.dataOffset % file.alignment == 0)
        var end = 0
        for t in file.tensors {
            #expect(t.type.byteCount(elements: t.elementCount) == t.byteCount)
            end = max(end, file.dataOffset + t.offset + t.byteCount)
        }
        #expect(end <= file.fileSize)
        #expect(file.fileSize - end < file.alignment)
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions.count == 2)
        #expect(embedding.dimensions[1] == vocab)
        #expect(try file.tensorData("token_embd.weight").count == embedding.byteCount)
    }

    /// Prefixes of a real model's header (which holds ~300k strings) are rejected.
    @Test func realModelTruncationsAreErrors() throws {
        let path = try ModelPaths.resolve("qwen2.5-coder-0.5b")
        let file = try GGUFFile(path: path)
        let header = Array(UnsafeRawBufferPointer(start: file.baseAddress, count: file.dataOffset + 64))
        var lengths = [0, 3, 4, 8, 23, 24, 25, 100, 1000]
        for i in 1 ... 12 { lengths.append(header.count * i / 13) }
        lengths.append(file.dataOffset - 1)
        for length in lengths {
            #expect(throws: GGUFError.self, "prefix of \(length) bytes") { try GGUFFile(bytes: Array(header[0 ..< length])) }
        }
    }
}

/// `--model` resolution (names of the default models, paths, and what goes wrong).
@Suite struct GGUFModelPathTests {
    @Test func namesPathsAndErrors() throws {
        let qwen = try ModelPaths.resolve("qwen2.5-coder-0.5b")
        #expect(qwen.hasPrefix(ModelPaths.cacheDirectory))
        #expect(qwen.hasSuffix("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
        #expect(try ModelPaths.resolve(qwen) == qwen)
        #expect(try ModelPaths.resolve("gemma-3-270m-q4_k_m.gguf") == ModelPaths.resolve("gemma-3-270m"))
        #expect(throws: ModelPathError.notFound("no-such-model.gguf", knownNames: ["qwen2.5-coder-0.5b", "gemma-3-270m"])) {
            try ModelPaths.resolve("no-such-model.gguf")
        }
        let dir = FileManager.default.temporaryDirectory.path
        #expect(throws: ModelPathError.isDirectory(dir)) { try ModelPaths.resolve(dir) }
        #expect(ModelPathError.defaultModelNotCached(name: "x", expectedPath: "/p").description.contains("make setup"))
    }
}
