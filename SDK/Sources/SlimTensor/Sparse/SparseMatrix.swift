internal import CSlimKernels
internal import Foundation

/// A float matrix `(rows, columns)` in compressed sparse row form: the pruned weight of a Linear
/// layer, as stored in a sparse model folder and read by the sparse kernel (``SparseLinear``).
///
/// Row r's values are `values[rowOffsets[r] ..< rowOffsets[r + 1]]`, at the columns
/// `columnIndices[…]`, increasing. Column indices are 16-bit (at most 65,536 columns), so a
/// stored value costs 6 bytes against a dense value's 4: the file is smaller above one third
/// sparsity (at 90 %: 0.6 bytes per weight).
///
/// A stored value may be zero: the structure is the pruning mask, and fine-tuning may move a kept
/// weight through zero.
public struct SparseMatrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// `rows + 1` offsets into ``columnIndices`` and ``values``.
    public let rowOffsets: [Int32]
    public let columnIndices: [UInt16]
    public let values: [Float]

    /// The most columns a sparse matrix may have (16-bit column indices).
    public static let maximumColumns = Int(UInt16.max) + 1

    /// The entries of `dense` where `mask` is nonzero (every nonzero entry when `mask` is nil).
    /// - Precondition: `dense` is a matrix of at most ``maximumColumns`` columns; `mask` has its shape.
    public init(_ dense: Tensor, mask: Tensor? = nil) {
        precondition(dense.rank == 2 && dense.shape[1] <= Self.maximumColumns, "SparseMatrix: \(dense.shape) is not a matrix of ≤ 65,536 columns")
        precondition(mask == nil || mask!.shape == dense.shape, "SparseMatrix: mask \(mask!.shape) for \(dense.shape)")
        let (rows, columns) = (dense.shape[0], dense.shape[1])
        var offsets = [Int32](repeating: 0, count: rows + 1)
        var indices: [UInt16] = [], values: [Float] = []
        dense.withUnsafeBufferPointer { w in
            let keep = mask?.scalars
            for r in 0..<rows {
                for c in 0..<columns where (keep?[r * columns + c] ?? w[r * columns + c]) != 0 {
                    indices.append(UInt16(c))
                    values.append(w[r * columns + c])
                }
                offsets[r + 1] = Int32(values.count)
            }
        }
        self.rows = rows
        self.columns = columns
        rowOffsets = offsets
        columnIndices = indices
        self.values = values
    }

    /// A matrix from stored arrays, checked before anything reads them.
    /// - Throws: ``SparseMatrixError`` saying which array is inconsistent and where.
    public init(rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [UInt16], values: [Float]) throws(SparseMatrixError) {
        guard rows >= 0, (0...Self.maximumColumns).contains(columns) else {
            throw SparseMatrixError("shape (\(rows), \(columns)) is not a matrix of at most \(Self.maximumColumns) columns")
        }
        guard rowOffsets.count == rows + 1 else {
            throw SparseMatrixError("\(rowOffsets.count) row offsets for \(rows) rows (need \(rows + 1))")
        }
        guard rowOffsets[0] == 0 else { throw SparseMatrixError("row offsets start at \(rowOffsets[0]), not 0") }
        guard columnIndices.count == values.count else {
            throw SparseMatrixError("\(columnIndices.count) column indices for \(values.count) values")
        }
        guard Int(rowOffsets[rows]) == values.count else {
            throw SparseMatrixError("row offsets end at \(rowOffsets[rows]) but there are \(values.count) values")
        }
        for r in 0..<rows where rowOffsets[r] > rowOffsets[r + 1] {
            throw SparseMatrixError("row offsets decrease at row \(r) (\(rowOffsets[r]) then \(rowOffsets[r + 1]))")
        }
        for r in 0..<rows {
            for i in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
                guard Int(columnIndices[i]) < columns else {
                    throw SparseMatrixError("row \(r) has column index \(columnIndices[i]), beyond the \(columns) columns")
                }
                guard i == Int(rowOffsets[r]) || columnIndices[i] > columnIndices[i - 1] else {
                    throw SparseMatrixError("row \(r)'s column indices do not increase (\(columnIndices[i - 1]) then \(columnIndices[i]))")
                }
            }
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    /// `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }
    /// Stored values.
    public var storedCount: Int { values.count }
    /// The fraction of entries not stored.
    public var sparsity: Double { rows * columns == 0 ? 0 : 1 - Double(values.count) / Double(rows * columns) }
    /// Bytes of the three arrays.
    public var byteCount: Int { 4 * rowOffsets.count + 2 * columnIndices.count + 4 * values.count }

    /// The dense matrix, zeros where nothing is stored.
    public func dense() -> Tensor { scatter(values) }

    /// 1 where a value is stored, 0 elsewhere.
    public func mask() -> Tensor { scatter([Float](repeating: 1, count: values.count)) }

    private func scatter(_ stored: [Float]) -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for i in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) { out[r * columns + Int(columnIndices[i])] = stored[i] }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// The arrays as the C kernel's view.
    func withView<R>(_ body: (UnsafePointer<slim_csr_weights>) -> R) -> R {
        rowOffsets.withUnsafeBufferPointer { offsets in
            columnIndices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { stored in
                    var view = slim_csr_weights(row_ptr: offsets.baseAddress, col: indices.baseAddress, val: stored.baseAddress,
                                                n: Int64(rows), k: Int64(columns))
                    return body(&view)
                }
            }
        }
    }
}

/// Why stored CSR arrays were refused.
public struct SparseMatrixError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A fully connected layer on a sparse weight: `y = x·Wᵀ + b` with W a ``SparseMatrix``, for
/// inference (no gradient is recorded). The kernel (`sparse.c`) transposes 64 rows of x at a
/// time and adds each stored weight times a 64-wide column of them, in registers, over the
/// AVX-512, AVX2 or baseline loops the thread's ISA level picks; output rows are split across
/// the OpenMP workers.
public final class SparseLinear {
    public let weight: SparseMatrix
    /// `(N)` bias, or nil.
    public let bias: Tensor?

    public init(weight: SparseMatrix, bias: Tensor?) {
        precondition(bias == nil || bias!.shape == [weight.rows], "SparseLinear: bias \(bias!.shape) for weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    /// `y = x·Wᵀ + b`, GELU of it with `gelu`.
    /// - Parameter x: `(…, K)`.
    /// - Returns: `(…, N)`.
    public func callAsFunction(_ x: Tensor, gelu: Bool = false) -> Tensor {
        sparseLinear(x, weight: weight, bias: bias, gelu: gelu)
    }

    /// The kernel on this thread, e.g. `bertslim:csr_avx512`.
    public static var implementationName: String { String(cString: slim_csr_impl_name()) }
}

/// `x·Wᵀ + b` (GELU of it) on the CSR kernel.
func sparseLinear(_ x: Tensor, weight: SparseMatrix, bias: Tensor?, gelu: Bool) -> Tensor {
    precondition(x.shape.last == weight.columns, "sparse linear: input \(x.shape) for weight \(weight.shape)")
    let rows = x.count / max(weight.columns, 1)
    var y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [weight.rows])
    guard rows > 0 else { return y }
    let status = y.withUnsafeMutableBufferPointer { out in
        x.withUnsafeBufferPointer { input in
            withOptionalPointer(bias) { b in weight.withView { slim_csr_linear($0, Int64(rows), input.baseAddress, b, out.baseAddress, gelu ? 1 : 0) } }
        }
    }
    precondition(status == 0, "sparse linear: out of memory for \(x.shape) · \(weight.shape)ᵀ")
    return y
}

extension SparseLinear {
    /// The fraction of zeros from which inference multiplies a Linear weight on the sparse
    /// kernel instead of oneDNN's dense GEMM: the break-even point measured with `bertslim bench
    /// ops --sparse` (README, "Weight and neuron pruning"). Above 1, never.
    public nonisolated(unsafe) static var minimumSparsity = 0.7
}

/// The sparse form inference uses for a weight, decided once per version of its values.
enum SparseForm {
    private static let lock = NSLock()

    /// `weight` as a sparse matrix when at least ``SparseLinear/minimumSparsity`` of it is zero.
    static func of(_ weight: Tensor) -> SparseMatrix? {
        let threshold = SparseLinear.minimumSparsity
        guard threshold <= 1, weight.rank == 2, weight.shape[1] <= SparseMatrix.maximumColumns, weight.count > 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let storage = weight.storage
        if let cached = storage.sparseForm, cached.version == storage.version, cached.threshold == threshold { return cached.matrix }
        let zeros = weight.withUnsafeBufferPointer { w in w.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
        let matrix = Double(zeros) >= threshold * Double(weight.count) ? SparseMatrix(weight) : nil
        storage.sparseForm = (storage.version, threshold, matrix)
        return matrix
    }
}
