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

    /// Whether the plugin passed.
    public var passed: Bool { message == nil && signal == nil }

    /// The failure as an error, nil when the plugin passed.
    public var error: PluginError? {
        if let signal { return .crashed(file: file, signal: signal) }
        if let message { return .rejectedInProbe(file: file, message: message) }
        return nil
    }
}

/// Runs plugins in a child process (`bertslim plugins probe FILE`), so that a plugin that
/// traps or segfaults is reported as "crashed with signal N" while the host lives on.
public enum PluginProbe {
    /// How long a probe may take before it is killed.
    public static let timeout: TimeInterval = 60

    /// Probes `file` in a child running `executable plugins probe FILE`.
    /// - Returns: the child's report, or a report of the signal that killed it.
    public static func probe(file: String, executable: String) -> ProbeReport {
        var report = ProbeReport(file: file, manifest: nil, settings: [:], message: nil, signal: nil)
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("bertslim-probe-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              let sink = try? FileHandle(forWritingTo: output) else {
            report.message = "\(file): probe failed: cannot create \(output.path) for its report"
            return report
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugins", "probe", file]
        process.standardOutput = sink
        process.standardError = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            report.message = "\(file): probe failed: cannot run \(executable): \(error.localizedDescription)"
            return report
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            finished.wait()
            report.message = "\(file): probe did not finish within \(Int(timeout)) s"
            return report
        }
        try? sink.close()
        if process.terminationReason == .uncaughtSignal {
            report.signal = process.terminationStatus
            return report
        }
        guard let data = try? Data(contentsOf: output), let child = try? JSONDecoder().decode(ProbeReport.self, from: data) else {
            report.message = "\(file): probe exited with status \(process.terminationStatus) without a report"
            return report
        }
        return child
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
