import ArgumentParser
import BertSlimHost
import Foundation

@main
struct BertSlim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bertslim",
        abstract: "Make BERT-family models smaller and faster: distillation, quantization, pruning.",
        version: SDKVersion.string,
        subcommands: [Run.self, Validate.self, RunsCommand.self, FineTune.self, Predict.self, Export.self, Bench.self, PluginsCommand.self]
    )

    /// Progress lines reach a log file or CI as they happen: stdout is line-buffered even
    /// when it is not a terminal. A `BERTSLIM_MAX_ISA` that names no level stops the tool
    /// before any work (a misspelt cap would otherwise be ignored silently). Until the command
    /// ends on its own, an `exit()` made by plugin code ends the process with a message and
    /// status 70, not the 0 it asked for.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        if let cap = KernelISA.invalidCap {
            let levels = KernelISA.allCases.map(\.description).joined(separator: ", ")
            FileHandle.standardError.write(Data("Error: BERTSLIM_MAX_ISA=\(cap) is not one of \(levels)\n".utf8))
            Foundation.exit(64)
        }
        ExitGuard.arm()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            ExitGuard.disarm()
            exit(withError: error)
        }
        ExitGuard.disarm()
    }
}
