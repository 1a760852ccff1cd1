import Foundation
import Schema
@testable import Shell

/// A model that plays scripted replies (each a list of pieces); records the requests it got.
@MainActor
final class ScriptedModel: ShellModel {
    var replies: [[String]]
    var requests: [GenerationRequest] = []
    /// Called before each piece; lets a test raise the interrupt flag mid-reply.
    var beforePiece: ((Int) -> Void)?
    let path = "/scripted"
    let engineName = "scripted"
    var chatTemplate: String? = nil
    let templateVariables: JSONObject = ["bos_token": "<s>", "eos_token": "</s>"]
    let details: [(String, String)] = []
    var displayName: String { "scripted" }

    init(_ replies: [[String]]) { self.replies = replies }

    func tokenize(_ text: String) throws(ShellError) -> [(id: Int32, piece: String)] {
        text.split(separator: " ").enumerated().map { (Int32($0.offset), String($0.element)) }
    }

    func generate(_ request: GenerationRequest, isCancelled: () -> Bool,
                  onPiece: (String) -> Void) throws(ShellError) -> GenerationOutcome {
        requests.append(request)
        guard !replies.isEmpty else { throw ShellError(.model, "scripted model has no more replies") }
        let pieces = replies.removeFirst()
        var count = 0
        for piece in pieces {
            beforePiece?(count)
            if isCancelled() { return GenerationOutcome(promptTokens: 7, generatedTokens: count, finishReason: "cancelled") }
            onPiece(piece)
            count += 1
        }
        return GenerationOutcome(promptTokens: 7, generatedTokens: count, finishReason: "stop")
    }
}

/// A session wired to an event recorder, with files relative to a fresh temporary directory.
@MainActor
struct TestShell {
    let session: ShellSession
    let recorder = EventRecorder()
    let directory: String

    init(model: ScriptedModel? = nil) {
        directory = NSTemporaryDirectory() + "toolshell-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let loader = ModelLoader { name, _, _ throws(ShellError) in
            guard let model else { throw ShellError(.model, "no test model named \(name)") }
            return model
        }
        session = ShellSession(sink: recorder, interactive: false, baseDirectory: directory, modelLoader: loader)
        session.model = model
    }

    /// Runs script text (as `toolshell run` would).
    func run(_ script: String) {
        ScriptRunner.run(script, source: "test.tsh", session: session, transcript: nil)
    }

    func write(_ name: String, _ text: String, executable: Bool = false) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                       attributes: executable ? [.posixPermissions: 0o755] : nil)
        return path
    }

    var errors: [ShellError] {
        recorder.events.compactMap { if case .error(let e) = $0 { return e }; return nil }
    }

    var infos: [String] {
        recorder.events.compactMap { if case .info(_, let t) = $0 { return t }; return nil }
    }

    var expects: [Bool] {
        recorder.events.compactMap { if case .expect(let passed, _, _, _) = $0 { return passed }; return nil }
    }

    var toolResults: [(name: String, result: String, isError: Bool)] {
        recorder.events.compactMap {
            if case let .toolResult(_, name, result, isError) = $0 { return (name, result, isError) }
            return nil
        }
    }
}

/// The directory holding the built `toolshell` binary and the plugin libraries.
var buildProductsDirectory: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = (exe as NSString).deletingLastPathComponent
    // swift-testing may run from inside the .xctest bundle directory on some platforms.
    while !FileManager.default.fileExists(atPath: dir + "/toolshell") && dir.count > 1 {
        dir = (dir as NSString).deletingLastPathComponent
    }
    return dir
}

/// The repository root (for examples/ and Tests/Fixtures).
var repositoryRoot: String {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        dir = dir.deletingLastPathComponent()
    }
    return dir.path
}

/// Runs the built toolshell binary with arguments and stdin; returns status and output.
func runToolshell(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:],
                  directory: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: buildProductsDirectory + "/toolshell")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["XDG_STATE_HOME"] = NSTemporaryDirectory() + "toolshell-state-" + UUID().uuidString
    for (k, v) in extra { env[k] = v }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
