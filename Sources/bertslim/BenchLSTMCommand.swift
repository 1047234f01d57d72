import ArgumentParser
import BertSlimHost
import Foundation

struct BenchLSTM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lstm",
        abstract: "Time of one training step of an LSTM layer (forward and backward, no optimizer) at batch × seq, and of its forward pass.",
        discussion: "The input requires gradients and the loss is Σ output ⊙ U for a fixed random U, as in `scripts/bench-vs-pytorch.py lstm`.")
    @Option(help: "Batch size.")
    var batch = 32
    @Option(help: "Tokens per sequence.")
    var seq = 64
    @Option(help: "Input width.")
    var input = 300
    @Option(help: "Hidden units per direction.")
    var hidden = 300
    @Flag(help: "One direction instead of two.")
    var unidirectional = false
    @OptionGroup var options: BenchOptions

    func validate() throws {
        if batch < 1 || seq < 1 || input < 1 || hidden < 1 { throw ValidationError("--batch, --seq, --input and --hidden must be at least 1") }
    }

    func run() throws {
        options.apply()
        let result = LSTMBenchmark.trainingStep(batch: batch, steps: seq, input: input, hidden: hidden,
                                                bidirectional: !unidirectional, runs: options.runs)
        let directions = unidirectional ? 1 : 2
        let parameters = directions * 4 * hidden * (input + hidden + 2)
        try BenchResultLine(what: unidirectional ? "lstm-train" : "bilstm-train", batch: batch, seq: seq, threads: Threads.count,
                            parameters: parameters, timing: result.step, kernels: KernelChoice()).print(json: options.json)
        if !options.json {
            print(String(format: "forward alone (recording): median %.2f ms (%.0f %% of the step); without gradients: median %.2f ms",
                         result.forward.medianMs, 100 * result.forward.medianMs / result.step.medianMs, result.inference.medianMs))
        }
    }
}
