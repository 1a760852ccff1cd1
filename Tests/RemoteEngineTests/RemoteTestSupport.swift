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

/// Runs the built toolshell binary (stdout and stderr go through files, so neither pipe can fill up).
func runToolshell(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ToolshellRun {
    let dir = temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/out", errPath = dir + "/err"
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: buildProductsDirectory + "/toolshell")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["XDG_STATE_HOME"] = dir + "/state"
    for (k, v) in extra { env[k] = v }
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    process.waitUntilExit()
    let out = FileManager.default.contents(atPath: outPath) ?? Data()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    var transcript: [JSONValue] = []
    let transcripts = dir + "/state/toolshell/transcripts"
    for name in ((try? FileManager.default.contentsOfDirectory(atPath: transcripts)) ?? []).sorted() {
        let text = (try? String(contentsOfFile: transcripts + "/" + name, encoding: .utf8)) ?? ""
        transcript += text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }
    return ToolshellRun(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                        stderr: String(decoding: err, as: UTF8.self), transcript: transcript)
}

/// Why a test server did not come up.
struct ServerStartError: Error, CustomStringConvertible {
    let description: String
}

/// A server process the test started; killed (by its pid, with SIGKILL) when stopped.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let logPath: String

    init(process: Process, port: Int, logPath: String) {
        self.process = process
        self.port = port
        self.logPath = logPath
    }

    var url: String { "http://127.0.0.1:\(port)" }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Starts Tests/RemoteEngineTests/fake_openai_server.py with a scenario; it prints its port.
    static func fake(_ scenario: String, requestLog: String? = nil) throws -> ServerProcess {
        let dir = temporaryDirectory("fake")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_openai_server.py").path
        let portFile = dir + "/port"
        FileManager.default.createFile(atPath: portFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, scenario] + (requestLog.map { ["--log", $0] } ?? [])
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: portFile))
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Generous: the machine may be busy. No assertion depends on how long this takes.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let line = text.split(separator: "\n").first, let port = Int(line) {
                return ServerProcess(process: process, port: port, logPath: portFile)
            }
            if !process.isRunning { break }
            usleep(50_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
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
