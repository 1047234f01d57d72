internal import CSlimKernels

/// A weight made of codebook entries: `W[n, k] = centroids[g(n), codes[n, k]]`, g(n) the group
/// of row n (row blocks of N / G). The forward pass of k-means centroid fine-tuning.
///
/// Backward (Han et al. 2016, Deep Compression, §3.3): the gradients of all weights that share
/// a centroid are summed into it, `dC[g, j] = Σ dW[n, k]` over the rows n of group g with
/// `codes[n, k] = j`. The codes do not change; only the centroids train.
/// - Parameters:
///   - centroids: `(G, L)`: L entries for each of G groups (L ≤ 256).
///   - codes: N·K values below L, row-major (``LowBitWeight/codes``).
///   - shape: `[N, K]`, N divisible by G.
/// - Returns: `(N, K)`.
public func codebookLookup(_ centroids: Tensor, codes: [UInt8], shape: [Int]) -> Tensor {
    precondition(centroids.rank == 2 && centroids.shape[1] <= 256 && shape.count == 2 && codes.count == shape[0] * shape[1]
                 && shape[0] % max(centroids.shape[0], 1) == 0,
                 "codebookLookup: centroids \(centroids.shape), \(codes.count) codes for \(shape)")
    let (groups, levels) = (centroids.shape[0], centroids.shape[1])
    precondition(codes.allSatisfy { Int($0) < levels }, "codebookLookup: a code is not below \(levels)")
    var y = Tensor(uninitializedShape: shape)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            centroids.withUnsafeBufferPointer { c in
                codes.withUnsafeBufferPointer { q in
                    slim_codebook_gather(c.baseAddress, q.baseAddress, out.baseAddress, Int64(shape[0]), Int64(shape[1]),
                                         Int64(groups), Int32(levels))
                }
            }
        }
    }
    // dW (N, K) → dC (G, L)
    return .record(y, inputs: [centroids]) { dy in
        var dc = Tensor.zeros([groups, levels])
        if dy.count > 0 {
            dc.withUnsafeMutableBufferPointer { out in
                dy.withUnsafeBufferPointer { g in
                    codes.withUnsafeBufferPointer { q in
                        slim_codebook_scatter_add(q.baseAddress, g.baseAddress, out.baseAddress, Int64(shape[0]), Int64(shape[1]),
                                                  Int64(groups), Int32(levels))
                    }
                }
            }
        }
        return [dc]
    }
}
