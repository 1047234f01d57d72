#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

#if _endian(big)
#error("safetensors I/O moves tensor bytes without swapping: it assumes a little-endian host")
#endif

/// A whole file mapped read-only into memory, unmapped when the object goes away.
///
/// The mapping is private and read-only, so nothing done through it reaches the file. A
/// file truncated by another process while mapped would fault on access; BertSlim's own
/// writer never does that (it replaces files by rename, and the mapping keeps the old one).
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        self.path = path
        // Opened without blocking and checked before mapping: a FIFO in place of the file
        // would otherwise wait for a writer forever.
        let fd: Int32, size: Int
        do { (fd, size) = try RegularFile.openRegular(path) } catch let error as FileReadError {
            switch error {
            case .unreadable(_, let reason): throw SafetensorsError.io(path: path, reason: "cannot open: \(reason)")
            default: throw SafetensorsError.io(path: path, reason: error.reason)
            }
        }
        defer { close(fd) }
        guard size > 0 else {
            // mmap refuses empty files; the header check reports them as too short.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw SafetensorsError.io(path: path, reason: "cannot map \(size) bytes: \(errnoMessage())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// The current `errno` as text.
func errnoMessage() -> String {
    let code = errno
    return "\(String(cString: strerror(code))) (errno \(code))"
}
