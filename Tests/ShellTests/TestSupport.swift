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
        session.interrupts = InterruptSource.makePrivate()  // parallel tests never share a Ctrl-C flag
        // A loaded machine (parallel test suites, other builds) can take seconds to start a tool
        // script; tests of the timeout itself pass --timeout explicitly.
        try? session.settings.set("tool_timeout", words: ["120"])
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
///
/// Children are started with posix_spawn and reaped with waitpid on their own pid (the shell's
/// ProcessRunner): Foundation's Process on Linux can miss a child's exit when many tests spawn
/// processes at once, and then `waitUntilExit` never returns.
func runToolshell(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:],
                  directory: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    var assignments = ["XDG_STATE_HOME=" + NSTemporaryDirectory() + "toolshell-state-" + UUID().uuidString]
    for (k, v) in extra.sorted(by: { $0.key < $1.key }) { assignments.append("\(k)=\(v)") }
    let result = try runChild(["/usr/bin/env"] + assignments + [buildProductsDirectory + "/toolshell"] + arguments,
                              stdin: stdin, directory: directory)
    return (result.status, result.stdout, result.stderr)
}

/// A child that could not be run, or one that outlived the test's patience.
struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
}

/// Runs argv to completion (10 minutes at most) and returns its status and output.
func runChild(_ argv: [String], stdin: String = "", directory: String? = nil,
              timeout: Double = 600) throws -> (status: Int32, stdout: String, stderr: String) {
    let result: ProcessResult
    do {
        result = try ProcessRunner.run(argv: argv, stdin: Array(stdin.utf8), timeout: timeout,
                                       outputLimit: 256 << 20, workingDirectory: directory)
    } catch {
        throw ChildProcessError(description: error.message)
    }
    let out = String(decoding: result.stdout, as: UTF8.self), err = String(decoding: result.stderr, as: UTF8.self)
    switch result.ending {
    case .exited(let code): return (code, out, err)
    case .signalled(let signal): return (128 + signal, out, err)
    case .timedOut, .outputLimitExceeded, .cancelled:
        throw ChildProcessError(description: "\(argv.joined(separator: " ")) ended as \(result.ending); stderr: \(err)")
    }
}

/// A child started in the background (stdout and stderr discarded), reaped by `waitForExit`.
struct BackgroundChild {
    let pid: pid_t

    init(_ argv: [String], environment: [String: String]) throws {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, nil, &cArgs, &cEnv)
        guard status == 0 else { throw ChildProcessError(description: "cannot run \(argv[0]): \(String(cString: strerror(status)))") }
        pid = child
    }

    /// Waits for the child to end and returns its wait status.
    @discardableResult
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

/// A `/show params` line: the key padded to the longest setting key (json_strict_properties,
/// 22 characters), a space, the value.
func paramLine(_ key: String, _ value: String) -> String {
    key + String(repeating: " ", count: 22 - key.count + 1) + value
}
