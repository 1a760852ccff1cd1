// A small HTTP/1.1 client over POSIX sockets: plain http:// only (no TLS), one request per
// connection (`Connection: close`), bodies with Content-Length, chunked transfer coding, or
// read-until-close. Every wait is a poll() of at most 100 ms, so a cancellation flag and the
// idle timeout are checked while the server thinks.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why an HTTP exchange failed.
enum HTTPFailure: Error, CustomStringConvertible {
    /// The server could not be reached (refused, unreachable, DNS); safe to retry.
    case connect(String)
    /// The server sent nothing for `seconds` seconds.
    case timeout(seconds: Double, during: String)
    /// The connection broke after the request was sent.
    case broken(String)
    /// The response is not valid HTTP.
    case protocolError(String)
    /// The cancellation flag was raised.
    case cancelled

    var description: String {
        switch self {
        case .connect(let m): return m
        case let .timeout(seconds, during): return "no answer within \(formatSeconds(seconds)) s while \(during)"
        case .broken(let m): return m
        case .protocolError(let m): return "malformed HTTP response: \(m)"
        case .cancelled: return "cancelled"
        }
    }
}

func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
}

/// Where a server lives: `http://host[:port][/prefix]`.
struct ServerAddress: Sendable, CustomStringConvertible {
    let host: String
    let port: UInt16
    /// Path prefix without a trailing slash ("" or e.g. "/proxy"); a trailing `/v1` is dropped.
    let prefix: String

    /// Parses a base URL; throws a message naming the problem and the fix.
    init(_ text: String) throws(RemoteError) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("https://") {
            throw RemoteError("\(text): https is not supported (the remote engine speaks plain HTTP/1.1 over sockets)",
                              fix: "use an http:// URL, e.g. through an SSH tunnel or a local TLS-terminating proxy")
        }
        guard rest.hasPrefix("http://") else {
            throw RemoteError("\(text) is not an http:// URL", fix: "give the server's base URL, e.g. http://127.0.0.1:8000")
        }
        rest = rest.dropFirst("http://".count)
        let hostPort = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(hostPort.count))
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1") { path.removeLast(3) }
        var hostText = String(hostPort)
        var port: UInt16 = 80
        if hostText.hasPrefix("[") {  // [v6]:port
            guard let close = hostText.firstIndex(of: "]") else {
                throw RemoteError("\(text): unterminated [ in the IPv6 host", fix: "write http://[::1]:8000")
            }
            let after = hostText[hostText.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = UInt16(after.dropFirst()) else { throw RemoteError("\(text): bad port", fix: "ports are 1…65535") }
                port = p
            }
            hostText = String(hostText[hostText.index(after: hostText.startIndex)..<close])
        } else if let colon = hostText.lastIndex(of: ":") {
            guard let p = UInt16(hostText[hostText.index(after: colon)...]), p > 0 else {
                throw RemoteError("\(text): bad port '\(hostText[hostText.index(after: colon)...])'", fix: "ports are 1…65535")
            }
            port = p
            hostText = String(hostText[..<colon])
        }
        guard !hostText.isEmpty else { throw RemoteError("\(text) has no host", fix: "e.g. http://127.0.0.1:8000") }
        host = hostText
        self.port = port
        prefix = path
    }

    var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "http://\(h):\(port)\(prefix)"
    }
}

/// An HTTP response whose body is read incrementally.
final class HTTPResponse {
    let status: Int
    let headers: [(String, String)]
    private let connection: HTTPConnection
    private var chunked: Bool
    private var remaining: Int?  // content-length left, nil = until close / chunked
    private var chunkLeft = 0
    private var finished = false

    init(status: Int, headers: [(String, String)], connection: HTTPConnection) {
        self.status = status
        self.headers = headers
        self.connection = connection
        chunked = headers.contains { $0.0 == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
        remaining = chunked ? nil : headers.first { $0.0 == "content-length" }.flatMap { Int($0.1.trimmingCharacters(in: .whitespaces)) }
        if remaining == 0 { finished = true }
    }

    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }

    /// The next bytes of the body, or nil at its end.
    func read() throws(HTTPFailure) -> [UInt8]? {
        if finished { return nil }
        if chunked {
            if chunkLeft == 0 {
                let line = try connection.readLine(during: "reading a chunk size")
                guard let line else { throw .broken("the connection closed inside a chunked body (the stream was cut)") }
                let hex = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(hex, radix: 16) else { throw .protocolError("bad chunk size '\(line)'") }
                if size == 0 {
                    while let trailer = try connection.readLine(during: "reading chunk trailers"), !trailer.isEmpty {}
                    finished = true
                    return nil
                }
                chunkLeft = size
            }
            guard let bytes = try connection.readSome(max: chunkLeft, during: "reading the response body") else {
                throw .broken("the connection closed inside a chunk (the stream was cut)")
            }
            chunkLeft -= bytes.count
            if chunkLeft == 0 {
                guard let end = try connection.readLine(during: "reading a chunk end"), end.isEmpty else {
                    throw .protocolError("a chunk does not end with CRLF")
                }
            }
            return bytes
        }
        if let left = remaining {
            guard let bytes = try connection.readSome(max: left, during: "reading the response body") else {
                throw .broken("the connection closed after \(left) bytes of the body were still due (the stream was cut)")
            }
            remaining = left - bytes.count
            if remaining == 0 { finished = true }
            return bytes
        }
        guard let bytes = try connection.readSome(max: 65536, during: "reading the response body") else {
            finished = true
            return nil
        }
        return bytes
    }

    /// The whole remaining body (bounded by `limit` bytes).
    func readAll(limit: Int = 64 << 20) throws(HTTPFailure) -> [UInt8] {
        var all: [UInt8] = []
        while let part = try read() {
            all += part
            if all.count > limit { throw .protocolError("the response body is larger than \(limit) bytes") }
        }
        return all
    }

    func close() { connection.close() }
}

/// One TCP connection carrying one request.
final class HTTPConnection {
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private let idleTimeout: Double
    private let cancel: UnsafePointer<Int32>?

    private init(fd: Int32, idleTimeout: Double, cancel: UnsafePointer<Int32>?) {
        self.fd = fd
        self.idleTimeout = idleTimeout
        self.cancel = cancel
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    private var cancelled: Bool {
        // The flag is written by another thread; each check is a fresh load through the pointer.
        guard let cancel else { return false }
        return cancel.pointee != 0
    }

    /// Opens a connection to the address (tries every resolved address).
    static func open(_ address: ServerAddress, connectTimeout: Double, idleTimeout: Double,
                     cancel: UnsafePointer<Int32>?) throws(HTTPFailure) -> HTTPConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .connect("cannot resolve \(address.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let info = node {
            node = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let result = connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result == 0 || errno == EINPROGRESS {
                let connection = HTTPConnection(fd: fd, idleTimeout: idleTimeout, cancel: cancel)
                if result != 0 {
                    do {
                        try connection.wait(for: Int16(POLLOUT), timeout: connectTimeout, during: "connecting to \(address)")
                    } catch {
                        if case .timeout = error {
                            lastError = "no answer within \(formatSeconds(connectTimeout)) s"
                            continue
                        }
                        throw error
                    }
                    var soError: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                    if soError != 0 { lastError = String(cString: strerror(soError)); connection.close(); continue }
                }
                return connection
            }
            lastError = String(cString: strerror(errno))
            _ = Glibc.close(fd)
        }
        throw .connect("cannot connect to \(address): \(lastError)")
    }

    /// Waits until the socket is ready, polling the cancel flag every 100 ms.
    private func wait(for events: Int16, timeout: Double, during: String) throws(HTTPFailure) {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if cancelled { throw .cancelled }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, 100)
            if n > 0 { return }
            if n < 0 && errno != EINTR { throw .broken("poll failed: \(String(cString: strerror(errno)))") }
            if Date() >= deadline { throw .timeout(seconds: timeout, during: during) }
        }
    }

    /// Sends all bytes.
    func write(_ bytes: [UInt8]) throws(HTTPFailure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), timeout: idleTimeout, during: "sending the request")
                continue
            }
            if n < 0 && errno == EINTR { continue }
            throw .broken("sending the request failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Fills the buffer; false at end of stream.
    private func fill(during: String) throws(HTTPFailure) -> Bool {
        // Drop consumed bytes so a long stream does not grow the buffer.
        if bufferStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferStart = 0
        } else if bufferStart > 65536 {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer += chunk[0..<n]; return true }
            if n == 0 { return false }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLIN), timeout: idleTimeout, during: during)
                continue
            }
            if errno == EINTR { continue }
            if errno == ECONNRESET { throw .broken("the server reset the connection (the stream was cut)") }
            throw .broken("reading failed: \(String(cString: strerror(errno)))")
        }
    }

    /// One line without its CRLF (or LF); nil at end of stream with nothing buffered.
    func readLine(during: String, limit: Int = 1 << 20) throws(HTTPFailure) -> String? {
        // Bytes already searched, counted from bufferStart (fill may move the buffer's contents).
        var scanned = 0
        while true {
            if let nl = buffer[(bufferStart + scanned)...].firstIndex(of: 10) {
                var end = nl
                if end > bufferStart && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[bufferStart..<end], as: UTF8.self)
                bufferStart = nl + 1
                return line
            }
            scanned = buffer.count - bufferStart
            if scanned > limit { throw .protocolError("a line is longer than \(limit) bytes") }
            if try !fill(during: during) {
                if bufferStart == buffer.count { return nil }
                throw .broken("the connection closed in the middle of a line")
            }
        }
    }

    /// Up to `max` bytes; nil at end of stream.
    func readSome(max: Int, during: String) throws(HTTPFailure) -> [UInt8]? {
        if bufferStart == buffer.count {
            if try !fill(during: during) { return nil }
        }
        let end = min(buffer.count, bufferStart + max)
        let bytes = Array(buffer[bufferStart..<end])
        bufferStart = end
        return bytes
    }

    /// Sends a request and reads the status line and headers.
    func send(method: String, path: String, host: String, headers: [(String, String)], body: [UInt8]?) throws(HTTPFailure) -> HTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nUser-Agent: toolshell-remote/1.0\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try write(Array(head.utf8) + (body ?? []))
        guard let statusLine = try readLine(during: "waiting for the response") else {
            throw .broken("the server closed the connection without answering")
        }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .protocolError("bad status line '\(statusLine.prefix(80))'")
        }
        var responseHeaders: [(String, String)] = []
        while true {
            guard let line = try readLine(during: "reading the response headers") else {
                throw .broken("the connection closed inside the response headers")
            }
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw .protocolError("bad header line '\(line.prefix(80))'") }
            responseHeaders.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            if responseHeaders.count > 200 { throw .protocolError("more than 200 header lines") }
        }
        return HTTPResponse(status: status, headers: responseHeaders, connection: self)
    }
}
