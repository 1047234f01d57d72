import BertSlimHost

/// Why a ledger could not be opened, read or written. Each case names the file.
public enum LedgerError: Error, CustomStringConvertible, Equatable {
    /// The file is not an SQLite database; `reason` is what was found.
    case notSQLite(file: String, reason: String)
    /// An SQLite database, but another program's (`what` says how it differs).
    case notALedger(file: String, what: String)
    /// Written by a newer BertSlim: its schema is `found`; this one reads up to `supported`.
    case newerSchema(file: String, found: Int, supported: Int)
    /// Another connection held the write lock for longer than `waited` seconds; `holder` says
    /// which process, as far as the system tells.
    case locked(file: String, waited: Double, holder: String)
    /// No ledger file at `file` (the commands that only read do not make one).
    case missing(file: String)
    /// No run with that id or folder.
    case noSuchRun(file: String, run: String)
    /// SQLite refused an operation; `reason` is its message.
    case database(file: String, reason: String)
    /// A run folder that cannot be imported.
    case unreadableRunFolder(folder: String, reason: String)

    public var description: String {
        let version = "bertslim \(SDKVersion.string)"
        switch self {
        case let .notSQLite(file, reason):
            return "\(file): not a ledger: not an SQLite database (\(reason)); \(version) reads and writes ledger schema "
                + "versions 1 to \(LedgerSchema.version). Move the file away, or use --ledger PATH or --no-ledger"
        case let .notALedger(file, what):
            return "\(file): an SQLite database but not a BertSlim ledger (\(what)); \(version) reads and writes ledger schema "
                + "versions 1 to \(LedgerSchema.version). Use --ledger PATH or --no-ledger"
        case let .newerSchema(file, found, supported):
            return "\(file): ledger schema version \(found) is newer than \(version) reads (versions 1 to \(supported)); "
                + "use a newer bertslim, or --ledger PATH or --no-ledger"
        case let .locked(file, waited, holder):
            return "\(file): the ledger is locked by \(holder); waited \(LedgerError.seconds(waited)) s. "
                + "Try again when it is done, or use --ledger-wait SECONDS"
        case let .missing(file):
            return "\(file): no ledger (runs record into it as they run; `bertslim runs import DIR` adds existing run folders)"
        case let .noSuchRun(file, run):
            return "\(file): no run \(run) (`bertslim runs list` shows them)"
        case let .database(file, reason):
            return "\(file): \(reason)"
        case let .unreadableRunFolder(folder, reason):
            return "\(folder): cannot import: \(reason)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
