import Foundation

/// A stop asked for with Ctrl-C (SIGINT) or SIGTERM while a recipe runs: a training stage
/// checkpoints after its current step and stops, any other stage finishes first, and the run
/// ends with ``ExperimentError/interrupted(folder:)``, its folder resumable with `--resume`. A
/// second signal ends the process at once (the folder is still resumable from its last
/// checkpoint, as after a kill).
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var requested = false
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Whether a stop was asked for.
    public static var isRequested: Bool { lock.withLock { requested } }

    /// Catches SIGINT and SIGTERM from now on (once per process).
    public static func install() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let again = lock.withLock { () -> Bool in
                        defer { requested = true }
                        return requested
                    }
                    if again { exit(128 + number) }
                    FileHandle.standardError.write(Data("\nstopping after the current step (again to stop at once)\n".utf8))
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
