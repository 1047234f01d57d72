import Foundation

/// Folders a command writes its results into, checked before any work so that a typo or a
/// read-only place fails at once, not after an hour of training.
public enum OutputFolder {
    /// Creates `folder` (and its parents) when missing.
    /// - Throws: ``ExperimentError/outputUnusable(folder:reason:)`` with the system's reason.
    public static func create(_ folder: String) throws {
        if let code = makeDirectories(folder) {
            throw ExperimentError.outputUnusable(folder: folder, reason: String(cString: strerror(code)))
        }
    }

    /// `mkdir -p`: nil when `path` is a folder afterwards, else the `errno` that stopped it
    /// (Foundation's own error reads "NSCocoaErrorDomain error 512" on Linux).
    static func makeDirectories(_ path: String) -> Int32? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return isDirectory.boolValue ? nil : ENOTDIR }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path, let code = makeDirectories(parent) { return code }
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return nil }
        return errno
    }

    /// Creates `folder` when missing and checks that a file can be written in it.
    /// - Returns: whether the folder was created by this call (so a caller that fails
    ///   later can remove it again).
    /// - Throws: ``ExperimentError/outputUnusable(folder:reason:)``.
    @discardableResult
    public static func prepareWritable(_ folder: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
        if existed && !isDirectory.boolValue {
            throw ExperimentError.outputUnusable(folder: folder, reason: "a file of that name exists")
        }
        try create(folder)
        let probe = (folder as NSString).appendingPathComponent(".bertslim-write-check-\(getpid())")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ExperimentError.outputUnusable(folder: folder, reason: String(cString: strerror(errno)))
        }
        close(fd)
        unlink(probe)
        return !existed
    }
}
