#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Why a file a model folder, a recipe or a data set names could not be read.
public enum FileReadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `open` or `read` failed; `reason` is the system's.
    case unreadable(path: String, reason: String)
    /// The path is a FIFO, a device, a socket or a folder: reading it could block forever
    /// (a FIFO with no writer) or never end (`/dev/zero`).
    case notRegular(path: String, kind: String)
    /// The file is larger than the caller accepts for its role.
    case tooLarge(path: String, bytes: Int, limit: Int)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .notRegular(let path, _), .tooLarge(let path, _, _): return path
        }
    }

    /// What is wrong, without the path (for errors that put the path first themselves).
    public var reason: String {
        switch self {
        case .unreadable(_, let reason): return reason
        case .notRegular(_, let kind): return "not a regular file (it is \(kind))"
        case .tooLarge(_, let bytes, let limit): return "\(bytes) bytes is more than the \(limit) this file may have"
        }
    }

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// Reading whole files that must be ordinary files on disk.
///
/// `Data(contentsOf:)` and `FileManager.contents(atPath:)` follow a symlink to `/dev/zero`
/// and read until memory runs out, and block forever on a FIFO nobody writes. This opens
/// without blocking, checks what the path is, and reads at most `limit` bytes.
public enum RegularFile {
    /// What `mode` (a `stat` `st_mode`) is, in words: `a FIFO`, `a character device`, …
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }

    /// Opens `path` read-only without blocking (a FIFO opens at once) and checks that it is a
    /// regular file. The caller closes the descriptor.
    /// - Returns: the descriptor and the file's size.
    /// - Throws: ``FileReadError`` naming the path.
    public static func openRegular(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError.unreadable(path: path, reason: systemMessage(errno)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FileReadError.unreadable(path: path, reason: systemMessage(code))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileReadError.notRegular(path: path, kind: kind(of: info.st_mode))
        }
        return (fd, Int(info.st_size))
    }

    /// The whole content of the regular file at `path`.
    /// - Parameter limit: the most bytes the file may have (a guard against a runaway file).
    /// - Throws: ``FileReadError`` naming the path: missing or unreadable, not a regular file,
    ///   or larger than `limit`.
    public static func contents(of path: String, limit: Int = 1 << 34) throws -> [UInt8] {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        guard size <= limit else { throw FileReadError.tooLarge(path: path, bytes: size, limit: limit) }
        var failure: Int32?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, filled in
            filled = 0
            while filled < size {
                let got = read(fd, buffer.baseAddress! + filled, size - filled)
                if got < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    failure = errno
                    return
                }
                if got == 0 { return }  // the file shrank while being read
                filled += got
            }
        }
        if let failure { throw FileReadError.unreadable(path: path, reason: systemMessage(failure)) }
        return bytes
    }

    /// `No such file or directory`, for an `errno` value.
    static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
