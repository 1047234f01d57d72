internal import CSlimKernels

/// Batched matrix product on oneDNN: `op(a) · op(b)` over the last two axes.
///
/// - Parameters:
///   - a: `(..., M, K)`, or `(..., K, M)` with `transposeA`.
///   - b: `(..., K, N)` / `(..., N, K)` with `transposeB`; its batch axes equal `a`'s, or it
///     is 2-D and shared by every batch.
///   - alpha: scales the product (fused into the kernel).
/// - Returns: `(..., M, N)`.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                   alpha: Float = 1) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
    let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
    let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
    let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
    precondition(k == kb, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batchShape = Array(a.shape.dropLast(2))
    precondition(b.rank == 2 || Array(b.shape.dropLast(2)) == batchShape,
                 "matmul batch axes differ: \(a.shape) and \(b.shape)")
    let value = matmulValue(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                            alpha: alpha, outShape: batchShape + [m, n])
    let (ad, bd) = (a.detached, b.detached)
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    let sharedB = b.rank == 2 && a.rank > 2
    return .record(value, inputs: [a, b]) { g in
        // C = αAB: dA = α g Bᵀ, dB = α Aᵀ g (with the transposes folded in).
        var da: Tensor?, db: Tensor?
        if needA {
            let dOpA = matmul(g, bd, transposeB: !transposeB, alpha: alpha)  // α g op(B)ᵀ
            da = transposeA ? dOpA.swappingLastAxes() : dOpA
        }
        if needB {
            if sharedB {
                // b is shared across batches: flatten them into the rows.
                let rowsA = transposeA ? ad.swappingLastAxes() : ad
                let a2 = rowsA.reshaped([rowsA.count / k, k]), g2 = g.reshaped([g.count / n, n])
                db = transposeB ? matmul(g2, a2, transposeA: true, alpha: alpha)
                                : matmul(a2, g2, transposeA: true, alpha: alpha)
            } else {
                db = transposeB ? matmul(g, ad, transposeA: true, transposeB: transposeA, alpha: alpha)
                                : matmul(ad, g, transposeA: !transposeA, alpha: alpha)
            }
        }
        return [da, db]
    }
}

func matmulValue(_ a: Tensor, _ b: Tensor, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                 alpha: Float, outShape: [Int], bias: Tensor? = nil) -> Tensor {
    var batch = a.count / (m * k), batchB = b.count / (k * n)
    var m = m
    if batchB == 1 && !transposeA { m *= batch; batch = 1 }  // one tall GEMM instead of many
    var out = Tensor(uninitializedShape: outShape)
    if out.count == 0 { return out }
    let status = out.withUnsafeMutableBufferPointer { c in
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { w in
                withOptionalPointer(bias) { biasPointer in
                    slim_matmul(Int64(batch), Int64(batchB), Int64(m), Int64(n), Int64(k),
                                transposeA ? 1 : 0, transposeB ? 1 : 0, alpha, x.baseAddress,
                                w.baseAddress, biasPointer, c.baseAddress, 0)
                }
            }
        }
    }
    precondition(status == 0, "oneDNN matmul failed with status \(status) for \(a.shape) · \(b.shape)")
    return out
}

func withOptionalPointer<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let t else { return body(nil) }
    return t.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// A fully connected layer in Hugging Face's layout: `x · Wᵀ + b`.
///
/// - Parameters:
///   - x: `(..., in)`.
///   - weight: `(out, in)`.
///   - bias: `(out)`, optional.
/// - Returns: `(..., out)`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    precondition(weight.rank == 2 && x.shape.last == inFeatures,
                 "linear: input \(x.shape) does not match weight \(weight.shape)")
    precondition(bias == nil || bias!.shape == [outFeatures], "linear: bias \(bias!.shape) for weight \(weight.shape)")
    let rows = x.count / inFeatures
    let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    if !recording, rows > 0, let value = packedLinear(x, weight: weight, bias: bias, gelu: false) { return value }
    let value = matmulValue(x, weight, m: rows, n: outFeatures, k: inFeatures, transposeA: false,
                            transposeB: true, alpha: 1, outShape: Array(x.shape.dropLast()) + [outFeatures],
                            bias: bias?.detached)
    let (xd, wd) = (x.detached, weight.detached)
    let (needX, needW) = (x.requiresGrad, weight.requiresGrad)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    let hasBias = bias != nil
    return .record(value, inputs: inputs) { g in
        let g2 = g.reshaped([rows, outFeatures])
        let dx = needX ? matmul(g2, wd).reshaped(xd.shape) : nil                          // g · W
        let dw = needW ? matmul(g2, xd.reshaped([rows, inFeatures]), transposeA: true) : nil  // gᵀ · x
        return hasBias ? [dx, dw, g2.sum(toShape: [outFeatures])] : [dx, dw]
    }
}

/// `gelu(linear(x, weight:, bias:))`, with the GELU fused into the GEMM when no gradient
/// is recorded (BERT's FFN at inference).
public func linearGELU(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    if !recording, x.count > 0, weight.rank == 2, x.shape.last == weight.shape[1],
       let value = packedLinear(x, weight: weight, bias: bias, gelu: true) {
        return value
    }
    return gelu(linear(x, weight: weight, bias: bias))
}
