import BertSlimHost
import Foundation
import Testing

/// Plugins whose code ends, crashes or blocks the process that opens them: the commands
/// live on, say which plugin, and never report success for work they did not do.
@Suite("Plugin probes")
struct PluginProbeTests {
    let bad: BadPlugins

    init() throws { bad = try BadPlugins.shared.get() }

    /// A workspace with a tiny model and data, and a one-epoch recipe.
    static let workspace = Result { () throws -> (folder: URL, recipe: String) in
        let folder = try RecipeFixtures.workspace("probes", train: 32, dev: 8, test: 8)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1), "tiny.yaml", in: folder)
        return (folder, recipe)
    }

    /// A folder holding copies of `plugins` (a fresh path each time, so no cached verdict applies).
    func pluginFolder(_ plugins: URL...) throws -> URL {
        let folder = try TestEnvironment.temporaryFolder("probe-\(UUID().uuidString.prefix(8))")
        for plugin in plugins {
            try FileManager.default.copyItem(at: plugin, to: folder.appendingPathComponent(plugin.lastPathComponent))
        }
        return folder
    }

    func bertslim(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runCommand(TestEnvironment.bertslim, arguments, environment: environment, check: false)
    }

    /// A constructor calling exit(0) made `validate` and `run` exit 0 with no output.
    @Test func aPluginThatCallsExitIsLeftOutAndTheRecipeIsStillValidated() throws {
        let (_, recipe) = try Self.workspace.get()
        let folder = try pluginFolder(bad.exitInConstructor)
        let plugin = folder.appendingPathComponent(bad.exitInConstructor.lastPathComponent).path
        let result = try bertslim(["validate", recipe, "--plugin-path", folder.path])
        #expect(result.status == 0)
        #expect(result.output == "\(recipe): ok (4 stages: finetune, evaluate, export, benchmark)\n")
        #expect(result.errors == "warning: \(plugin): probe failed: the probe exited with status 70: error: exit() was called by "
                + "code bertslim does not own (a plugin?) while loading \(plugin); bertslim did not finish its work\n")
    }

    @Test(arguments: ["validate", "run"])
    func withoutAProbeAnExitInPluginCodeIsAFailure(command: String) throws {
        let (folder, recipe) = try Self.workspace.get()
        let plugins = try pluginFolder(bad.exitInConstructor)
        let plugin = plugins.appendingPathComponent(bad.exitInConstructor.lastPathComponent).path
        let out = folder.appendingPathComponent("exit-\(UUID().uuidString.prefix(6))").path
        let result = try bertslim([command, recipe, "--plugin-path", plugins.path, "--probe", "never"]
                                  + (command == "run" ? ["--out", out] : []))
        #expect(result.status == 70, "the guard's status (ExitGuard.status)")
        #expect(result.output.isEmpty)
        #expect(result.errors == "error: exit() was called by code bertslim does not own (a plugin?) while loading \(plugin); "
                + "bertslim did not finish its work\n")
    }

    /// A plugin that printed a passing report on stdout and exited used to pass `verify`.
    @Test func aReportPrintedByThePluginIsNotTrusted() throws {
        let result = try bertslim(["plugins", "verify", bad.fakeReport.path])
        #expect(result.status == 1)
        #expect(result.output == "FAIL  \(bad.fakeReport.path): probe failed: the probe ended (status 0) without its report; "
                + "plugin code may have ended the process\n")
    }

    /// A constructor ignoring SIGTERM and blocking used to hang `verify` for ever.
    @Test(.timeLimit(.minutes(1)))
    func aProbeThatOverrunsItsTimeIsKilledAndReaped() throws {
        let started = Date()
        let result = try bertslim(["plugins", "verify", bad.hang.path, "--timeout", "2"])
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.status == 1)
        #expect(result.output == "FAIL  \(bad.hang.path): probe failed: did not finish within 2 s; stopped it\n")
        #expect(processes(mentioning: bad.hang.path).isEmpty, "a probe of \(bad.hang.path) is still running")
    }

    /// One crashing .so on the search path used to kill `run`, `validate`, `inspect` and `list`.
    @Test(arguments: ["crash", "abort"])
    func aCrashingPluginOnThePathLeavesEveryCommandWorking(which: String) throws {
        let (folder, recipe) = try Self.workspace.get()
        let crashing = which == "crash" ? bad.crash : bad.abortInConstructor
        let plugins = try pluginFolder(crashing)
        let warning = "warning: \(plugins.path)/\(crashing.lastPathComponent): crashed with signal "
            + (which == "crash" ? "11 (SIGSEGV)" : "6 (SIGABRT)") + " while being probed\n"
        let path = ["--plugin-path", plugins.path]
        let out = folder.appendingPathComponent("crash-\(UUID().uuidString.prefix(6))").path
        for arguments in [["plugins", "list"] + path, ["plugins", "inspect", "org.bertslim.basic-losses"] + path,
                          ["validate", recipe] + path, ["run", recipe, "--out", out, "--quiet"] + path] {
            let result = try bertslim(arguments)
            #expect(!result.crashed && result.status == 0, "\(arguments): \(result.status)\n\(result.errors)")
            // inspect warns only about the plugin it shows.
            if arguments[1] != "inspect" { #expect(result.errors.contains(warning), "\(arguments): \(result.errors)") }
        }
        #expect(FileManager.default.fileExists(atPath: out + "/report.html"))
    }

    /// A verdict is kept per path, size and modification time: a file is probed on first
    /// sight and again only when it changes (or when asked to).
    @Test func aVerdictIsKeptUntilTheFileChanges() throws {
        let plugins = try pluginFolder(bad.countOpens)
        let plugin = plugins.appendingPathComponent(bad.countOpens.lastPathComponent)
        let log = plugins.appendingPathComponent("opened.log").path
        let environment = ["BERTSLIM_FIXTURE_LOG": log]
        func list(_ extra: [String] = []) throws -> Int {
            let result = try bertslim(["plugins", "list", "--no-default-paths", "--plugin-path", plugins.path] + extra,
                                      environment: environment)
            #expect(result.errors.contains("\(plugin.path): invalid descriptor: make_factory is null"), "\(result.errors)")
            return ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        #expect(try list() == 1, "first sight: opened by the probe only (it was rejected there)")
        #expect(try list() == 1, "the kept verdict is used")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: plugin.path)
        #expect(try list() == 2, "a changed file is probed again")
        #expect(try list(["--probe", "always"]) == 3)
        #expect(try list(["--probe", "never"]) == 4, "opened in the command's own process")
    }
}

/// Pids of processes whose command line mentions `text`.
func processes(mentioning text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(text)
    }
}
