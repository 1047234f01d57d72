import ArgumentParser
import BertSlimHost

@main
struct BertSlim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bertslim",
        abstract: "Make BERT-family models smaller and faster: distillation, quantization, pruning.",
        version: SDKVersion.string,
        subcommands: [Run.self, Validate.self, Finetune.self, Predict.self, Bench.self, PluginsCommand.self]
    )
}
