// Shuffling with algorithms fixed here rather than the standard library's `shuffle(using:)`,
// whose way of drawing from the generator is not promised to stay the same across Swift
// releases: a seed must give the same order on every toolchain, or runs stop reproducing.

extension SeededGenerator {
    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject: no modulo bias).
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below: \(bound)) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A seed for stream number `index` derived from `seed`: the streams of different
    /// indices are unrelated. (Seeding with `seed + index` would not do: SplitMix64 streams of
    /// nearby seeds are the same stream shifted.)
    public static func derivedSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed)
        var derived = generator.next()
        for _ in 0..<max(index, 0) { derived = generator.next() }
        return derived
    }
}

extension MutableCollection where Self: RandomAccessCollection {
    /// Shuffles in place (Fisher–Yates), the same way for the same generator state everywhere.
    public mutating func seededShuffle(using generator: inout SeededGenerator) {
        guard count > 1 else { return }
        var i = index(before: endIndex)
        var remaining = count
        while remaining > 1 {
            let j = index(startIndex, offsetBy: generator.nextIndex(below: remaining))
            swapAt(i, j)
            formIndex(before: &i)
            remaining -= 1
        }
    }
}
