import Foundation
import Testing
@testable import Engine

/// Shared helpers for the model tests: fixture files, cached models, plugin registry.
enum ModelTestSupport {
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/llamacpp")

    static func fixture(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("\(name) is not a JSON object")
        }
        return object
    }

    static func cases(_ name: String) throws -> [[String: Any]] {
        guard let cases = try fixture(name)["cases"] as? [[String: Any]] else { throw FixtureError("\(name) has no cases") }
        return cases
    }

    /// The model file for a fixture prefix (`qwen` / `gemma`); a missing file fails with a hint.
    static func modelPath(_ short: String) throws -> String {
        let name = short == "qwen" ? "qwen2.5-coder-0.5b" : "gemma-3-270m"
        do { return try ModelPaths.resolve(name) } catch {
            throw FixtureError("model \(name) is not cached (\(error)); run `make setup` to download it")
        }
    }

    static let registry = PluginRegistry(environment: [:])

    private static let lock = NSLock()
    nonisolated(unsafe) private static var models: [String: Model] = [:]

    /// One loaded model per fixture prefix, shared by the tests of this process.
    static func model(_ short: String) throws -> Model {
        lock.lock()
        defer { lock.unlock() }
        if let m = models[short] { return m }
        let m = try Model(path: try modelPath(short), registry: registry, threads: 2, contextLength: 1024)
        models[short] = m
        return m
    }

    static func ints(_ value: Any?) -> [Int32] { (value as? [NSNumber])?.map { $0.int32Value } ?? [] }

    /// Index of the largest logit (ties to the lowest id, as the fixtures do).
    static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }

    static func topK(_ logits: [Float], _ k: Int) -> [Int] {
        Array(logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }.prefix(k))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
