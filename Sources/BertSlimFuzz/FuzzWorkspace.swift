import BertSlimHost
import BertSlimSDK
import Foundation

/// What the fuzz targets share in one process: a scratch folder (emptied before every
/// input), the first-party plugins, MiniLM's tokenizer and a recipe folder with a tiny model
/// and data.
public final class FuzzWorkspace {
    /// The folder everything is written under.
    public let root: String
    /// The recipe the `recipe` target writes, in a folder with `model/` and `{train,dev,test}.tsv`.
    public let recipeFile: String
    /// The plugins beside this executable (or test bundle).
    public let plugins: PluginHost
    private let repository: String
    private var cachedTokenizer: WordPieceTokenizer?

    /// A two-token batch every model folder's model can read (id 0 is in every vocabulary).
    static let batch = Batch(inputIDs: IntTensor(repeating: 0, shape: [1, 2]), attentionMask: IntTensor(repeating: 1, shape: [1, 2]),
                             tokenTypeIDs: IntTensor(repeating: 0, shape: [1, 2]), texts: ["a movie"])

    /// Makes the workspace under `root` (created; the caller removes it) from the repository's
    /// fixtures and assets.
    /// - Parameter repository: the BertSlim checkout (for `Tests/Fuzz/workspace` and
    ///   `assets/model/minilm-l6`).
    public init(root: String, repository: String) throws {
        self.root = root
        self.repository = repository
        let recipes = root + "/recipe"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repository + "/Tests/Fuzz/workspace", toPath: recipes)
        recipeFile = recipes + "/fuzz.yaml"
        plugins = PluginHost(options: .init(environment: [:], includeDefaultLocations: true))
        plugins.load()
    }

    /// The scratch folder, empty.
    func scratch() -> String {
        let folder = root + "/scratch"
        try? FileManager.default.removeItem(atPath: folder)
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// MiniLM's tokenizer, loaded once.
    func tokenizer() -> WordPieceTokenizer {
        if let cachedTokenizer { return cachedTokenizer }
        do {
            let tokenizer = try WordPieceTokenizer(directory: repository + "/assets/model/minilm-l6")
            cachedTokenizer = tokenizer
            return tokenizer
        } catch {
            fatalError("fuzz workspace: MiniLM's tokenizer is missing (make assets): \(error)")
        }
    }
}
