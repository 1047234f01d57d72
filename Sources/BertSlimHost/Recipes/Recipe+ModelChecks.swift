import BertSlimSDK
import Foundation

extension Recipe {
    /// Checks a BERT model folder the recipe starts from (or distils into) against the
    /// recipe's data, so that what would stop a run midway stops `validate`: its config reads
    /// and matches its checkpoint, `data.max_length` fits its position table, the tokenizer's
    /// vocabulary fits its embedding table, and a classification head it already has is as
    /// wide as the data has labels. Folders written by a plugin's model are left to it.
    /// - Parameters:
    ///   - folder: the folder as the recipe writes it; `path` is its key path.
    ///   - tokenizer: the folder whose vocab.txt the run tokenises with.
    /// - Returns: the folder's `max_position_embeddings` (nil for a plugin's model).
    /// - Throws: ``RecipeError`` at the key path concerned.
    @discardableResult
    func checkModelFolder(_ folder: String, path: String, tokenizer: String, tokenizerPath: String,
                          labels: LabelVocabulary) throws -> Int? {
        let directory = resolve(folder)
        let at = document.location(of: path)
        func refuse(_ key: String, _ reason: String) -> RecipeError {
            .invalidValue(path: key, reason: reason, at: document.location(of: key) ?? at)
        }
        let config: BertConfig
        do {
            guard try ModelFolder.componentName(in: directory) == nil else { return nil }
            config = try BertConfig(path: (directory as NSString).appendingPathComponent("config.json"))
            let checkpoint = try SafetensorsFile(path: BertModel.weightsFile(in: directory))
            try config.validate(against: checkpoint, file: (directory as NSString).appendingPathComponent("config.json"))
        } catch let error as RecipeError {
            throw error
        } catch {
            throw refuse(path, "\(error)")
        }
        if data.maxLength > config.maxSequenceLength {
            throw RecipeError.invalidValue(
                path: "data.max_length",
                reason: "\(data.maxLength) is more than the \(config.maxSequenceLength) positions (max_position_embeddings) of \(folder)",
                at: document.location(of: "data.max_length") ?? document.location(of: "data"))
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(path: (resolve(tokenizer) as NSString).appendingPathComponent("vocab.txt"))
        } catch {
            throw refuse(tokenizerPath, "\(error)")
        }
        if vocabulary.tokens.count > config.vocabSize {
            throw refuse(tokenizerPath, "\(vocabulary.source) has \(vocabulary.tokens.count) tokens, more than the "
                         + "\(config.vocabSize) rows (vocab_size) of \(folder)'s embedding table")
        }
        if !config.labels.isEmpty && config.labels.count != labels.count {
            throw refuse(path, "\(folder) has a classification head for \(config.labels.count) labels "
                         + "(\(config.labels.joined(separator: ", "))), but data.train has \(labels.count) "
                         + "(\(labels.names.joined(separator: ", ")))")
        }
        return config.maxSequenceLength
    }
}
