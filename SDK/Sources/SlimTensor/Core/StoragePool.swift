internal import Foundation

/// Keeps freed tensor buffers for reuse, keyed by exact size.
///
/// A BERT forward pass allocates the same few shapes layer after layer. Fresh
/// multi-megabyte buffers come from the kernel as untouched pages, and first-touch page
/// faults (with the kernel zeroing each page) cost more than the GELU or layer norm that
/// writes them. Reusing buffers removes that cost. Small buffers go straight to malloc.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()

    /// Buffers below this many bytes are not pooled (malloc serves them from its own bins).
    let minimumBytes = 64 * 1024
    /// Most bytes kept idle; past it, freed buffers go back to the system.
    var capacityBytes = 1 << 30

    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var idleBytes = 0
    private let lock = NSLock()

    /// A 64-byte aligned buffer of `bytes` bytes (uninitialised).
    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
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
        guard posix_memalign(&raw, 64, max(bytes, 64)) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return raw
    }

    /// Returns a buffer from ``allocate(bytes:)``.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
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
