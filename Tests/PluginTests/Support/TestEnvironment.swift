import Foundation
import Testing

/// Where things are when the tests run from `.build/<triple>/debug`.
enum TestEnvironment {
    /// The repository root (from this file's path).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The build products folder: the test binary's folder, holding `bertslim`,
    /// libBertSlimSDK.so, the first-party plugins and `Modules/`.
    static let buildDirectory: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }()
    /// The `bertslim` executable under test.
    static var bertslim: String { buildDirectory.appendingPathComponent("bertslim").path }
    /// Sources of the bad-plugin fixtures.
    static var fixtureSources: URL { packageRoot.appendingPathComponent("Tests/PluginTests/Fixtures") }

    /// The environment commands run with: this process's, with plugin probe verdicts kept in
    /// this run's scratch folder rather than the user's ~/.cache, and runs recorded in a
    /// scratch ledger rather than the working directory's runs/ledger.sqlite.
    static var commandEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = scratch.appendingPathComponent("cache").path
        environment["BERTSLIM_LEDGER"] = scratch.appendingPathComponent("ledger.sqlite").path
        return environment
    }

    /// This run's scratch folder, removed when the test process exits.
    static let scratch: URL = {
        atexit { try? FileManager.default.removeItem(at: TestEnvironment.scratchPath(of: getpid())) }
        return scratchPath(of: getpid())
    }()

    private static func scratchPath(of process: Int32) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bertslim-tests-\(process)")
    }

    /// A new empty folder in this run's scratch folder.
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// What a finished command printed.
struct CommandResult {
    var status: Int32
    var output: String
    var errors: String
    var crashed: Bool
}

/// A command that did not succeed, with everything it printed.
struct CommandFailure: Error, CustomStringConvertible {
    var command: String
    var result: CommandResult
    var description: String { "\(command) exited with \(result.status)\n\(result.output)\n\(result.errors)" }
}

/// Runs `executable` with `arguments` and waits; stdout and stderr go through files so that
/// neither can fill a pipe.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                directory: URL? = nil, check: Bool = true) throws -> CommandResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bertslim-cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
    try Data().write(to: out)
    try Data().write(to: err)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    process.environment = TestEnvironment.commandEnvironment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    let result = CommandResult(status: process.terminationStatus,
                               output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                               errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                               crashed: process.terminationReason == .uncaughtSignal)
    if check, result.status != 0 || result.crashed {
        throw CommandFailure(command: ([executable] + arguments).joined(separator: " "), result: result)
    }
    return result
}

/// |a − b| ≤ atol + rtol·|b|.
func expectClose(_ a: Float, _ b: Double, atol: Double = 1e-5, rtol: Double = 1e-4,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(Double(a) - b) <= atol + rtol * abs(b), "\(a) vs \(b)", sourceLocation: sourceLocation)
}
