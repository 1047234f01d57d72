import BertSlimSDK

/// What an ensemble compares between its member folders before loading any weights: the
/// labels of each classification head and each vocabulary.
struct EnsembleMember {
    /// The folder as the settings wrote it (what messages name).
    let folder: String
    /// The folder resolved against the recipe's.
    let path: String
    let labels: [String]
    let vocabulary: [String]

    /// Reads `config.json` and `vocab.txt` of every folder.
    /// - Throws: ``ComponentError`` naming the folder that is missing a file or has no head.
    static func read(_ folders: [String], resolve: (String) -> String) throws -> [EnsembleMember] {
        try folders.map { folder in
            let path = resolve(folder)
            let config: BertConfig
            do { config = try BertConfig(path: path + "/config.json") } catch {
                throw ComponentError("ensemble", "\(folder): \(error)")
            }
            guard !config.labels.isEmpty else {
                throw ComponentError("ensemble", "\(folder) has no classification head (fine-tune it first)")
            }
            return EnsembleMember(folder: folder, path: path, labels: config.labels, vocabulary: try vocabulary(in: path, named: folder))
        }
    }

    /// The tokens of `folder/vocab.txt`.
    static func vocabulary(in path: String, named folder: String? = nil) throws -> [String] {
        do { return try Vocabulary(path: path + "/vocab.txt").tokens } catch {
            throw ComponentError("ensemble", "\(folder ?? path): \(error)")
        }
    }

    /// The first pair of members whose labels or vocabularies differ, as one line naming both
    /// folders; nil when all agree.
    static func mismatch(_ members: [EnsembleMember]) -> String? {
        guard let first = members.first else { return nil }
        for other in members.dropFirst() {
            if other.labels != first.labels {
                return "\(first.folder) and \(other.folder) have different labels "
                    + "(\(first.labels.joined(separator: ", ")) vs \(other.labels.joined(separator: ", ")))"
            }
            if let line = firstDifference(first.vocabulary, other.vocabulary) {
                return "\(first.folder) and \(other.folder) have different vocabularies (vocab.txt \(line))"
            }
        }
        return nil
    }

    /// Where two vocabularies first differ (`line 1038: "foo" vs "bar"`), or nil.
    static func firstDifference(_ a: [String], _ b: [String]) -> String? {
        if let index = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) {
            return "line \(index + 1): \"\(a[index])\" vs \"\(b[index])\""
        }
        return a.count == b.count ? nil : "\(a.count) vs \(b.count) tokens"
    }
}
