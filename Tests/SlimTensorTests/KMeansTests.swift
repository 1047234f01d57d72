import BertSlimSDK
import Testing

/// k-means (k-means++ then Lloyd), k-means quantization and the codebook lookup used for
/// centroid fine-tuning, against plain loops.
@Suite("k-means quantization")
struct KMeansTests {
    /// Three blobs around −1, 0.5 and 3 (sizes 40, 25, 35), shuffled.
    private func blobs(seed: UInt64 = 3) -> [Float] {
        var g = SeededGenerator(seed: seed)
        var values: [Float] = []
        for (center, count) in [(Float(-1), 40), (0.5, 25), (3, 35)] {
            values += (0..<count).map { _ in center + 0.1 * g.nextNormal() }
        }
        return values.shuffled(using: &g)
    }

    @Test("recovers well-separated clusters, deterministically")
    func separatedClusters() {
        let values = blobs()
        let result = kMeans(values, clusters: 3, seed: 11)
        #expect(result.converged)
        let means: [Float] = (0..<3).map { j in
            let members = zip(values, result.assignments).filter { $0.1 == j }.map(\.0)
            return members.reduce(0, +) / Float(members.count)
        }
        expectClose(result.centroids, means, atol: 1e-5, rtol: 1e-5, "centroids are their clusters' means")
        expectClose(result.centroids, [-1, 0.5, 3], atol: 0.05, rtol: 0)
        #expect(kMeans(values, clusters: 3, seed: 11) == result, "same seed, same result")
    }

    /// At convergence Lloyd's two steps change nothing: each value's centroid is its nearest,
    /// and each centroid is the mean of its values; the inertia is their squared distances.
    @Test("the result is a fixed point of Lloyd's steps", arguments: [2, 5, 16])
    func fixedPoint(clusters: Int) {
        let values = testValues([500], seed: 21).scalars.map { $0 * $0 * $0 }  // skewed
        let result = kMeans(values, clusters: clusters, seed: 2, tolerance: 0)
        #expect(result.converged)
        var inertia = 0.0
        for (v, a) in zip(values, result.assignments) {
            let nearest = result.centroids.map { abs($0 - v) }.min()!
            #expect(abs(result.centroids[a] - v) <= nearest, "value \(v) not at its nearest centroid")
            inertia += Double(v - result.centroids[a]) * Double(v - result.centroids[a])
        }
        #expect(abs(inertia - result.inertia) <= 1e-9 * max(1, inertia))
        for j in 0..<clusters {
            let members = zip(values, result.assignments).filter { $0.1 == j }.map { Double($0.0) }
            guard !members.isEmpty else { continue }
            #expect(abs(Double(result.centroids[j]) - members.reduce(0, +) / Double(members.count)) <= 1e-6)
        }
        #expect(result.centroids == result.centroids.sorted())
    }

    @Test("fewer distinct values than clusters: exact, with repeated centroids")
    func fewDistinctValues() {
        let result = kMeans([1, 2, 1, 1, 2], clusters: 4, seed: 5)
        #expect(result.inertia == 0)
        #expect(Set(result.centroids) == [1, 2] && result.centroids.count == 4)
        #expect(zip([1, 2, 1, 1, 2] as [Float], result.assignments).allSatisfy { result.centroids[$0.1] == $0.0 })
    }

    @Test("per-group k-means quantization stores each weight's nearest centroid", arguments: [2, 3, 4, 8])
    func quantizesGroups(bits: Int) throws {
        let w = testValues([6, 40], seed: 31) * Tensor(shape: [6, 1], scalars: [1, 1, 1, 4, 4, 4])
        let spec = LowBitSpec(bits: bits, groups: 2, scheme: .codebook)
        let packed = try quantizeKMeans(w, spec: spec, seed: 9)
        #expect(packed.codebook.count == 2 << bits)
        let decoded = packed.dequantized().scalars
        for (i, v) in w.scalars.enumerated() {
            let g = i / 120
            let codebook = packed.codebook[(g << bits)..<((g + 1) << bits)]
            #expect(abs(decoded[i] - v) <= codebook.map { abs($0 - v) }.min()!, "element \(i)")
        }
        #expect(try quantizeKMeans(w, spec: spec, seed: 9) == packed)
        // The group of larger rows gets the wider codebook.
        #expect(packed.codebook[(1 << bits)...].max()! > packed.codebook[..<(1 << bits)].max()!)
    }

    @Test("codebook lookup: centroids gather forward, gradients sum into their centroid backward")
    func codebookLookupGradient() {
        let codes: [UInt8] = [0, 3, 3, 1, 2, 0, 1, 1, 3, 2, 0, 0]
        let centroids = Tensor(shape: [2, 4], scalars: [-1, -0.5, 0.5, 1, -2, -1, 1, 2]).requiringGrad()
        let w = codebookLookup(centroids, codes: codes, shape: [4, 3])
        // Rows 0–1 use group 0, rows 2–3 group 1.
        #expect(w.scalars == [-1, 1, 1, -0.5, 0.5, -1, -1, -1, 2, 1, -2, -2])
        let upstream = testValues([4, 3], seed: 41)
        sum(w * upstream).backward()
        var expected = [Float](repeating: 0, count: 8)
        for (i, q) in codes.enumerated() { expected[i / 6 * 4 + Int(q)] += upstream.scalars[i] }
        expectClose(centroids.grad!.scalars, expected, atol: 1e-6, rtol: 1e-6)
        checkGradients([Tensor(shape: [2, 4], scalars: [-1, -0.5, 0.5, 1, -2, -1, 1, 2])]) { codebookLookup($0[0], codes: codes, shape: [4, 3]) }
    }

    @Test("codebook lookup equals the packed weight's decoded values", arguments: supportedISALevels)
    func lookupMatchesDecode(isa: KernelISA) throws {
        try KernelISA.withCap(isa) {
            let spec = LowBitSpec(bits: 3, groups: 3, scheme: .codebook)
            let packed = try quantizeKMeans(testValues([9, 17], seed: 51), spec: spec, seed: 4)
            let lookup = codebookLookup(Tensor(shape: [3, 8], scalars: packed.codebook), codes: packed.codes, shape: [9, 17])
            #expect(lookup.scalars == packed.dequantized().scalars)
        }
    }
}
