internal import Foundation

/// Keeps freed tensor buffers for reuse, by size class.
///
/// A BERT forward pass allocates the same few shapes layer after layer. Fresh
/// multi-megabyte buffers come from the kernel as untouched pages, and first-touch page
/// faults (with the kernel zeroing each page) cost more than the GELU or layer norm that
/// writes them. Reusing buffers removes that cost. Sizes are rounded up to classes an
/// eighth of a power of two apart (at most 12.5% slack), so batches of varying length
/// still find buffers to reuse. Small buffers go straight to malloc.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()

    /// Buffers below this many bytes are not pooled (malloc serves them from its own bins).
    let minimumBytes = 64 * 1024
    /// Most bytes kept idle; past it, freed buffers go back to the system.
    var capacityBytes = 256 << 20

    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var idleBytes = 0
    private let lock = NSLock()

    /// The size actually allocated for a request of `bytes`.
    func sizeClass(_ bytes: Int) -> Int {
        guard bytes >= minimumBytes else { return max(bytes, 64) }
        let step = (1 << (Int.bitWidth - (bytes - 1).leadingZeroBitCount)) / 8
        return (bytes + step - 1) / step * step
    }

    /// A 64-byte aligned buffer of at least `bytes` bytes (uninitialised).
    func allocate(bytes requested: Int) -> UnsafeMutableRawPointer {
        let bytes = sizeClass(requested)
        if bytes >= minimumBytes {
            lock.lock()
            if let reused = free[bytes]?.popLast() {
                idleBytes -= bytes
                lock.unlock()
                return reused
            }
            lock.unlock()
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return raw
    }

    /// Returns a buffer from ``allocate(bytes:)`` (with the size it was asked for).
    func release(_ pointer: UnsafeMutableRawPointer, bytes requested: Int) {
        let bytes = sizeClass(requested)
        if bytes >= minimumBytes {
            lock.lock()
            if idleBytes + bytes <= capacityBytes {
                free[bytes, default: []].append(pointer)
                idleBytes += bytes
                lock.unlock()
                return
            }
            lock.unlock()
        }
        Foundation.free(pointer)
    }

    /// Gives every idle buffer back to the system.
    func drain() {
        lock.lock()
        let all = free.values.flatMap { $0 }
        free = [:]
        idleBytes = 0
        lock.unlock()
        all.forEach { Foundation.free($0) }
    }
}

/// Frees the buffers SlimTensor keeps for reuse (for long-lived processes that are done
/// with large models).
public func releaseCachedTensorMemory() { StoragePool.shared.drain() }
