/// When a host probes a plugin file in a child process before opening it in its own.
///
/// Opening a plugin runs its code (library constructors, the entry point): a plugin that
/// crashes there takes the whole process with it, and one that calls `exit` ends it. A probe
/// runs `bertslim plugins probe FILE` in a child first and opens the file only when the
/// child reported back.
public enum ProbePolicy: String, CaseIterable, Sendable {
    /// Open every file in this process without probing (the library's default: an
    /// embedding program may have no `bertslim` executable to probe with).
    case never
    /// Probe a file the first time it is seen, and trust the verdict kept in the probe cache
    /// while the file's path, size and modification time (and the host's SDK) are unchanged.
    /// The `bertslim` command's default.
    case unknown
    /// Probe every file on every load.
    case always
}
