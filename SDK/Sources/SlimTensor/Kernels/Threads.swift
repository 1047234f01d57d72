internal import CSlimKernels

/// The worker pool shared by SlimTensor's loops and oneDNN (libgomp's OpenMP pool).
public enum Threads {
    /// Worker count; defaults to all cores (or `BERTSLIM_NUM_THREADS`). Setting it changes
    /// SlimTensor's loops and oneDNN's primitives alike.
    public static var count: Int {
        get { Int(slim_num_threads()) }
        set { slim_set_num_threads(Int32(newValue)) }
    }

    /// Whether loops run on the OpenMP pool (false means a serial fallback).
    public static var usesOpenMP: Bool { slim_uses_openmp() != 0 }
}

/// Runs `body` over contiguous pieces of `0..<n`, one per worker, on the shared pool.
/// Pieces are at least `grain` long; `body` must be safe to run concurrently.
public func parallelFor(_ n: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    guard n > 0 else { return }
    if n <= grain { body(0..<n); return }
    withoutActuallyEscaping(body) { escaping in
        var closure = escaping
        withUnsafeMutablePointer(to: &closure) { pointer in
            slim_parallel_for(Int64(n), Int64(grain), { context, lo, hi in
                let body = context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee
                body(Int(lo)..<Int(hi))
            }, pointer)
        }
    }
}

/// dst += a · src
func slimAxpy(_ a: Float, _ src: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<Float>) {
    precondition(src.count == dst.count, "axpy of \(src.count) into \(dst.count) values")
    slim_axpy(a, src.baseAddress, dst.baseAddress, Int64(src.count))
}

extension Tensor {
    /// self ⊙= other, in place (same shapes).
    mutating func multiplyInPlace(by other: Tensor) {
        precondition(other.count == count, "multiplying \(shape) by \(other.shape) in place")
        other.withUnsafeBufferPointer { b in withUnsafeMutableBufferPointer { a in slim_mul(a.baseAddress, b.baseAddress, a.baseAddress, Int64(a.count)) } }
    }
}

/// out[c] += Σ_r x[r, c]
func slimSumRows(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<Float>, rows: Int, cols: Int) {
    slim_sum_rows(x.baseAddress, out.baseAddress, Int64(rows), Int64(cols))
}
