/// A run that could not go on, after validation passed.
public enum ExperimentError: Error, CustomStringConvertible {
    /// A stage failed; `reason` says why and what was kept.
    case stageFailed(point: String, stage: Int, type: String, reason: String)
    /// The output folder holds another run and `--resume` was not given.
    case outputExists(String)
    /// The run folder cannot be created or written; `reason` is the system's.
    case outputUnusable(folder: String, reason: String)
    /// Another run holds the run folder's lock; `holder` says which (pid, command, since when).
    case folderInUse(folder: String, holder: String)
    /// A file of the run folder could not be written.
    case writeFailed(file: String, reason: String)
    /// A stop was asked for (``Interruption``); the run folder resumes with `--resume`.
    case interrupted(folder: String)
    /// With the sweep's points spread over ranks: another rank's points failed (`reason` is its error).
    case rankFailed(rank: Int, reason: String)

    public var description: String {
        switch self {
        case let .stageFailed(point, stage, type, reason): return "[\(point)] stages[\(stage)].\(type): \(reason)"
        case let .outputExists(folder): return "\(folder) already holds a run (use --resume to continue it, or another --out)"
        case let .outputUnusable(folder, reason): return "\(folder): cannot create the run folder: \(reason)"
        case let .folderInUse(folder, holder):
            return "\(folder) is in use by another run (\(holder)); wait for it to end, or use another --out"
        case let .writeFailed(file, reason): return "\(file): cannot write: \(reason)"
        case let .interrupted(folder): return "stopped on request; \(folder) resumes with --resume"
        case let .rankFailed(rank, reason): return "rank \(rank): \(reason)"
        }
    }
}
