import ArgumentParser
import BertSlimHost
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model folder in another form.",
        discussion: """
        --dequantize decodes a quantized model (q-bert, kmeans, q8bert) into the float BERT its values
        stand for: a plain Hugging Face folder that transformers loads (the packed folder itself is only
        read by BertSlim). The tokenizer files are copied along.
        """
    )
    @Option(help: "Model directory.")
    var model: String
    @Option(help: "Directory to write (created; files in it are replaced).")
    var out: String
    @Flag(help: "Decode low-bit or int8 weights into float.")
    var dequantize = false
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if !dequantize { throw ValidationError("say what to write: --dequantize") }
    }

    func run() throws {
        let network = try ModelFolder.load(model, host: plugins.host())
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
