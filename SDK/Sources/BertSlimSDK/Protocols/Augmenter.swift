/// Makes new training texts from old ones: the transfer set that a distillation stage's
/// teacher labels and its student learns from (SDK 1.2).
///
/// A distill stage with an `augment:` block builds its augmenter once, calls
/// ``augment(_:seed:)`` on the training texts, and adds what comes back as new examples whose
/// labels and soft targets are the teacher's outputs, computed once per example. The host, not
/// the augmenter, drops empty texts (counting them) and duplicates (texts whose tokens equal
/// another example's), so an augmenter may return either.
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple Neural
/// Networks, §3.2 (a rule-based transfer set: masking, POS-guided replacement, n-gram sampling).
public protocol Augmenter: Component {
    /// The augmented variants of each text.
    ///
    /// Must be deterministic: the same texts and seed give the same variants, so that a resumed
    /// or repeated run trains on the same transfer set.
    /// - Parameters:
    ///   - texts: the examples to augment (the training split's texts).
    ///   - seed: the run's seed.
    /// - Returns: one list per text, in order, of any length (may hold repeats or empty texts).
    /// - Throws: an error naming what is missing (a tokenizer, a teacher), never a trap.
    func augment(_ texts: [String], seed: UInt64) throws -> [[String]]
}
