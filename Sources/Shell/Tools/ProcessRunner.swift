import CEditLine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
struct ProcessResult: Sendable, Equatable {
    enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case outputLimitExceeded
        case cancelled
    }

    var ending: Ending
    /// Standard output (at most the output limit).
    var stdout: [UInt8]
    /// Standard error (the last 4 KiB).
    var stderr: [UInt8]
}

/// Runs an executable directly (no shell, so no interpolation of anything), feeding it stdin,
/// with a deadline and a cap on output. The child runs in its own process group, which is
/// killed as a whole when it times out, prints too much, or the run is cancelled.
enum ProcessRunner {
    /// Why the child could not be started.
    struct LaunchError: Error, Sendable { var message: String }

    static func run(argv: [String], stdin input: [UInt8], timeout: Double, outputLimit: Int,
                    workingDirectory: String? = nil,
                    isCancelled: () -> Bool = { false }) throws(LaunchError) -> ProcessResult
    {
        guard let program = argv.first, !program.isEmpty else { throw LaunchError(message: "empty command") }
        ts_ignore_sigpipe()  // a tool that exits without reading stdin must not kill the shell
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw LaunchError(message: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        if let workingDirectory { posix_spawn_file_actions_addchdir_np(&actions, workingDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        var status = posix_spawnp(&pid, program, &actions, &attributes, &cArgs, environ)
        // ETXTBSY: a script written a moment ago is still open for writing in a child that another
        // thread forked before its exec closed the descriptor; it goes away within milliseconds.
        var busyRetries = 0
        while status == ETXTBSY && busyRetries < 50 {
            busyRetries += 1
            usleep(20_000)
            status = posix_spawnp(&pid, program, &actions, &attributes, &cArgs, environ)
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard status == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw LaunchError(message: "cannot run '\(program)': \(String(cString: strerror(status)))")
        }

        for fd in [inPipe[1], outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var stdinFD: Int32 = inPipe[1]
        var stdoutFD: Int32 = outPipe[0]
        var stderrFD: Int32 = errPipe[0]
        var written = 0
        var out: [UInt8] = []
        var err: [UInt8] = []
        var ending: ProcessResult.Ending?
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        if input.isEmpty { close(stdinFD); stdinFD = -1 }

        while stdoutFD >= 0 || stderrFD >= 0 {
            if isCancelled() { ending = .cancelled; break }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { ending = .timedOut; break }
            var fds: [pollfd] = []
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 0.1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == stdinFD {
                    let n = input.withUnsafeBytes { raw in
                        write(stdinFD, raw.baseAddress! + written, input.count - written)
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written >= input.count {
                        close(stdinFD); stdinFD = -1
                    }
                } else {
                    let n = read(entry.fd, &buffer, buffer.count)
                    if n > 0 {
                        if entry.fd == stdoutFD {
                            out.append(contentsOf: buffer[0..<n])
                        } else {
                            err.append(contentsOf: buffer[0..<n])
                            if err.count > 4096 { err.removeFirst(err.count - 4096) }
                        }
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(entry.fd)
                        if entry.fd == stdoutFD { stdoutFD = -1 } else { stderrFD = -1 }
                    }
                }
            }
            if out.count > outputLimit { ending = .outputLimitExceeded; break }
        }
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        if ending != nil { kill(-pid, SIGKILL) }

        // Reap the child; a child that closed its output but keeps running is bound by the deadline too.
        var waitStatus: Int32 = 0
        while true {
            let r = waitpid(pid, &waitStatus, ending == nil ? WNOHANG : 0)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if ending == nil {
                if isCancelled() { ending = .cancelled; kill(-pid, SIGKILL); continue }
                if deadline.timeIntervalSinceNow <= 0 { ending = .timedOut; kill(-pid, SIGKILL); continue }
                usleep(5000)
            }
        }
        if out.count > outputLimit { out.removeLast(out.count - outputLimit) }
        if let ending { return ProcessResult(ending: ending, stdout: out, stderr: err) }
        let exitCode = waitStatus & 0x7f == 0 ? (waitStatus >> 8) & 0xff : -1
        if waitStatus & 0x7f != 0 {
            return ProcessResult(ending: .signalled(waitStatus & 0x7f), stdout: out, stderr: err)
        }
        return ProcessResult(ending: .exited(exitCode), stdout: out, stderr: err)
    }
}
