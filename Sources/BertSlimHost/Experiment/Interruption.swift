import BertSlimSDK
import Foundation

/// A stop asked for with Ctrl-C (SIGINT) or SIGTERM while a recipe runs: a training stage
/// checkpoints after its current step and stops, any other stage finishes first, and the run
/// ends with ``ExperimentError/interrupted(folder:)``, its folder resumable with `--resume`. A
/// second signal ends the process at once (the folder is still resumable from its last
/// checkpoint, as after a kill). In a run over several ranks the stop happens on every rank at
/// the same step, and a second signal does not end a rank at once: `mpirun` sends its ranks
/// SIGTERM when one of them dies, and the others must live long enough to say which.
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var requested = false
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Whether a stop was asked for.
    public static var isRequested: Bool { lock.withLock { requested } }

    /// Catches SIGINT and SIGTERM from now on (once per process).
    /// - Parameter ranks: the communicator the run is spread over (only rank 0 prints).
    public static func install(ranks: any Communicator = Distributed.world) {
        let (single, root) = (ranks.size == 1, ranks.isRoot)
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
                    if again && single { exit(128 + number) }
                    if !again && root {
                        let advice = single ? " (again to stop at once)" : " on every rank"
                        FileHandle.standardError.write(Data("\nstopping after the current step\(advice)\n".utf8))
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
