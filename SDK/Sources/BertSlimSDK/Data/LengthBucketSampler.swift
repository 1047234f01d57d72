/// Makes batches of examples of similar length so that little of each batch is padding.
///
/// Each epoch: shuffle all examples (seeded by `seed` and the epoch), cut the shuffled list
/// into buckets of `batchesPerBucket × batchSize` examples, sort each bucket by length, cut
/// it into batches, then shuffle the order of all batches. Batches stay random in content
/// and order, but each is padded only to its own longest member. Every example appears in
/// exactly one batch per epoch (unless `dropLast` drops the one partial batch).
public struct LengthBucketSampler: Sendable, Equatable {
    /// Examples per batch.
    public var batchSize: Int
    /// Batches per bucket: larger buckets pad less but mix lengths less; 1 is plain random batching.
    public var batchesPerBucket: Int
    /// The run's seed; the same seed and epoch always give the same batches.
    public var seed: UInt64
    /// Drop the last batch when it is smaller than `batchSize`.
    public var dropLast: Bool

    /// A sampler.
    /// - Parameters:
    ///   - batchSize: examples per batch (at least 1).
    ///   - batchesPerBucket: batches per sorted bucket (at least 1; default 50).
    ///   - seed: the run's seed.
    ///   - dropLast: drop a final partial batch.
    public init(batchSize: Int, batchesPerBucket: Int = 50, seed: UInt64, dropLast: Bool = false) {
        precondition(batchSize >= 1 && batchesPerBucket >= 1,
                     "batchSize \(batchSize) and batchesPerBucket \(batchesPerBucket) must be at least 1")
        self.batchSize = batchSize
        self.batchesPerBucket = batchesPerBucket
        self.seed = seed
        self.dropLast = dropLast
    }

    /// The batches of one epoch, as indices into `lengths`.
    /// - Parameters:
    ///   - lengths: each example's length in tokens.
    ///   - epoch: the epoch number (0, 1, …); each gives a different order.
    public func batches(lengths: [Int], epoch: Int) -> [[Int]] {
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed, epoch))
        var order = Array(lengths.indices)
        order.seededShuffle(using: &generator)

        var batches: [[Int]] = []
        batches.reserveCapacity((lengths.count + batchSize - 1) / batchSize)
        let bucketSize = batchSize * batchesPerBucket
        for bucketStart in stride(from: 0, to: order.count, by: bucketSize) {
            let bucketEnd = min(bucketStart + bucketSize, order.count)
            // Ties are broken by shuffled position, so the result does not depend on whether
            // the sort is stable.
            let bucket = (bucketStart..<bucketEnd).sorted { a, b in
                let (la, lb) = (lengths[order[a]], lengths[order[b]])
                return la != lb ? la < lb : a < b
            }.map { order[$0] }
            for batchStart in stride(from: 0, to: bucket.count, by: batchSize) {
                batches.append(Array(bucket[batchStart..<min(batchStart + batchSize, bucket.count)]))
            }
        }
        if dropLast, let last = batches.last, last.count < batchSize {
            // Only the final bucket can end in a partial batch; drop it wherever it sorted to.
            batches.removeLast()
        }
        batches.seededShuffle(using: &generator)
        return batches
    }

    /// The fraction of a padded batch's positions that are padding, over all `batches`.
    public static func paddingFraction(_ batches: [[Int]], lengths: [Int]) -> Double {
        var padded = 0, real = 0
        for batch in batches {
            let longest = batch.map { lengths[$0] }.max() ?? 0
            padded += longest * batch.count
            real += batch.reduce(0) { $0 + lengths[$1] }
        }
        return padded == 0 ? 0 : Double(padded - real) / Double(padded)
    }
}
