internal import Foundation

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same stream on
/// every machine, which makes runs and their resumption reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable {
    /// The generator's whole state (save it to resume a stream).
    public var state: UInt64
    /// Set while a data-parallel rank trains on rows `first ..< first + count` of a batch of
    /// `total` rows: ``dropout(_:rate:generator:)`` then draws, for a tensor of those rows,
    /// its part of the mask the whole batch's tensor would get, and advances the stream as
    /// that whole tensor does, so that the masks do not depend on the number of ranks.
    /// Not part of the saved state.
    package var rows: (first: Int, count: Int, total: Int)?

    private enum CodingKeys: String, CodingKey { case state }

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// Independent stream `stream` of a run seeded with `seed` (SplitMix64's finaliser of both),
    /// e.g. one per text of an augmented set, so that each text's draws do not depend on the
    /// others' (SDK 1.3).
    public init(seed: UInt64, stream: UInt64) {
        var z = seed &+ stream &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        state = z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2))
    }
}


extension Tensor {
    /// Values drawn from N(mean, std²).
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = mean + std * generator.nextNormal() }
        }
        return t
    }

    /// Values drawn uniformly from [low, high).
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = low + (high - low) * generator.nextUniform() }
        }
        return t
    }
}
