import ArgumentParser
import BertSlimHost
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model folder in another form.",
        discussion: """
        --dequantize decodes a quantized model (q-bert, kmeans, q8bert) into the float BERT its values
        stand for: a plain Hugging Face folder that transformers loads (the packed folder itself is only
        read by BertSlim). --dense writes a BERT with pruned weights (model.sparse.safetensors) as a
        Hugging Face folder with the pruned weights as zeros. The tokenizer files are copied along.
        """
    )
    @Option(help: "Model directory.")
    var model: String
    @Option(help: "Directory to write (created; files in it are replaced).")
    var out: String
    @Flag(help: "Decode low-bit or int8 weights into float.")
    var dequantize = false
    @Flag(help: "Write pruned (sparse) weights dense, zeros included.")
    var dense = false
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if dequantize == dense { throw ValidationError("say what to write: --dequantize or --dense") }
    }

    func run() throws {
        let network = try ModelFolder.load(model, host: plugins.host())
        if dense {
            guard let maskable = network as? any WeightMaskable else {
                throw CommandError("\(model): --dense writes models whose weights can be pruned (WeightMaskable); this folder holds a \(type(of: network))")
            }
            try maskable.saveDense(to: out)
            try WordPieceTokenizer.copyFiles(from: model, to: out)
            print("wrote \(out)")
            return
        }
        guard let quantized = network as? any Dequantizable else {
            throw CommandError("\(model): holds float weights already (\(type(of: network))); there is nothing to dequantize")
        }
        let float = try quantized.dequantizedModel()
        if let bert = float as? BertModel {
            try bert.save(to: out, tokenizerDirectory: model)
        } else {
            try float.save(to: out)
        }
        print("wrote \(out)")
    }
}
