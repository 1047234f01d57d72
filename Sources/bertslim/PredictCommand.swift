import ArgumentParser
import BertSlimHost
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify texts with a model directory; print labels and logits (and hidden states).",
        discussion: """
        With --input, each line of FILE (LF or CRLF endings; FILE may be a pipe) is one input; a tab separates
        a text from its pair; empty lines are skipped.
        A model without a classification head (e.g. the raw MiniLM) prints its hidden states.
        """
    )
    @Option(help: "Model directory (config.json, model.safetensors, vocab.txt).")
    var model: String
    @Option(help: "One text to classify.")
    var text: String?
    @Option(help: "Second segment for --text (sentence-pair tasks).")
    var pair: String?
    @Option(help: "A file with one input per line.")
    var input: String?
    @Option(help: "Longest input in tokens; longer ones are truncated (the count is reported).")
    var maxLength = 512
    @Flag(help: "Also print every layer's hidden states (embeddings first).")
    var hiddenStates = false
    @Flag(help: "One JSON object per input line.")
    var json = false
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("give exactly one of --text or --input") }
        if pair != nil && text == nil { throw ValidationError("--pair goes with --text") }
        if let text, text.allSatisfy(\.isWhitespace) { throw CommandError("--text is empty; give the text to classify") }
        if let pair, pair.allSatisfy(\.isWhitespace) { throw CommandError("--pair is empty; give the second segment, or leave --pair out") }
        if maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
        if pair != nil && maxLength < 3 { throw ValidationError("--max-length must be at least 3 for a text pair") }
    }

    func run() throws {
        if let threads { Threads.count = threads }
        let network = try ModelFolder.load(model, host: plugins.host())
        let tokenizer = try WordPieceTokenizer(directory: model)
        let inputs = try readInputs()
        if maxLength < tokenizer.minimumLength(pair: true), inputs.contains(where: { $0.pair != nil }) {
            throw CommandError("\(input ?? ""): holds text pairs, which need --max-length \(tokenizer.minimumLength(pair: true)) or more")
        }
        let labels = network.labels
        let wantHidden = hiddenStates || labels.isEmpty
        if labels.isEmpty {
            FileHandle.standardError.write(Data("\(model): no classification head; printing hidden states only\n".utf8))
        }
        let maxLength = min(self.maxLength, (network as? any BertEncoderProviding)?.bertEncoder.config.maxSequenceLength ?? self.maxLength)
        for start in stride(from: 0, to: inputs.count, by: 32) {
            let chunk = inputs[start..<min(start + 32, inputs.count)]
            let encodings = chunk.map { tokenizer.encode($0.text, pair: $0.pair, maxLength: maxLength) }
            let batch = Batch(padding: encodings, padID: tokenizer.paddingID, texts: chunk.map(\.text))
            let out = try withoutGradient { try network.forward(batch, request: wantHidden ? [.hiddenStates] : [], training: false) }
            for (row, encoding) in encodings.enumerated() {
                let logits = out.logits.map { Array($0.scalars[(row * $0.shape[1])..<((row + 1) * $0.shape[1])]) }
                let best = logits.map { l in l.indices.max { l[$0] < l[$1] }! }
                let hidden = wantHidden ? out.hiddenStates.map { h -> [[Float]] in
                    (0..<encoding.count).map { t in
                        let width = h.shape[2], base = (row * h.shape[1] + t) * width
                        return Array(h.scalars[base..<(base + width)])
                    }
                } : nil
                try emit(label: best.map { labels.indices.contains($0) ? labels[$0] : String($0) }, logits: logits, truncated: encoding.truncatedCount,
                         hidden: hidden)
            }
        }
    }

    private func readInputs() throws -> [(text: String, pair: String?)] {
        if let text { return [(text, pair)] }
        return try PredictInput.lines(of: input ?? "")
    }

    private func emit(label: String?, logits: [Float]?, truncated: Int, hidden: [[[Float]]]?) throws {
        if json {
            var object: [String: Any] = ["label": label ?? NSNull(), "logits": logits.map { $0.map(Double.init) } ?? NSNull(),
                                         "truncated_tokens": truncated]
            if let hidden { object["hidden_states"] = hidden.map { $0.map { $0.map(Double.init) } } }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            var line = label.map { "\($0)\t" } ?? ""
            if let logits { line += logits.map { String(format: "%.4f", $0) }.joined(separator: " ") }
            if truncated > 0 { line += "\t(truncated \(truncated) tokens)" }
            if !line.isEmpty { print(line) }
            if let hidden {
                for (l, layer) in hidden.enumerated() {
                    print("hidden_states[\(l)] (\(layer.count) tokens × \(layer.first?.count ?? 0)): "
                          + (layer.first ?? []).prefix(6).map { String(format: "%.4f", $0) }.joined(separator: " ") + " …")
                }
            }
        }
    }
}
