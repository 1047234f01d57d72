import ArgumentParser
import BertSlimHost
import Foundation

@main
struct BertSlim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bertslim",
        abstract: "Make BERT-family models smaller and faster: distillation, quantization, pruning.",
        version: SDKVersion.string,
        subcommands: [Run.self, Validate.self, Finetune.self, Predict.self, Bench.self, PluginsCommand.self]
    )

    /// Progress lines reach a log file or CI as they happen: stdout is line-buffered even
    /// when it is not a terminal.
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        main(nil)
    }
}
