import Foundation
import Schema

/// The directory holding the built `toolshell` binary and the plugin libraries.
var buildProductsDirectory: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = (exe as NSString).deletingLastPathComponent
    while !FileManager.default.fileExists(atPath: dir + "/toolshell") && dir.count > 1 {
        dir = (dir as NSString).deletingLastPathComponent
    }
    return dir
}

/// The repository root (for examples/ and scripts/).
var repositoryRoot: String {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        dir = dir.deletingLastPathComponent()
    }
    return dir.path
}

/// A fresh temporary directory.
func temporaryDirectory(_ tag: String) -> String {
    let d = NSTemporaryDirectory() + "toolshell-\(tag)-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

/// Output of one `toolshell` run: status, stdout, stderr, and stdout's JSON lines.
struct ToolshellRun {
    let status: Int32
    let stdout: String
    let stderr: String
    /// The session transcript's events (model_output is only there), when one was written.
    var transcript: [JSONValue] = []

    var events: [JSONValue] { stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) } }

    func events(_ type: String) -> [JSONValue] { events.filter { $0["type"]?.stringValue == type } }

    /// Messages of the error events.
    var errors: [String] { events("error").compactMap { $0["message"]?.stringValue } }

    /// Everything, for a failing expectation's message.
    var summary: String { "status \(status)\nstdout:\n\(stdout.suffix(6000))\nstderr:\n\(stderr.suffix(3000))" }
}

/// A child process started with posix_spawn (stdout and stderr to files) and reaped with
/// waitpid on its own pid: Foundation's Process on Linux can miss a child's exit when many
/// tests spawn processes at once, and its waitUntilExit then never returns.
final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    private var exitStatus: Int32?
    private let lock = NSLock()

    init(_ argv: [String], environment extra: [String: String] = [:], stdout: String, stderr: String) throws {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, nil, &cArgs, &cEnv)
        guard status == 0 else { throw ServerStartError(description: "cannot run \(argv[0]): \(String(cString: strerror(status)))") }
        pid = child
    }

    /// Whether the child is still running (reaps it when it has ended).
    var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status; return false }
        return true
    }

    /// Waits for the end; returns the exit code (128 + signal when killed by one).
    @discardableResult
    func wait() -> Int32 {
        lock.lock(); defer { lock.unlock() }
        if exitStatus == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
        }
        let status = exitStatus!
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Sends a signal to this child (by its pid) unless it has already been reaped.
    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }
}

/// Runs the built toolshell binary to completion (stdout and stderr through files).
func runToolshell(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ToolshellRun {
    let dir = temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/out", errPath = dir + "/err"
    var env = extra
    env["XDG_STATE_HOME"] = dir + "/state"
    let child = try SpawnedChild([buildProductsDirectory + "/toolshell"] + arguments, environment: env,
                                 stdout: outPath, stderr: errPath)
    let status = child.wait()
    let out = FileManager.default.contents(atPath: outPath) ?? Data()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    var transcript: [JSONValue] = []
    let transcripts = dir + "/state/toolshell/transcripts"
    for name in ((try? FileManager.default.contentsOfDirectory(atPath: transcripts)) ?? []).sorted() {
        let text = (try? String(contentsOfFile: transcripts + "/" + name, encoding: .utf8)) ?? ""
        transcript += text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }
    return ToolshellRun(status: status, stdout: String(decoding: out, as: UTF8.self),
                        stderr: String(decoding: err, as: UTF8.self), transcript: transcript)
}

/// Why a test server did not come up.
struct ServerStartError: Error, CustomStringConvertible {
    let description: String
}

/// A server process the test started; killed (by its pid, with SIGKILL) when stopped.
final class ServerProcess: @unchecked Sendable {
    let child: SpawnedChild
    let port: Int
    let logPath: String

    init(child: SpawnedChild, port: Int, logPath: String) {
        self.child = child
        self.port = port
        self.logPath = logPath
    }

    var url: String { "http://127.0.0.1:\(port)" }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        child.signal(SIGKILL)
        child.wait()
    }

    deinit { stop() }

    /// Starts Tests/RemoteEngineTests/fake_openai_server.py with a scenario; it prints its port.
    static func fake(_ scenario: String, requestLog: String? = nil) throws -> ServerProcess {
        let dir = temporaryDirectory("fake")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_openai_server.py").path
        let portFile = dir + "/port"
        let child = try SpawnedChild(["/usr/bin/env", "python3", script, scenario] + (requestLog.map { ["--log", $0] } ?? []),
                                     stdout: portFile, stderr: dir + "/stderr")
        // Generous: the machine may be busy. No assertion depends on how long this takes.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let line = text.split(separator: "\n").first, let port = Int(line) {
                return ServerProcess(child: child, port: port, logPath: portFile)
            }
            if !child.isRunning { break }
            usleep(50_000)
        }
        child.signal(SIGKILL)
        child.wait()
        throw ServerStartError(description: "the fake server (\(scenario)) did not print its port")
    }
}

/// A loopback port nothing listens on right now (bound, read, released).
func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts connections on the loopback port.
func portAcceptsConnections(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
