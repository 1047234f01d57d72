internal import CSlimKernels
internal import Foundation

/// Linear weights `(N, K)` reordered once into oneDNN's preferred blocked layout. Inference
/// reuses them call after call (about 5% faster GEMMs than the plain layout); a write to
/// the weights (an optimizer step) makes them stale and they are packed again on next use.
final class PackedWeights {
    let handle: OpaquePointer
    let version: UInt64

    init?(_ weight: Tensor) {
        let (n, k) = (weight.shape[0], weight.shape[1])
        guard let handle = weight.withUnsafeBufferPointer({ slim_pack_weights($0.baseAddress, Int64(n), Int64(k)) }) else {
            return nil
        }
        self.handle = handle
        version = weight.storage.version
    }

    deinit { slim_packed_weights_free(handle) }

    private static let lock = NSLock()

    /// The packed form of `weight`, made now if missing or stale; nil if oneDNN cannot pack it.
    static func of(_ weight: Tensor) -> PackedWeights? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = weight.storage.packedWeights, cached.version == weight.storage.version { return cached }
        let packed = PackedWeights(weight)
        weight.storage.packedWeights = packed
        return packed
    }
}

/// y = x·Wᵀ + b (optionally GELU of it) for inputs that need no gradient: on the sparse kernel
/// when enough of W is zero (``SparseLinear/minimumSparsity``), else through packed weights; nil
/// when neither path is available.
func packedLinear(_ x: Tensor, weight: Tensor, bias: Tensor?, gelu: Bool) -> Tensor? {
    if let sparse = SparseForm.of(weight) { return sparseLinear(x, weight: sparse, bias: bias, gelu: gelu) }
    let (n, k) = (weight.shape[0], weight.shape[1])
    guard let packed = PackedWeights.of(weight) else { return nil }
    let rows = x.count / k
    var out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [n])
    let status = out.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { input in
            withOptionalPointer(bias) { b in
                slim_matmul_packed(packed.handle, Int64(rows), input.baseAddress, b, y.baseAddress, gelu ? 1 : 0)
            }
        }
    }
    return status == 0 ? out : nil
}
