/// The result of ``kMeans(_:clusters:seed:tolerance:maxIterations:)``.
public struct KMeansResult: Equatable, Sendable {
    /// The centroids, ascending (`clusters` of them; repeated when there are fewer distinct values).
    public var centroids: [Float]
    /// For each input value, in input order, the index of its nearest centroid (the lower one on a tie).
    public var assignments: [Int]
    /// Lloyd iterations run.
    public var iterations: Int
    /// Whether the last iteration moved no centroid by more than the tolerance.
    public var converged: Bool
    /// Σ (value − centroid)² over the assignments.
    public var inertia: Double
}

/// k-means of scalar values: k-means++ initialisation (Arthur & Vassilvitskii 2007), then Lloyd
/// iterations until no centroid moves by more than `tolerance · (max − min)`, as Deep
/// Compression clusters a layer's weights (Han et al. 2016).
///
/// In one dimension the clusters of sorted centroids are intervals between the midpoints of
/// neighbours, so the values are sorted once and each Lloyd step takes every cluster's mean from
/// prefix sums (O(k log n) a step); the k-means++ draws cost O(n) each. Deterministic: the same
/// values, seed and settings give the same result on every machine (sums in Double, draws from
/// ``SeededGenerator``).
/// - Parameters:
///   - values: at least one finite value.
///   - clusters: k ≥ 1.
///   - seed: seeds the k-means++ draws.
///   - tolerance: relative to the value range; 0 runs until nothing moves or `maxIterations`.
///   - maxIterations: the cap on Lloyd iterations.
public func kMeans(_ values: [Float], clusters: Int, seed: UInt64, tolerance: Float = 1e-4,
                   maxIterations: Int = 300) -> KMeansResult {
    precondition(!values.isEmpty && clusters >= 1 && values.allSatisfy(\.isFinite), "kMeans: \(values.count) values, \(clusters) clusters")
    let sorted = values.sorted()
    let n = sorted.count
    var prefix = [Double](repeating: 0, count: n + 1)
    for i in 0..<n { prefix[i + 1] = prefix[i] + Double(sorted[i]) }
    var centroids = plusPlusCentroids(sorted, clusters: clusters, seed: seed).sorted()

    // Clusters as index ranges of `sorted`: cluster j holds the values above the midpoint
    // between centroids j − 1 and j, up to (and including) the next midpoint.
    func starts(_ c: [Float]) -> [Int] {
        var s = [0]
        for j in 0..<(c.count - 1) { s.append(firstIndex(above: c[j] / 2 + c[j + 1] / 2, in: sorted)) }
        s.append(n)
        return s
    }
    let limit = tolerance * (sorted[n - 1] - sorted[0])
    var iterations = 0, converged = false
    while iterations < maxIterations {
        iterations += 1
        let s = starts(centroids)
        var shift: Float = 0
        for j in 0..<clusters where s[j + 1] > s[j] {
            let mean = Float((prefix[s[j + 1]] - prefix[s[j]]) / Double(s[j + 1] - s[j]))
            shift = max(shift, abs(mean - centroids[j]))
            centroids[j] = mean
        }
        if shift <= limit { converged = true; break }
    }
    let boundaries = (0..<(clusters - 1)).map { centroids[$0] / 2 + centroids[$0 + 1] / 2 }
    var inertia = 0.0
    let assignments = values.map { v -> Int in
        let j = firstIndex(above: v, in: boundaries, strictlyBelow: true)
        inertia += Double(v - centroids[j]) * Double(v - centroids[j])
        return j
    }
    return KMeansResult(centroids: centroids, assignments: assignments, iterations: iterations, converged: converged, inertia: inertia)
}

/// k-means++: the first centroid uniformly, each next one with probability proportional to
/// the squared distance to the nearest centroid chosen so far. Fewer distinct values than
/// clusters leave the remaining centroids as copies of the last one.
private func plusPlusCentroids(_ sorted: [Float], clusters: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    func uniform() -> Double { Double(generator.next() >> 11) * 0x1p-53 }  // [0, 1)
    let n = sorted.count
    var centroids = [sorted[min(n - 1, Int(uniform() * Double(n)))]]
    var distance = sorted.map { Double($0 - centroids[0]) * Double($0 - centroids[0]) }
    while centroids.count < clusters {
        let total = distance.reduce(0, +)
        guard total > 0 else { break }
        let target = uniform() * total
        var index = n - 1, running = 0.0
        for i in 0..<n {
            running += distance[i]
            if running > target { index = i; break }
        }
        let c = sorted[index]
        centroids.append(c)
        // Only the new centroid's cell changes: an interval around it in sorted order.
        for range in [stride(from: index, through: 0, by: -1), stride(from: index + 1, through: n - 1, by: 1)] {
            for i in range {
                let d = Double(sorted[i] - c) * Double(sorted[i] - c)
                if d >= distance[i] { break }
                distance[i] = d
            }
        }
    }
    while centroids.count < clusters { centroids.append(centroids[centroids.count - 1]) }
    return centroids
}

/// The number of elements of ascending `sorted` that are ≤ `value` (< `value` with `strictlyBelow`).
private func firstIndex(above value: Float, in sorted: [Float], strictlyBelow: Bool = false) -> Int {
    var (lo, hi) = (0, sorted.count)
    while lo < hi {
        let mid = (lo + hi) / 2
        if strictlyBelow ? sorted[mid] < value : sorted[mid] <= value { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
