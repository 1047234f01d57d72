import ArgumentParser
import BertSlimHost
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure BertSlim's speed (median of repeated runs; compare with scripts/bench-vs-pytorch.py).",
        subcommands: [BenchOps.self, BenchInfer.self, BenchTrain.self, BenchDistill.self, BenchLSTM.self]
    )
}

/// Options every benchmark shares.
struct BenchOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?
    @Option(help: "Timed runs per measurement (after warm-up).")
    var runs: Int = 15
    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func apply() { if let threads { Threads.count = threads } }
}

struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "GEMM at BERT shapes, layer norm, softmax and GELU: median ms and GFLOP/s (or GB/s)."
    )
    @OptionGroup var options: BenchOptions
    @Flag(help: "Instead: GEMMs on packed 2/3/4/8-bit weights against fp32 (M = 1024; K, N ∈ {384, 1536}).")
    var lowbit = false
    @Flag(help: "Instead: the sparse (CSR) kernel at 50/70/80/90/95 % sparsity against dense oneDNN (M = 1024; K, N ∈ {384, 1536}).")
    var sparse = false

    func run() throws {
        options.apply()
        if lowbit { return try runLowBit() }
        if sparse { return try runSparse() }
        let peak = measuredFMAPeakGFLOPs()
        let kernels = KernelChoice()
        if options.json {
            let results = OpsBenchmark.run(runs: options.runs)
            let report = OpsReport(threads: Threads.count, fmaPeakGflops: peak, kernels: kernels, results: results)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("threads: \(Threads.count), FMA ceiling measured now: \(String(format: "%.0f", peak)) GFLOP/s")
            print("kernels: \(kernels)")
            print("op          shape             median ms   GFLOP/s (% of ceiling)   GB/s")
            _ = OpsBenchmark.run(runs: options.runs) { r in
                let rate = r.gflops.map { String(format: "%8.1f (%3.0f%%)        ", $0, 100 * $0 / peak) } ?? "       -                "
                let bw = r.gbPerSecond.map { String(format: "%6.1f", $0) } ?? "     -"
                print(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + r.shape.padding(toLength: 18, withPad: " ", startingAt: 0)
                      + String(format: "%9.3f", r.timing.medianMs) + "  \(rate)  \(bw)")
            }
        }
    }
}

struct OpsReport: Encodable {
    var threads: Int
    var fmaPeakGflops: Double
    var kernels: KernelChoice
    var results: [OpsBenchmark.Result]

    enum CodingKeys: String, CodingKey { case threads, fmaPeakGflops = "fma_peak_gflops", kernels, results }
}

/// Which model a model benchmark runs: a checkpoint directory or a random architecture.
struct ModelChoice: ParsableArguments {
    @Option(help: "A model directory (config.json + model.safetensors).")
    var model: String?
    @Option(help: "A random model instead: \(ModelBenchmark.architectures.keys.sorted().joined(separator: ", ")).")
    var architecture: String?
    @Option(help: "Batch size.")
    var batch: Int = 8
    @Option(help: "Tokens per sequence.")
    var seq: Int = 128
    @Option(help: "Remove heads 0..<N from every layer first (BertModel.pruneHeads), to time a head-pruned model.")
    var pruneHeads: Int = 0
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if pruneHeads < 0 { throw ValidationError("--prune-heads must not be negative") }
        guard (model == nil) != (architecture == nil) else { throw ValidationError("give one of --model DIR or --architecture NAME") }
        if let architecture, ModelBenchmark.architectures[architecture] == nil {
            throw ValidationError("unknown architecture '\(architecture)' (known: \(ModelBenchmark.architectures.keys.sorted().joined(separator: ", ")))")
        }
        if batch < 1 || seq < 2 { throw ValidationError("--batch must be ≥ 1 and --seq ≥ 2") }
    }

    func load() throws -> any Model {
        let loaded: any Model
        if let model {
            loaded = try ModelFolder.load(model, host: plugins.host())
        } else {
            guard let architecture, let config = ModelBenchmark.architectures[architecture] else {
                throw ValidationError("give one of --model DIR or --architecture NAME")
            }
            loaded = BertModel(config: config, seed: 1)
        }
        if pruneHeads > 0 {
            guard let prunable = loaded as? any HeadPrunable else {
                throw ValidationError("--prune-heads: \(type(of: loaded)) has no attention heads to remove")
            }
            try prunable.pruneHeads(Dictionary(uniqueKeysWithValues: prunable.remainingHeads.indices.map { ($0, Array(0..<pruneHeads)) }))
        }
        return loaded
    }

    /// Loads the model, makes a random batch, times `body` on it and prints the result line.
    func measure(_ what: String, _ options: BenchOptions, _ body: (any Model, Batch) throws -> Timing) throws {
        options.apply()
        let model = try load()
        var input = ModelBenchmark.randomBatch(vocabularySize: (model as? any BertEncoderProviding)?.bertEncoder.config.vocabSize ?? 30522, batch: batch, length: seq)
        // Students that read words get the same tokens as text (a model folder carries vocab.txt).
        if let folder = self.model, let vocabulary = try? Vocabulary(path: (folder as NSString).appendingPathComponent("vocab.txt")) {
            input.texts = ModelBenchmark.texts(of: input, vocabulary: vocabulary)
        }
        let timing = try body(model, input)
        try BenchResultLine(what: what, batch: batch, seq: seq, threads: Threads.count, parameters: model.parameterCount,
                            timing: timing, kernels: KernelChoice()).print(json: options.json)
    }
}

struct BenchResultLine: Encodable {
    var what: String
    var batch: Int
    var seq: Int
    var threads: Int
    var parameters: Int
    var timing: Timing
    var kernels: KernelChoice

    enum CodingKeys: String, CodingKey { case what, batch, seq, threads, parameters, timing, kernels, medianMs = "median_ms" }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(what, forKey: .what)
        try c.encode(batch, forKey: .batch)
        try c.encode(seq, forKey: .seq)
        try c.encode(threads, forKey: .threads)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(timing, forKey: .timing)
        try c.encode(kernels, forKey: .kernels)
        try c.encode(timing.medianMs, forKey: .medianMs)
    }

    func print(json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Swift.print(String(decoding: try encoder.encode(self), as: UTF8.self))
        } else {
            Swift.print(String(format: "%@ %dx%d, %d threads, %d parameters: median %.2f ms (min %.2f, max %.2f, %d runs)",
                               what, batch, seq, threads, parameters, timing.medianMs, timing.minMs, timing.maxMs, timing.runs))
            Swift.print("kernels: \(kernels)")
        }
    }
}

struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Latency of a forward pass (no gradients) at batch × seq.",
        discussion: """
        --int8 first converts a float BERT to int8 with the q8bert plugin's dynamic mode (int8 weights and \
        embeddings, each batch's activations quantized with their own max|x|, as PyTorch's quantize_dynamic \
        and ONNX Runtime's quantize_dynamic) and times the int8 model. A model folder already converted by a \
        quantize stage (bertslim_component q8bert-int8, e.g. static QAT ranges) runs in int8 with --model alone.
        """)
    @OptionGroup var choice: ModelChoice
    @Option(help: "A second model folder timed in alternation with --model (same batch, same load); prints both and the speed-up.")
    var versus: String?
    @OptionGroup var options: BenchOptions
    @Flag(help: "Quantize the float model to int8 (q8bert, dynamic activation ranges) before timing.")
    var int8 = false

    func run() throws {
        guard let versus else {
            try choice.measure(int8 ? "infer-int8" : "infer", options) { model, batch in
                try ModelBenchmark.inference(try timed(model), batch: batch, runs: options.runs)
            }
            return
        }
        let other = try ModelFolder.load(versus, host: choice.plugins.host())
        var timings: (Timing, Timing)?
        try choice.measure("infer", options) { model, batch in
            timings = try ModelBenchmark.alternatingInference(try timed(model), other, batch: batch, runs: options.runs)
            return timings!.0
        }
        if let (_, b) = timings {
            try BenchResultLine(what: "infer-versus", batch: choice.batch, seq: choice.seq, threads: Threads.count,
                                parameters: other.parameterCount, timing: b, kernels: KernelChoice()).print(json: options.json)
            if !options.json {
                print(String(format: "speed-up of %@ over %@: %.2fx", versus, choice.model ?? "the model", timings!.0.medianMs / b.medianMs))
            }
        }
    }

    /// The model as timed: converted to dynamic int8 with --int8.
    private func timed(_ model: any Model) throws -> any Model {
        int8 ? try ModelBenchmark.int8Dynamic(model, host: choice.plugins.host()) : model
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Time of one fine-tuning step (forward, backward, clipping, AdamW) at batch × seq.")
    @OptionGroup var choice: ModelChoice
    @OptionGroup var options: BenchOptions

    func run() throws {
        try choice.measure("train", options) { model, batch in
            guard let bert = (model as? any BertEncoderProviding)?.bertEncoder else {
                throw ValidationError("bench train times BERT models; \(choice.model ?? "") is not one")
            }
            return try ModelBenchmark.trainingStep(bert, batch: batch, runs: options.runs)
        }
    }
}

struct BenchDistill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Time of one distillation step of a bert-student made from the model (Hinton KD or PKD, backward, AdamW).",
        discussion: """
        The teacher's outputs are computed once, as a distill stage caches them (for PKD with its [CLS] states); \
        --online runs the teacher in every step. --loss pkd times a PKD step and a Hinton KD step in alternation \
        and prints their ratio.
        """)
    @OptionGroup var choice: ModelChoice
    @Option(help: "Layers of the student (every other teacher layer).")
    var studentLayers = 3
    @Flag(help: "Run the teacher's forward pass in every step instead of once.")
    var online = false
    @Option(help: "The loss: hinton-kd (T 2, α 0.5), or pkd (the same plus β 100 on [CLS] states, strategy skip), timed against hinton-kd.")
    var loss = "hinton-kd"
    @OptionGroup var options: BenchOptions

    func validate() throws {
        if studentLayers < 1 { throw ValidationError("--student-layers must be at least 1") }
        if ModelBenchmark.DistillationLoss(rawValue: loss) == nil {
            throw ValidationError("--loss: unknown loss '\(loss)' (known: \(ModelBenchmark.DistillationLoss.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        let kind = ModelBenchmark.DistillationLoss(rawValue: loss) ?? .hintonKD
        let name = (online ? "distill-online" : "distill") + (kind == .hintonKD ? "" : "-\(kind.rawValue)")
        var baseline: Timing?, measured: Timing?, parameters = 0
        try choice.measure(name, options) { model, batch in
            parameters = model.parameterCount
            guard let bert = (model as? any BertEncoderProviding)?.bertEncoder else {
                throw ValidationError("bench distill needs a BERT teacher; \(choice.model ?? "") is not one")
            }
            guard kind != .hintonKD else {
                return try ModelBenchmark.distillationStep(teacher: bert, studentLayers: studentLayers, batch: batch, online: online,
                                                           runs: options.runs, host: choice.plugins.host())
            }
            let timings = try ModelBenchmark.alternatingDistillationSteps(teacher: bert, studentLayers: studentLayers, batch: batch,
                                                                          online: online, runs: options.runs, losses: [kind, .hintonKD],
                                                                          host: choice.plugins.host())
            (measured, baseline) = (timings[0], timings[1])
            return timings[0]
        }
        if let baseline, let measured {
            try BenchResultLine(what: online ? "distill-online" : "distill", batch: choice.batch, seq: choice.seq, threads: Threads.count,
                                parameters: parameters, timing: baseline, kernels: KernelChoice()).print(json: options.json)
            if !options.json { print(String(format: "%@ step ÷ hinton-kd step: %.3fx", kind.rawValue, measured.medianMs / baseline.medianMs)) }
        }
    }
}
