internal import Foundation

/// A 64-byte aligned, uninitialised buffer of `count` Float32 values, shared by tensors
/// that view the same data (reshape) and copied on write.
public final class TensorStorage: @unchecked Sendable {
    /// Start of the buffer.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 values.
    public let count: Int
    /// Bumped on every write through a tensor, so caches derived from the values (packed
    /// GEMM weights) know when they are stale.
    @usableFromInline var version: UInt64 = 0
    /// The values reordered for oneDNN's GEMM, when this storage serves as Linear weights.
    var packedWeights: PackedWeights?
    /// The values as a sparse matrix when they serve as Linear weights with enough zeros
    /// (nil inside: not sparse enough), and the version and threshold it was decided for.
    var sparseForm: (version: UInt64, threshold: Double, matrix: SparseMatrix?)?

    /// Allocates `count` values, uninitialised.
    public init(count: Int) {
        precondition(count >= 0, "negative tensor size \(count)")
        let raw = StoragePool.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
    }

    /// Allocates `count` values set to zero.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { StoragePool.shared.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride) }

    /// A fresh storage holding the same values.
    public func copy() -> TensorStorage {
        let other = TensorStorage(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }
}
