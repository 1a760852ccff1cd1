/// Everything that can go wrong while opening or reading a GGUF file.
/// Each case names the byte offset (from the start of the file) where the problem was found.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped (`reason` is the system's message).
    case cannotOpen(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(found: [UInt8])
    /// A version this reader does not understand (it reads 2 and 3).
    case unsupportedVersion(UInt32)
    /// The file ends before a value that starts at `offset` and needs `needed` bytes.
    case truncated(offset: Int, needed: Int, what: String)
    /// A value at `offset` is present but not acceptable (`what` says which and why).
    case invalid(offset: Int, what: String)
    /// No tensor with this name exists in the file.
    case missingTensor(String)
    /// A metadata key is absent or has a different type than required.
    case missingKey(String, expected: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open GGUF file '\(path)': \(reason)"
        case let .badMagic(found):
            let hex = found.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            return "not a GGUF file: the first bytes are [\(hex)], expected 'GGUF' (47 47 55 46); check the path points at a .gguf model"
        case let .unsupportedVersion(version):
            return "unsupported GGUF version \(version) at byte 4 (this reader understands versions 2 and 3); re-convert the model with a current llama.cpp"
        case let .truncated(offset, needed, what):
            return "GGUF file truncated at byte \(offset): \(what) needs \(needed) more byte(s) than the file has; the download is probably incomplete — fetch the model again"
        case let .invalid(offset, what):
            return "invalid GGUF file at byte \(offset): \(what)"
        case let .missingTensor(name):
            return "GGUF file has no tensor named '\(name)'"
        case let .missingKey(key, expected):
            return "GGUF metadata key '\(key)' is missing or not \(expected)"
        }
    }
}
