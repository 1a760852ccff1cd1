/// A constraint on which tokens may be sampled next (the generation loop's logit-mask hook).
///
/// The Grammar module's matcher conforms to this; the generation loop asks for the
/// allowed-token mask before every sampling step and advances the constraint with
/// the sampled token.
public protocol TokenConstraint: AnyObject {
    /// Bit i of `mask` set ⇔ token i may be sampled next (mask.count == (vocabSize+31)/32).
    func fillAllowedTokens(_ mask: inout [UInt32])
    /// Advance by the sampled token; false if it was not allowed.
    func accept(token: Int32) -> Bool
    /// Undo the last n accepted tokens.
    func rollback(_ n: Int)
    /// Whether the constraint is satisfied here (end-of-generation allowed).
    var isAccepting: Bool { get }
    /// Whether nothing but end-of-generation may follow.
    var isTerminated: Bool { get }
    /// Bytes that must follow whatever is sampled (forced continuation), empty if none.
    func forcedBytes() -> [UInt8]
}
