import Foundation

/// An exclusive lock on a run folder, held while a run writes into it, so that a second
/// `bertslim run --out X` (with or without `--resume`) refuses instead of interleaving its
/// log and metrics lines with the first run's.
///
/// The lock is `flock(2)` on `<folder>/.bertslim-run.lock`: the kernel lets go of it when the
/// holder ends in any way (a kill included), so a stale lock file never blocks a resume.
/// The file records the holder's pid, command and start time for the refusal message.
public final class RunFolderLock {
    /// The lock file's name inside a run folder.
    public static let fileName = ".bertslim-run.lock"

    private let descriptor: Int32

    /// Creates `folder` when missing and takes its lock.
    /// - Parameter command: what holds the lock, as the refusal message shows it.
    /// - Throws: ``ExperimentError/folderInUse(folder:holder:)`` when another run holds it,
    ///   ``ExperimentError/outputUnusable(folder:reason:)`` when the folder cannot be made.
    public init(folder: String, command: String = RunFolderLock.currentCommand) throws {
        try OutputFolder.create(folder)
        let path = (folder as NSString).appendingPathComponent(Self.fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExperimentError.outputUnusable(folder: folder, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(fd)
            close(fd)
            throw ExperimentError.folderInUse(folder: folder, holder: holder)
        }
        descriptor = fd
        let stamp = ISO8601DateFormatter().string(from: Date())
        let record = Data("pid \(getpid()): \(command.prefix(200)), since \(stamp)".utf8)
        _ = ftruncate(fd, 0)
        _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Whether another process (or another lock in this one) holds `folder`'s lock now;
    /// nil when it is free or the folder has no lock file.
    public static func holder(of folder: String) -> String? {
        let path = (folder as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return holder(fd)
    }

    /// What the lock file says about its holder.
    private static func holder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(fd, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        return text.isEmpty ? "a process that has not yet said which" : text
    }

    /// This process's command line, as the lock file records it.
    public static var currentCommand: String {
        let arguments = ProcessInfo.processInfo.arguments
        let name = (arguments.first.map { ($0 as NSString).lastPathComponent }) ?? "bertslim"
        return ([name] + arguments.dropFirst()).joined(separator: " ")
    }

    deinit { close(descriptor) }
}
