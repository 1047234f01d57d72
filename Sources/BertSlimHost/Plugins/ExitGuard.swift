import Foundation

/// Turns an `exit()` that bertslim did not make into a failure.
///
/// Plugin code runs inside the host: a library constructor runs when the plugin is opened,
/// a component's initializer when a recipe builds it. If such code calls `exit(0)`, the
/// process used to end with status 0 and no output, which a CI job counts as success. A
/// program that arms the guard and disarms it just before its own exit gets, for any other
/// `exit()`, one line on standard error naming what was running and exit status
/// ``status``. (`_exit` and signals bypass `atexit`; child-process probing covers those.)
public enum ExitGuard {
    /// The status the process ends with when plugin code called `exit()`.
    public static let status: Int32 = 70

    private static let lock = NSLock()
    nonisolated(unsafe) private static var armed = false
    nonisolated(unsafe) private static var registered = false
    nonisolated(unsafe) private static var activity: String?

    /// From now on, an `exit()` before ``disarm()`` ends the process with ``status``.
    public static func arm() {
        lock.lock()
        defer { lock.unlock() }
        armed = true
        if !registered {
            registered = true
            atexit { ExitGuard.exitCalled() }
        }
    }

    /// The program is about to end on its own: let `exit()` through.
    public static func disarm() {
        lock.lock()
        armed = false
        lock.unlock()
    }

    /// Runs `body` with `activity` (e.g. `loading /path/libX.so`) named in the message, should
    /// plugin code end the process inside it.
    public static func during<R>(_ activity: String, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        let outer = self.activity
        self.activity = activity
        lock.unlock()
        defer {
            lock.lock()
            self.activity = outer
            lock.unlock()
        }
        return try body()
    }

    /// The `atexit` handler.
    private static func exitCalled() {
        // No lock: exit() may have been called by a thread holding it; a torn read of these
        // two values only changes the wording.
        guard armed else { return }
        let during = activity.map { " while \($0)" } ?? ""
        let message = "error: exit() was called by code bertslim does not own (a plugin?)\(during); "
            + "bertslim did not finish its work\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        _exit(status)
    }
}
