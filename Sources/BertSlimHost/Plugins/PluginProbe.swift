import BertSlimSDK
import Foundation

/// What probing one plugin file found: its manifest and every component's settings, or why
/// it failed. The child process prints it as JSON; the parent reads it.
public struct ProbeReport: Codable, Equatable, Sendable {
    /// The file probed.
    public var file: String
    /// The descriptor's content, when the handshake passed.
    public var manifest: PluginManifest?
    /// Settings of each component, keyed by `kind:name`.
    public var settings: [String: [SettingDescription]]
    /// Why the plugin was rejected (the rejection's message, naming the file).
    public var message: String?
    /// The signal that killed the child, when the plugin crashed it.
    public var signal: Int32?
    /// True when the failure says nothing lasting about the plugin (a timeout on a busy
    /// machine, no way to start the probe): such a verdict is not cached.
    public var transient: Bool?

    /// Whether the plugin passed.
    public var passed: Bool { message == nil && signal == nil }

    /// The failure as an error, nil when the plugin passed.
    public var error: PluginError? {
        if let signal { return .crashed(file: file, signal: signal) }
        if let message { return .rejectedInProbe(file: file, message: message) }
        return nil
    }
}

/// Runs plugins in a child process (`bertslim plugins probe FILE --report PATH`), so that a
/// plugin that traps, segfaults, calls `exit` or hangs is reported while the host lives on.
///
/// The child's word is trusted only as far as it can be checked: the parent hands it a
/// random nonce on standard input, which the child reads before it opens the plugin, and the
/// child writes its report, nonce included, to a file the parent named, then exits with 0.
/// Anything else (the plugin printing a report of its own and exiting, a missing or stale
/// report, any other exit) is a failed probe. A child that overruns the timeout is sent
/// SIGTERM, then SIGKILL, and reaped.
public enum PluginProbe {
    /// How long a probe may take before it is killed.
    public static let timeout: TimeInterval = 60
    /// How long a child has after SIGTERM before SIGKILL.
    static let terminationGrace: TimeInterval = 3

    /// What the child writes to the report file.
    struct Envelope: Codable {
        var nonce: String
        var report: ProbeReport
    }

    /// Probes `file` in a child running `executable plugins probe FILE --report PATH`.
    /// - Returns: the child's report, or a report of why the probe failed (the signal that
    ///   killed the child, a timeout, no trustworthy report).
    public static func probe(file: String, executable: String, timeout: TimeInterval = PluginProbe.timeout) -> ProbeReport {
        var report = ProbeReport(file: file, manifest: nil, settings: [:], message: nil, signal: nil)
        func failed(_ reason: String, transient: Bool = false) -> ProbeReport {
            report.message = PluginError.probeFailed(file: file, reason: reason).description
            report.transient = transient ? true : nil
            return report
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bertslim-probe-\(UUID().uuidString)")
        guard mkdir(folder.path, 0o700) == 0 else { return failed("cannot create \(folder.path): \(String(cString: strerror(errno)))", transient: true) }
        defer { try? FileManager.default.removeItem(at: folder) }
        let reportPath = folder.appendingPathComponent("report.json").path
        let errorsPath = folder.appendingPathComponent("stderr").path
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
              let errors = FileHandle(forWritingAtPath: errorsPath) else {
            return failed("cannot create \(errorsPath)", transient: true)
        }
        let nonce = UUID().uuidString
        let input = Pipe()
        // Written before the child exists, so a child that dies at once cannot SIGPIPE us.
        input.fileHandleForWriting.write(Data((nonce + "\n").utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugins", "probe", file, "--report", reportPath]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return failed("cannot run \(executable): \(error.localizedDescription)", transient: true)
        }
        try? input.fileHandleForWriting.close()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + terminationGrace) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
            return failed("did not finish within \(Int(timeout)) s; stopped it", transient: true)
        }
        try? errors.close()
        if process.terminationReason == .uncaughtSignal {
            report.signal = process.terminationStatus
            return report
        }
        let said = lastLine(of: errorsPath).map { ": \($0)" } ?? ""
        guard process.terminationStatus == 0 else {
            return failed("the probe exited with status \(process.terminationStatus)\(said)")
        }
        guard let bytes = try? RegularFile.contents(of: reportPath, limit: 16 << 20),
              let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)),
              envelope.nonce == nonce, envelope.report.file == file else {
            return failed("the probe ended (status 0) without its report; plugin code may have ended the process")
        }
        return envelope.report
    }

    /// The child's side of the handshake: `report` with the parent's `nonce`, written to
    /// `path` (a temporary name, then renamed, so the parent never reads half a report).
    public static func writeReport(_ report: ProbeReport, nonce: String, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Envelope(nonce: nonce, report: report))
        let temporary = path + ".partial"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw PluginError.probeFailed(file: report.file, reason: "cannot write \(path)") }
    }

    /// The last non-empty line of a file, cut to 300 characters (what a failed child said).
    static func lastLine(of path: String) -> String? {
        guard let bytes = try? RegularFile.contents(of: path, limit: 1 << 20) else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init)
        return line.map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }
    }

    /// What the child does: loads `file` alone (no search path) and reads every component's
    /// settings. Creates no component.
    public static func probeHere(file: String) -> ProbeReport {
        var report = ProbeReport(file: file, manifest: nil, settings: [:], message: nil, signal: nil)
        let host = PluginHost(options: .init(environment: [:], includeDefaultLocations: false))
        do {
            let plugin = try host.load(file: file)
            report.manifest = plugin.manifest
            for component in plugin.manifest.components {
                report.settings[component.qualifiedName] = try plugin.factory(for: component).settings
            }
        } catch {
            report.message = String(describing: error)
        }
        return report
    }

    /// The `bertslim` executable that runs probes: this process's, or the one beside it; nil
    /// when there is none.
    public static func defaultExecutable() -> String? {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        if (own as NSString).lastPathComponent == "bertslim" { return own }
        let beside = ((own as NSString).deletingLastPathComponent as NSString).appendingPathComponent("bertslim")
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
    }
}
