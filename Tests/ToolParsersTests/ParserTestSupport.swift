import Foundation
import Testing
import Schema
@testable import ToolParsers

/// How a test splits an output into deltas.
enum Chunking: CustomStringConvertible, CaseIterable {
    case whole, bytes1, bytes3, random

    var description: String {
        switch self {
        case .whole: return "whole"
        case .bytes1: return "1-char"
        case .bytes3: return "3-char"
        case .random: return "random"
        }
    }

    /// Splits text into pieces on character (Unicode scalar) boundaries.
    func split(_ text: String, seed: UInt64 = 0x5EED) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var rng = SplitMix(seed: seed &+ UInt64(scalars.count))
        var i = 0
        while i < scalars.count {
            let size: Int
            switch self {
            case .whole: size = scalars.count
            case .bytes1: size = 1
            case .bytes3: size = 3
            case .random: size = Int(rng.next() % 9) + 1
            }
            let end = min(scalars.count, i + size)
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[i..<end])
            pieces.append(String(s))
            i = end
        }
        return pieces
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

enum ParserHarness {
    static func tools(_ json: String) -> [JSONValue] {
        guard let v = try? JSONValue.parse(json), case .array(let a) = v else { return [] }
        return a
    }

    /// Streams `text` through a fresh parser in the given chunking; returns all events and the fold.
    static func stream(_ name: String, _ text: String, tools: [JSONValue] = [], chunking: Chunking,
                       options: ToolParserOptions = ToolParserOptions()) throws -> (events: [ToolParserEvent], output: ParsedOutput) {
        let parser = try ToolParserRegistry.builtIn.makeParser(name: name, tools: tools, options: options)
        var events: [ToolParserEvent] = []
        for piece in chunking.split(text) { events += parser.feed(piece) }
        events += parser.finish()
        return (events, ParsedOutput(events: events))
    }

    /// The streamed-event invariants: indices contiguous from 0 and growing; id and name exactly once,
    /// in the first delta of an index; no empty content/reasoning events.
    static func checkInvariants(_ events: [ToolParserEvent], _ label: String) {
        var seen = 0
        var current = -1
        for e in events {
            switch e {
            case let .toolCall(index, id, name, _):
                if index == seen {
                    #expect(id != nil && name != nil, "\(label): first delta of call \(index) lacks id or name")
                    #expect(index > current, "\(label): index went back")
                    seen += 1
                    current = index
                } else {
                    #expect(index == current, "\(label): delta for index \(index) while \(current) is open")
                    #expect(id == nil && name == nil, "\(label): id/name repeated for index \(index)")
                }
            case .content(let t):
                #expect(!t.isEmpty, "\(label): empty content event")
            case .reasoning(let t):
                #expect(!t.isEmpty, "\(label): empty reasoning event")
            }
        }
    }
}
