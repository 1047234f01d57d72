import Foundation

/// One process at a time migrates a ledger. GRDB's migrator reads which migrations are applied
/// before it takes SQLite's write lock, so two runs opening a new ledger together would both
/// apply the first migration. The lock is `flock(2)` on the ledger's folder: the file itself
/// must not be opened and closed outside SQLite (closing any descriptor of a file drops the
/// process's POSIX locks on it, SQLite's included).
enum MigrationLock {
    /// Runs `body` holding the lock of `path`'s folder, waiting at most `wait` seconds for it.
    /// - Throws: ``LedgerError/locked(file:waited:holder:)`` after the wait, or `body`'s error.
    static func holding<T>(for path: String, wait: Double, _ body: () throws -> T) throws -> T {
        guard path != ":memory:" else { return try body() }
        let folder = (path as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }  // cannot lock the folder: SQLite's own locking still applies
        defer { close(descriptor) }
        let deadline = Date().addingTimeInterval(wait)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                throw LedgerError.locked(file: path, waited: wait, holder: "another process migrating it to schema \(LedgerSchema.version)")
            }
            usleep(20_000)
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
