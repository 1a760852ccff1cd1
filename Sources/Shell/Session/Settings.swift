import Schema

/// One `/set` key: its type, default and help line.
struct SettingSpec: Sendable {
    enum Kind: Sendable {
        case float(ClosedRange<Double>)
        case integer(ClosedRange<Int64>)
        /// Free text (one value).
        case text
        /// A list of strings: `/set stop "</s>" "\n\n"`; `/set stop` with no value clears it.
        case textList
        case flag
        /// One of a fixed list of words.
        case choice([String])
    }

    var key: String
    var kind: Kind
    /// The value before any `/set`; `.null` means "engine decides" (e.g. a random seed).
    var defaultValue: JSONValue
    var help: String
}

/// The `/set` keys, as data: sampling parameters the engine receives, then the shell's own.
let settingSpecs: [SettingSpec] = [
    SettingSpec(key: "temperature", kind: .float(0...5), defaultValue: 0.8,
                help: "sampling temperature; 0 picks the most likely token"),
    SettingSpec(key: "top_p", kind: .float(0...1), defaultValue: 0.95, help: "nucleus sampling: keep tokens up to this cumulative probability"),
    SettingSpec(key: "top_k", kind: .integer(0...1_000_000), defaultValue: 40, help: "keep the k most likely tokens; 0 keeps all"),
    SettingSpec(key: "min_p", kind: .float(0...1), defaultValue: 0.05, help: "drop tokens below this fraction of the top token's probability"),
    SettingSpec(key: "seed", kind: .integer(0...Int64(UInt32.max)), defaultValue: .null, help: "random seed; unset means a fresh seed each reply"),
    SettingSpec(key: "max_tokens", kind: .integer(1...1_000_000), defaultValue: 1024, help: "most tokens one reply may generate"),
    SettingSpec(key: "ctx", kind: .integer(64...1_048_576), defaultValue: 4096, help: "context length in tokens (takes effect at the next /load)"),
    SettingSpec(key: "repeat_penalty", kind: .float(0...10), defaultValue: 1.0, help: "penalty for repeating recent tokens; 1 disables it"),
    SettingSpec(key: "stop", kind: .textList, defaultValue: [], help: "stop strings, e.g. /set stop \"</answer>\" (no value clears)"),
    SettingSpec(key: "threads", kind: .integer(0...1024), defaultValue: 0, help: "compute threads; 0 means one per core (next /load)"),
    SettingSpec(key: "backend", kind: .text, defaultValue: "auto", help: "backend plugin name, or auto for the best-scoring one (next /load)"),
    SettingSpec(key: "chain_limit", kind: .integer(1...100), defaultValue: 8, help: "most model replies per user message while tools are being called"),
    SettingSpec(key: "tool_timeout", kind: .float(0.1...3600), defaultValue: 10, help: "seconds a bound tool may run before it is killed"),
    SettingSpec(key: "tool_output_limit", kind: .integer(1...1_073_741_824), defaultValue: 1_048_576,
                help: "bytes of tool output kept; a tool that prints more is stopped"),
    SettingSpec(key: "confirm_tools", kind: .flag, defaultValue: true,
                help: "ask before running an --exec tool in the interactive shell (on/off)"),
    SettingSpec(key: "json_whitespace", kind: .choice(["auto", "compact", "flexible"]), defaultValue: "auto",
                help: "whitespace in constrained JSON: auto (compact for /schema and json-object, flexible in tool-call arguments), compact or flexible"),
    SettingSpec(key: "json_whitespace_max", kind: .integer(0...1000), defaultValue: .integer(Int64(JSONLayout.defaultMaxWhitespace)),
                help: "longest run of whitespace between JSON tokens when json_whitespace is flexible (or auto, in tool-call arguments)"),
    SettingSpec(key: "json_property_order", kind: .choice(["declared", "any"]), defaultValue: "declared",
                help: "order of an object's declared properties in constrained JSON: declared or any"),
    SettingSpec(key: "json_strict_properties", kind: .flag, defaultValue: false,
                help: "objects in constrained JSON take only declared properties unless the schema allows more (on/off)"),
]

/// Current `/set` values, validated against `settingSpecs`.
struct Settings: Sendable {
    private(set) var values: [String: JSONValue]

    init() {
        values = Dictionary(uniqueKeysWithValues: settingSpecs.map { ($0.key, $0.defaultValue) })
    }

    subscript(key: String) -> JSONValue { values[key] ?? .null }

    func double(_ key: String) -> Double? { self[key].doubleValue }
    func int(_ key: String) -> Int? { self[key].int64Value.map { Int($0) } }
    func bool(_ key: String) -> Bool { self[key].boolValue ?? false }
    func string(_ key: String) -> String? { self[key].stringValue }
    func strings(_ key: String) -> [String] { self[key].arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Sets `key` from the words after it; throws a usage error naming the allowed values.
    mutating func set(_ key: String, words: [String]) throws(ShellError) {
        guard let spec = settingSpecs.first(where: { $0.key == key }) else {
            throw ShellError(.usage, "unknown setting '\(key)'",
                             fix: "one of: \(settingSpecs.map(\.key).joined(separator: ", "))")
        }
        switch spec.kind {
        case .textList:
            values[key] = .array(words.map { .string($0) })
            return
        default:
            break
        }
        guard words.count == 1, let word = words.first else {
            throw ShellError(.usage, "/set \(key) takes one value", fix: "/set \(key) VALUE — \(spec.help)")
        }
        switch spec.kind {
        case .float(let range):
            guard let v = Double(word), range.contains(v) else {
                throw ShellError(.usage, "\(key) must be a number in \(range.lowerBound)…\(range.upperBound), not '\(word)'")
            }
            values[key] = .number(v, source: nil)
        case .integer(let range):
            if key == "seed", word == "random" || word == "none" { values[key] = .null; return }
            guard let v = Int64(word), range.contains(v) else {
                throw ShellError(.usage, "\(key) must be an integer in \(range.lowerBound)…\(range.upperBound), not '\(word)'")
            }
            values[key] = .integer(v)
        case .text:
            values[key] = .string(word)
        case .choice(let words):
            guard words.contains(word) else {
                throw ShellError(.usage, "\(key) takes \(words.joined(separator: " or ")), not '\(word)'")
            }
            values[key] = .string(word)
        case .flag:
            switch word.lowercased() {
            case "on", "true", "yes", "1": values[key] = true
            case "off", "false", "no", "0": values[key] = false
            default: throw ShellError(.usage, "\(key) takes on or off, not '\(word)'")
            }
        case .textList:
            break
        }
    }

    /// `key = value` lines for /show params.
    var description: String {
        let width = settingSpecs.map(\.key.count).max() ?? 0
        return settingSpecs.map { spec in
            let value = self[spec.key]
            let shown: String
            switch value {
            case .null: shown = "(unset)"
            case .string(let s): shown = s
            case .bool(let b): shown = b ? "on" : "off"
            default: shown = value.jsonString(.compact)
            }
            return "\(spec.key.padding(toLength: width, withPad: " ", startingAt: 0)) \(shown)"
        }.joined(separator: "\n")
    }
}
