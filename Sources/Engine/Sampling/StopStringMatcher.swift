/// Finds stop strings in streamed text. Text that could be the start of a stop string is
/// held back until it is clear either way, so no part of a stop string is ever emitted.
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private var held: [UInt8] = []
    /// The stop string that matched, once one has.
    public private(set) var matched: String?

    /// Empty strings in `stops` are ignored.
    public init(_ stops: [String]) {
        self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// Result of feeding a delta.
    public struct Output: Sendable, Equatable {
        /// Text safe to show now.
        public var text: String
        /// Whether a stop string was found (generation should end; `text` is what precedes it).
        public var stopped: Bool
    }

    /// Adds a text delta. After a stop string matched, further input is ignored.
    public mutating func feed(_ delta: String) -> Output {
        guard matched == nil else { return Output(text: "", stopped: true) }
        held += delta.utf8
        // Earliest occurrence of any stop string (the longer one on a tie).
        var best: (at: Int, stop: [UInt8])?
        for stop in stops {
            if let at = Self.find(stop, in: held), best == nil || at < best!.at || (at == best!.at && stop.count > best!.stop.count) {
                best = (at, stop)
            }
        }
        if let best {
            let text = String(decoding: held[..<best.at], as: UTF8.self)
            matched = String(decoding: best.stop, as: UTF8.self)
            held.removeAll()
            return Output(text: text, stopped: true)
        }
        // Hold the longest suffix that is a proper prefix of a stop string.
        var keep = 0
        for stop in stops {
            let maxLength = min(stop.count - 1, held.count)
            var length = maxLength
            while length > keep {
                if held[(held.count - length)...].elementsEqual(stop[..<length]) { keep = length; break }
                length -= 1
            }
        }
        let emitEnd = held.count - keep
        let text = String(decoding: held[..<emitEnd], as: UTF8.self)
        held.removeFirst(emitEnd)
        return Output(text: text, stopped: false)
    }

    /// Text held back because it might have started a stop string.
    public var heldText: String { String(decoding: held, as: UTF8.self) }

    /// Ends the stream: returns the held-back text (it turned out not to be a stop string).
    public mutating func flush() -> String {
        let text = String(decoding: held, as: UTF8.self)
        held.removeAll()
        return text
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0 ... (haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
        }
        return nil
    }
}
