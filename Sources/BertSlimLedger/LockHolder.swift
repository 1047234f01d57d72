import Foundation

/// Who holds an SQLite database's write lock, as the system tells it. SQLite takes POSIX
/// byte-range locks on the database file (rollback journal) or on its `-shm` file (WAL), and
/// Linux lists every such lock with its owner's pid in `/proc/locks`; SQLite itself says only
/// "database is locked".
enum LockHolder {
    /// `pid 123 (bertslim run recipes/demo.yaml)`, the holders of write locks on the database's
    /// files, or a phrase saying the system does not tell.
    static func describe(databaseAt path: String, locks: String? = nil) -> String {
        let inodes = Set([path, path + "-shm", path + "-wal"].compactMap(inode))
        guard !inodes.isEmpty, let table = locks ?? (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) else {
            return "another connection (the system does not say which)"
        }
        let pids = holders(in: table, inodes: inodes)
        guard !pids.isEmpty else { return "another connection (the system does not say which)" }
        return pids.map(describe(pid:)).joined(separator: ", ")
    }

    /// The pids holding POSIX write locks on `inodes` in a `/proc/locks` table, in order.
    /// A line reads `1: POSIX  ADVISORY  WRITE 1234 fd:01:567 120 120`; waiters (`->`) and
    /// open-file-description locks (no pid) are skipped.
    static func holders(in table: String, inodes: Set<UInt64>) -> [Int32] {
        var pids: [Int32] = []
        for line in table.split(separator: "\n") where !line.contains("->") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "POSIX", fields[3] == "WRITE", let pid = Int32(fields[4]), pid > 0,
                  let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }), inodes.contains(inode),
                  !pids.contains(pid) else { continue }
            pids.append(pid)
        }
        return pids
    }

    /// `pid 123 (its command line)`, or `pid 123 (this process)`; on one line, since it ends up
    /// in a one-line error (`python3 -c` scripts carry line breaks).
    static func describe(pid: Int32) -> String {
        if pid == getpid() { return "pid \(pid) (this process)" }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return "pid \(pid)" }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let command = words.joined(separator: " ").split(whereSeparator: \.isNewline).joined(separator: " ")
        return "pid \(pid) (\(command.count > 160 ? String(command.prefix(157)) + "…" : command))"
    }

    private static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }
}
