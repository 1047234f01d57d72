internal import CSlimKernels

/// Group-wise uniform quantization of a Linear weight, as in Q-BERT (Shen et al. 2019, Q-BERT:
/// Hessian Based Ultra Low Precision Quantization of BERT): each block of rows (a head's rows of
/// Q, K or V, a slice of the FFN's rows) gets its own range, so one outlier row does not
/// coarsen the steps of every other.
///
/// For group g with values in [lo, hi] and L = 2^b levels:
/// - symmetric: `scale = (2^(b−1) − 1) / max(|lo|, |hi|)`, `q = clamp(round(w·scale), ±(2^(b−1) − 1)) + 2^(b−1)`;
/// - asymmetric: the range widened to hold 0, `scale = (L − 1) / (hi − lo)`,
///   `z = clamp(round(−lo·scale), 0, L − 1)`, `q = clamp(round(w·scale) + z, 0, L − 1)`.
/// A code stands for `(q − z) / scale` (z = 2^(b−1) when symmetric). Rounding is half to even,
/// as PyTorch's. A group of zeros gets scale 1.
/// - Parameters:
///   - w: `(N, K)`.
///   - spec: bits, groups and a linear scheme; checked.
/// - Returns: one scale per group and, when asymmetric, one zero point per group.
/// - Throws: ``LowBitError/invalidSpec(name:reason:)`` for bits or groups that do not fit `w`,
///   or a codebook scheme (see ``quantizeKMeans(_:spec:seed:tolerance:maxIterations:)``).
public func groupwiseRanges(_ w: Tensor, spec: LowBitSpec) throws -> (scales: [Float], zeroPoints: [UInt8]?) {
    precondition(w.rank == 2, "groupwiseRanges needs (N, K), got \(w.shape)")
    try spec.validate(rows: w.shape[0], name: "weight")
    guard spec.scheme != .codebook else { throw LowBitError.invalidSpec(name: "weight", reason: "a codebook has no linear ranges") }
    let (n, k) = (w.shape[0], w.shape[1])
    var mins = [Float](repeating: 0, count: n), maxs = [Float](repeating: 0, count: n)
    w.withUnsafeBufferPointer { v in
        mins.withUnsafeMutableBufferPointer { lo in
            maxs.withUnsafeMutableBufferPointer { hi in slim_row_min_max(v.baseAddress, Int64(n), Int64(k), lo.baseAddress, hi.baseAddress) }
        }
    }
    let perGroup = n / spec.groups, levels = Float(spec.levels)
    var scales: [Float] = [], zeroPoints: [UInt8] = []
    for g in 0..<spec.groups {
        let rows = (g * perGroup)..<((g + 1) * perGroup)
        let lo = min(0, mins[rows].min()!), hi = max(0, maxs[rows].max()!)
        func usable(_ s: Float) -> Float { s > 0 && s.isFinite ? s : 1 }
        if spec.scheme == .symmetric {
            scales.append(usable((levels / 2 - 1) / max(-lo, hi)))
        } else {
            let scale = usable((levels - 1) / (hi - lo))
            scales.append(scale)
            zeroPoints.append(UInt8(max(0, min(levels - 1, (-lo * scale).rounded(.toNearestOrEven)))))
        }
    }
    return (scales, spec.scheme == .asymmetric ? zeroPoints : nil)
}

/// Quantizes `w` group-wise (``groupwiseRanges(_:spec:)``) and packs the codes.
/// - Parameters:
///   - w: `(N, K)`.
///   - spec: bits, groups and a linear scheme.
/// - Returns: the packed weight; its ``LowBitWeight/dequantized()`` equals
///   ``fakeQuantizeGroupwise(_:spec:)`` of `w`.
/// - Throws: as ``groupwiseRanges(_:spec:)``, and ``LowBitError/invalidTensor(path:tensor:reason:)``
///   for a weight with NaN or infinite values.
public func quantizeGroupwise(_ w: Tensor, spec: LowBitSpec) throws -> LowBitWeight {
    let (scales, zeroPoints) = try groupwiseRanges(w, spec: spec)
    guard w.scalars.allSatisfy(\.isFinite) else {
        throw LowBitError.invalidTensor(path: "", tensor: "weight", reason: "NaN or infinite values cannot be quantized")
    }
    var codes = [UInt8](repeating: 0, count: w.count)
    codes.withUnsafeMutableBufferPointer { c in
        runQuantize(w, spec: spec, scales: scales, zeroPoints: zeroPoints, codes: c.baseAddress, fake: nil)
    }
    return try LowBitWeight(codes: codes, shape: w.shape, spec: spec, scales: scales, zeroPoints: zeroPoints ?? [])
}

/// Group-wise fake quantization: `w` quantized with the given ranges and read back,
/// `(clamp(round(w·scale_g) + z_g) − z_g) / scale_g`, so that training sees the rounding the
/// packed model will make (Q-BERT's quantization-aware fine-tuning).
///
/// The backward pass is the straight-through estimator, `dw = dy` (Bengio et al. 2013), as the
/// int8 ``fakeQuantize(_:scale:)``; with ranges taken from `w` itself nothing is clamped, where
/// PyTorch's estimator is the identity too.
/// - Parameters:
///   - w: `(N, K)`, N divisible by the number of scales.
///   - bits: 2, 3, 4 or 8.
///   - scales: one positive scale per group of rows.
///   - zeroPoints: one per group (asymmetric), or nil (symmetric).
/// - Returns: the shape of `w`.
public func fakeQuantizeGroupwise(_ w: Tensor, bits: Int, scales: [Float], zeroPoints: [UInt8]?) -> Tensor {
    let scheme: LowBitSpec.Scheme = zeroPoints == nil ? .symmetric : .asymmetric
    let spec = LowBitSpec(bits: bits, groups: scales.count, scheme: scheme)
    precondition(w.rank == 2 && LowBitSpec.supportedBits.contains(bits) && !scales.isEmpty && w.shape[0] % scales.count == 0,
                 "fakeQuantizeGroupwise: \(scales.count) groups of \(bits) bits for \(w.shape)")
    precondition(zeroPoints == nil || zeroPoints!.count == scales.count, "fakeQuantizeGroupwise: \(zeroPoints!.count) zero points for \(scales.count) scales")
    precondition(scales.allSatisfy { $0 > 0 && $0.isFinite }, "fakeQuantizeGroupwise: scales must be positive and finite")
    var y = Tensor(uninitializedShape: w.shape)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            runQuantize(w, spec: spec, scales: scales, zeroPoints: zeroPoints, codes: nil, fake: out.baseAddress)
        }
    }
    return .record(y, inputs: [w]) { g in [g] }
}

/// Fake quantization with the ranges of `w` itself (``groupwiseRanges(_:spec:)``), recomputed
/// on every call: Q-BERT's quantization-aware fine-tuning of a weight. Straight-through backward.
/// - Parameters:
///   - w: `(N, K)`.
///   - spec: bits, groups and a linear scheme, already validated for `w` (a programmer error otherwise).
public func fakeQuantizeGroupwise(_ w: Tensor, spec: LowBitSpec) -> Tensor {
    let ranges: (scales: [Float], zeroPoints: [UInt8]?)
    do { ranges = try groupwiseRanges(w.detached, spec: spec) } catch { preconditionFailure("fakeQuantizeGroupwise: \(error)") }
    return fakeQuantizeGroupwise(w, bits: spec.bits, scales: ranges.scales, zeroPoints: ranges.zeroPoints)
}

private func runQuantize(_ w: Tensor, spec: LowBitSpec, scales: [Float], zeroPoints: [UInt8]?,
                         codes: UnsafeMutablePointer<UInt8>?, fake: UnsafeMutablePointer<Float>?) {
    w.withUnsafeBufferPointer { v in
        scales.withUnsafeBufferPointer { s in
            (zeroPoints ?? []).withUnsafeBufferPointer { z in
                slim_lowbit_quantize(v.baseAddress, Int64(w.shape[0]), Int64(w.shape[1]), Int32(spec.bits), Int64(spec.groups),
                                     s.baseAddress, zeroPoints == nil ? nil : z.baseAddress, codes, fake)
            }
        }
    }
}
