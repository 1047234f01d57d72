/// k-means quantization of a Linear weight (Han et al. 2016, Deep Compression; the issue's
/// "pseudo quantization"): each group of rows is clustered into 2^b centroids
/// (``kMeans(_:clusters:seed:tolerance:maxIterations:)``), and each weight stored as the b-bit
/// index of its nearest centroid. One group is per tensor, as in the paper.
/// - Parameters:
///   - w: `(N, K)`.
///   - spec: bits, groups and the codebook scheme.
///   - seed: group g's k-means++ draws use `seed + g`.
///   - tolerance, maxIterations: Lloyd's stopping rule.
/// - Returns: the packed codes and codebook; its ``LowBitWeight/dequantized()`` maps every
///   weight to its centroid.
/// - Throws: ``LowBitError/invalidSpec(name:reason:)`` for bits or groups that do not fit `w`,
///   or a linear scheme (see ``quantizeGroupwise(_:spec:)``); ``LowBitError/invalidTensor(path:tensor:reason:)``
///   for a weight with NaN or infinite values.
public func quantizeKMeans(_ w: Tensor, spec: LowBitSpec, seed: UInt64, tolerance: Float = 1e-4,
                           maxIterations: Int = 300) throws -> LowBitWeight {
    precondition(w.rank == 2, "quantizeKMeans needs (N, K), got \(w.shape)")
    try spec.validate(rows: w.shape[0], name: "weight")
    guard spec.scheme == .codebook else {
        throw LowBitError.invalidSpec(name: "weight", reason: "k-means makes a codebook, not \(spec.scheme.rawValue) ranges")
    }
    let values = w.scalars
    guard values.allSatisfy(\.isFinite) else {
        throw LowBitError.invalidTensor(path: "", tensor: "weight", reason: "NaN or infinite values cannot be clustered")
    }
    let size = w.count / spec.groups
    var codes = [UInt8](repeating: 0, count: w.count), codebook: [Float] = []
    for g in 0..<spec.groups {
        let result = kMeans(Array(values[(g * size)..<((g + 1) * size)]), clusters: spec.levels, seed: seed &+ UInt64(g),
                            tolerance: tolerance, maxIterations: maxIterations)
        codebook += result.centroids
        for (i, a) in result.assignments.enumerated() { codes[g * size + i] = UInt8(a) }
    }
    return try LowBitWeight(codes: codes, shape: w.shape, spec: spec, codebook: codebook)
}
