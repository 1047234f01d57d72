import BertSlimHost
import BertSlimSDK
import Foundation

/// One parser BertSlim runs on files from strangers, fed arbitrary bytes.
///
/// Every input must end in a value or in one thrown error that names the file (or, for the
/// plugin descriptor, the plugin); a trap, a sanitizer report, an allocation past libFuzzer's
/// `-malloc_limit_mb`, or an error that names no file is a finding. `make fuzz` runs each
/// target under libFuzzer with AddressSanitizer (`scripts/fuzz.py`); the tests replay the seed
/// corpora and every minimised crash (`Tests/Fuzz`) through ``run(_:in:)`` without sanitizers.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `model.safetensors`: header and data, every tensor read as its kind.
    case safetensors
    /// `config.json` as `BertConfig` reads it.
    case config
    /// A model folder (`config.json` first, more files after `#file:` markers) loaded as
    /// `ModelFolder.load` does — plain BERT and MPNet, and every format a first-party plugin
    /// writes (int8, packed low-bit, sparse, per-layer FFN sizes, logistic regression,
    /// BiLSTM) — then run on a two-token batch.
    case modelFolder = "model-folder"
    /// `vocab.txt` (then optional `tokenizer_config.json` and a `text` part) loaded as a
    /// tokenizer folder, encoding the text.
    case vocab
    /// Arbitrary bytes (invalid UTF-8 decoded with replacement) through MiniLM's WordPiece
    /// tokenizer, alone and as a pair.
    case tokenizer
    /// A data file read as TSV.
    case tsv
    /// A data file read as CSV.
    case csv
    /// A data file read as JSON Lines.
    case jsonl
    /// A recipe parsed and validated against a workspace with a tiny model and data.
    case recipe
    /// A plugin descriptor laid out in memory from the input (``DescriptorLayout``).
    case descriptor

    /// Runs one input; returns the error it ended in, nil when it was read.
    @discardableResult
    public func run(_ data: [UInt8], in workspace: FuzzWorkspace) -> (any Error)? {
        let folder = workspace.scratch()
        do {
            try body(data, folder: folder, workspace: workspace)
            return nil
        } catch {
            // The file the error must name: the scratch folder's, the recipe's, the plugin's.
            let named = switch self {
            case .recipe: workspace.recipeFile
            case .descriptor: DescriptorLayout.file
            default: folder
            }
            guard String(describing: error).contains(named) else {
                fatalError("\(rawValue): the error does not name \(named): \(error)")
            }
            return error
        }
    }

    private func body(_ data: [UInt8], folder: String, workspace: FuzzWorkspace) throws {
        func write(_ bytes: [UInt8], _ name: String) throws -> String {
            let path = folder + "/" + name
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                fatalError("fuzz workspace: cannot write \(path)")
            }
            return path
        }
        switch self {
        case .safetensors:
            let file = try SafetensorsFile(path: try write(data, "model.safetensors"))
            for name in file.names { _ = try file.value(named: name) }
        case .config:
            _ = try BertConfig(path: try write(data, "config.json"))
        case .modelFolder:
            for part in FuzzInput.files(data, first: "config.json") { _ = try write(part.bytes, part.name) }
            let model = try ModelFolder.load(folder, host: workspace.plugins)
            _ = try model.forward(FuzzWorkspace.batch, request: [], training: false)
        case .vocab:
            var text: [UInt8] = []
            for part in FuzzInput.files(data, first: "vocab.txt") {
                if part.name == "text" { text = part.bytes } else { _ = try write(part.bytes, part.name) }
            }
            let tokenizer = try WordPieceTokenizer(directory: folder)
            let sentence = String(decoding: text, as: UTF8.self)
            _ = tokenizer.encode(sentence, pair: sentence, maxLength: 64)
        case .tokenizer:
            let tokenizer = workspace.tokenizer()
            let text = String(decoding: data, as: UTF8.self)
            _ = tokenizer.encode(text, maxLength: 128)
            _ = tokenizer.encode(text, pair: String(text.reversed()), maxLength: 16)
            _ = tokenizer.tokenize(text)
        case .tsv, .csv, .jsonl:
            let path = try write(data, "data." + rawValue)
            let dataset = try TextDataset(path: path)
            _ = dataset.examples.count
        case .recipe:
            guard FileManager.default.createFile(atPath: workspace.recipeFile, contents: Data(data)) else {
                fatalError("fuzz workspace: cannot write \(workspace.recipeFile)")
            }
            _ = try Recipe(contentsOf: workspace.recipeFile).validate(host: workspace.plugins)
        case .descriptor:
            try DescriptorLayout(data).withDescriptor { raw in
                _ = try DescriptorReader.read(raw, file: DescriptorLayout.file)
            }
        }
    }
}
