import ArgumentParser
import BertSlimHost
import Foundation

/// `bertslim plugins …`: what is installed, what it offers, and whether it is sound.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, inspect and verify plugins.",
        discussion: """
            Plugins are searched in --plugin-path, then $BERTSLIM_PLUGIN_PATH (a colon list), then the \
            folder of this executable, then ~/.local/lib/bertslim/plugins; the first plugin with an id wins. \
            A plugin file not seen before is probed in a child process before it is loaded (--probe); the \
            verdict is cached by path, size and modification time.
            """,
        subcommands: [List.self, Inspect.self, Verify.self, Probe.self]
    )
}

/// Where to look for plugins.
struct PluginLocationOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"), help: ArgumentHelp("A folder to search first (repeatable; may be a colon list).", valueName: "dir"))
    var pluginPaths: [String] = []

    @Flag(name: .customLong("no-default-paths"), help: "Search only --plugin-path and $BERTSLIM_PLUGIN_PATH.")
    var noDefaultPaths = false

    @Option(help: ArgumentHelp("When to probe a plugin in a child process before loading it: unknown (a file not seen "
                               + "before; verdicts are cached by path, size and modification time), always, or never.",
                               valueName: "unknown|always|never"))
    var probe: ProbePolicy = .unknown

    /// Host options; `verify` (the older `--verify` flag) probes every file.
    func hostOptions(verify: Bool = false) -> PluginHost.Options {
        PluginHost.Options(pluginPaths: pluginPaths, includeDefaultLocations: !noDefaultPaths,
                           probeExecutable: PluginProbe.defaultExecutable(), probe: verify ? .always : probe)
    }
}

/// Writes each problem to standard error as a warning.
func warn(_ problems: [PluginError]) {
    for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
}

/// Left-aligned columns separated by two spaces.
func table(_ rows: [[String]]) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

extension PluginsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every plugin found: id, version, components, file (creates no component).")

        @OptionGroup var location: PluginLocationOptions

        @Flag(help: "Probe every plugin in a child process before loading it (--probe always).")
        var verify = false

        func run() throws {
            let host = PluginHost(options: location.hostOptions(verify: verify))
            let problems = host.load()
            if host.plugins.isEmpty {
                print("no plugins found (searched: \(host.searchPath.joined(separator: ":")))")
            } else {
                var rows = [["ID", "VERSION", "COMPONENTS", "FILE"]]
                for plugin in host.plugins {
                    let manifest = plugin.manifest
                    rows.append([manifest.id, manifest.version,
                                 manifest.components.map(\.qualifiedName).joined(separator: ", "), manifest.file])
                }
                print(table(rows))
            }
            warn(problems)
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show everything a plugin's descriptor says, and each component's settings.")

        @Argument(help: "The plugin's id, e.g. org.bertslim.basic-losses.")
        var id: String

        @OptionGroup var location: PluginLocationOptions

        @Flag(help: "Probe every plugin in a child process before loading it (--probe always).")
        var verify = false

        func run() throws {
            let host = PluginHost(options: location.hostOptions(verify: verify))
            let problems = host.load()
            let plugin: LoadedPlugin
            do {
                plugin = try host.plugin(id: id)
            } catch {
                warn(problems)
                throw ValidationError(String(describing: error))
            }
            let m = plugin.manifest
            print(m.id)
            print(table([["  name:", m.name], ["  version:", m.version], ["  license:", m.license], ["  file:", m.file],
                         ["  sdk:", "\(m.sdkVersion) (this host: \(PluginHost.sdkVersion))"],
                         ["  build:", m.buildID],
                         ["  abi:", "\(m.abiMajor).\(m.abiMinor), descriptor \(m.descriptorSize) bytes"]]))
            print("  components:")
            for component in m.components {
                print("    \(component.qualifiedName) — \(component.summary)")
                let settings = try host.factory(component.kind, component.name).settings
                if settings.isEmpty {
                    print("      (no settings)")
                } else {
                    let rows = [["KEY", "TYPE", "DEFAULT", "DOC"]] + settings.map { [$0.key, $0.type, $0.defaultValue, $0.doc] }
                    print(table(rows).split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
                }
            }
            for skipped in m.skippedComponents { print("    (skipped, unknown to this host: \(skipped))") }
            warn(problems.filter { $0.file == m.file })
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Probe plugins in child processes; exit non-zero with the reasons if any fails.")

        @Argument(help: "Plugin files or folders (default: every plugin on the search path).")
        var paths: [String] = []

        @OptionGroup var location: PluginLocationOptions

        @Option(help: "Seconds a probe may take before it is stopped (SIGTERM, then SIGKILL).")
        var timeout: Double = PluginProbe.timeout

        func validate() throws {
            if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
        }

        func run() throws {
            let host = PluginHost(options: location.hostOptions())
            var files: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ValidationError("\(path): no such file or folder")
                }
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                files += isDirectory.boolValue
                    ? PluginHost(options: .init(pluginPaths: [absolute], environment: [:], includeDefaultLocations: false)).discover()
                    : [absolute]
            }
            if paths.isEmpty { files = host.discover() }
            guard let executable = PluginProbe.defaultExecutable() else {
                throw ValidationError("cannot find the bertslim executable to run probes with")
            }
            let reports = files.map { PluginProbe.probe(file: $0, executable: executable, timeout: timeout) }
            let failures = reports.compactMap(\.error) + PluginVerification.conflicts(among: reports)
            for report in reports where report.passed {
                guard let m = report.manifest else { continue }
                print("ok    \(m.file): \(m.id) \(m.version) (\(m.components.map(\.qualifiedName).joined(separator: ", ")))")
            }
            for failure in failures { print("FAIL  \(failure)") }
            if files.isEmpty { print("no plugins found") }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }

    /// The child side of a probe: reads the parent's nonce from standard input, loads one
    /// file alone, and writes the report (nonce included) to --report.
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load one plugin file and report on it (run by verify and the loader in a child process).",
            shouldDisplay: false)

        @Argument(help: "The plugin file.")
        var file: String

        @Option(help: "Where to write the report; without it the report goes to standard output, and no nonce is read.")
        var report: String?

        func run() throws {
            guard let report else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(PluginProbe.probeHere(file: file)))
                return
            }
            // The nonce is read before the plugin's code runs, so the plugin cannot learn it.
            let nonce = readLine(strippingNewline: true) ?? ""
            try PluginProbe.writeReport(PluginProbe.probeHere(file: file), nonce: nonce, to: report)
        }
    }
}
