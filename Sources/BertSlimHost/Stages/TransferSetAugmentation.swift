import BertSlimSDK
import Foundation
import Yams

/// A distill stage's transfer set when it has an `augment:` block: the training split followed
/// by the augmenter's new texts, each labelled with the teacher's class, and the teacher's
/// logits for every example in a ``TeacherOutputCache``, computed once per example. (Internals
/// the losses read — hidden states, attention — are the distill stage's to cache or not, as for
/// any training set: an augmented set is often too big to keep them.)
///
/// Texts that are empty (nothing but special tokens once tokenised) are dropped and counted;
/// so are duplicates: texts whose token ids equal an earlier example's (the original included),
/// since the teacher and a student over its tokens cannot tell them apart. The labelled set
/// (texts, labels, logits) is kept in the experiment's stage cache under a key of the data, the
/// teacher's folder (and the stage's `teacher:` block), the seed and the `augment:` block, so
/// sweep points and later runs sharing them label it once.
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple Neural
/// Networks, §3.2 (the teacher labels the augmented set; duplicates are discarded).
struct TransferSetAugmentation {
    /// What the cache folder keeps: the added examples and the teacher's logits of every example.
    private struct Stored: Codable {
        var texts: [String]
        var labels: [Int32]
        /// Row-major `(examples, classes)`: the training split's examples first.
        var logits: [Float]
        var classes: Int
        var duplicates: Int
        var empty: Int
    }

    /// The training split with the added examples after it.
    let train: EncodedDataset
    /// The teacher's logits for every example of ``train``.
    let cache: TeacherOutputCache

    /// Augments the training split with `augmenter`, labels the result with `teacher`.
    /// - Parameter teacherFolder: the teacher's model folder (for a teacher component, the
    ///   stage's model, which the `teacher:` block's text joins in the key).
    /// - Throws: ``ExperimentError`` naming the stage when the augmenter misbehaves or the
    ///   teacher fails.
    init(augmenter: any Augmenter, teacher: any Teacher, teacherFolder: String, run: StageRun) throws {
        let original = try run.split(.train)
        let folder = run.experiment.cache.appendingPathComponent("transfer-\(Self.key(run, teacherFolder: teacherFolder))")
        let file = folder.appendingPathComponent("transfer.json").path
        let stored: Stored
        try FolderMirror.mirror(folder)
        if let saved = RunFiles.readJSON(Stored.self, from: file),
           saved.logits.count == (original.count + saved.texts.count) * saved.classes, saved.labels.count == saved.texts.count {
            stored = saved
            train = Self.encode(original, adding: saved.texts, labels: saved.labels, run: run)
            cache = TeacherOutputCache(request: [])
            cache.store(logits: saved.logits, classes: saved.classes)
            run.emit(.note("[\(run.point)] transfer set read from \(file)"))
        } else {
            let made = try Self.make(augmenter: augmenter, teacher: teacher, run: run)
            (stored, train, cache) = (made.stored, made.train, made.cache)
            try RunFiles.writeJSON(stored, to: file)
        }
        run.emit(.note("[\(run.point)] augmented \(original.count) training texts: \(stored.texts.count) new examples labelled by the teacher; "
                       + "dropped \(stored.duplicates) duplicates and \(stored.empty) empty texts"))
    }

    private static func make(augmenter: any Augmenter, teacher: any Teacher, run: StageRun) throws
        -> (stored: Stored, train: EncodedDataset, cache: TeacherOutputCache) {
        let original = try run.split(.train)
        let texts = original.dataset.texts
        let variants = try augmenter.augment(texts, seed: run.recipe.seed)
        guard variants.count == texts.count else {
            throw run.failure("augment: the augmenter returned \(variants.count) lists of texts for \(texts.count) training texts")
        }
        let candidates = Array(variants.joined())
        let (added, duplicates, empty) = newTexts(candidates, encodings: run.data.tokenizer.encode(candidates, maxLength: run.recipe.data.maxLength),
                                                  existing: original.encodings)
        // Label every example once: the teacher's class for the new ones, its logits for all.
        run.emit(.note("[\(run.point)] labelling \(original.count + added.count) examples with the teacher"))
        let unlabelled = encode(original, adding: added, labels: Array(repeating: 0, count: added.count), run: run)
        let cache = TeacherOutputCache(request: [])
        let order = unlabelled.lengths.indices.sorted { (unlabelled.lengths[$0], $0) < (unlabelled.lengths[$1], $1) }
        var logits: [[Float]] = Array(repeating: [], count: unlabelled.count)
        var classes = 0
        for start in stride(from: 0, to: order.count, by: 64) {
            let batch = unlabelled.batch(Array(order[start..<min(start + 64, order.count)]))
            let output = try cache.outputs(for: batch) { try teacher.outputs(for: $0, request: []) }
            guard let z = output.logits, z.rank == 2, z.shape[0] == batch.size else { throw run.failure("augment: the teacher gave no logits") }
            classes = z.shape[1]
            let values = z.scalars
            for (row, index) in batch.exampleIndices.enumerated() { logits[index] = Array(values[row * classes..<(row + 1) * classes]) }
        }
        guard classes == run.data.labels.count else {
            throw run.failure("augment: the teacher has \(classes) classes, the data \(run.data.labels.count)")
        }
        let labels = logits[original.count...].map { row in Int32(row.indices.max { row[$0] < row[$1] } ?? 0) }
        let stored = Stored(texts: added, labels: labels, logits: Array(logits.joined()), classes: classes,
                            duplicates: duplicates, empty: empty)
        return (stored, encode(original, adding: added, labels: labels, run: run), cache)
    }

    /// The candidates worth adding, in order: not empty (some token besides `[CLS]` and `[SEP]`)
    /// and not a duplicate (token ids unlike every existing example's and every earlier
    /// candidate's).
    /// - Parameters:
    ///   - encodings: the candidates' encodings, one each.
    ///   - existing: the training split's encodings.
    /// - Returns: the texts kept, and how many duplicates and empty texts were dropped.
    static func newTexts(_ candidates: [String], encodings: [Encoding], existing: [Encoding])
        -> (texts: [String], duplicates: Int, empty: Int) {
        var seen = Set(existing.map(\.ids))
        var kept: [String] = []
        var (duplicates, empty) = (0, 0)
        for (text, encoding) in zip(candidates, encodings) {
            if encoding.count <= 2 || text.allSatisfy(\.isWhitespace) {
                empty += 1
            } else if seen.insert(encoding.ids).inserted {
                kept.append(text)
            } else {
                duplicates += 1
            }
        }
        return (kept, duplicates, empty)
    }

    /// The training split followed by `texts` with label ids `labels`, tokenised.
    private static func encode(_ original: EncodedDataset, adding texts: [String], labels: [Int32], run: StageRun) -> EncodedDataset {
        let names = run.data.labels.names
        let added = zip(texts, labels).map { text, label in
            TextExample(text: text, label: names.indices.contains(Int(label)) ? names[Int(label)] : nil, labelID: label)
        }
        let dataset = TextDataset(examples: original.dataset.examples + added, labels: original.dataset.labels,
                                  file: original.dataset.file + " (augmented)")
        return EncodedDataset(dataset, tokenizer: run.data.tokenizer, maxLength: run.recipe.data.maxLength)
    }

    /// The stage-cache key: the same data, teacher folder, seed and `augment:` block give the
    /// same transfer set (so the stages of a TinyBERT recipe that share them label it once).
    private static func key(_ run: StageRun, teacherFolder: String) -> String {
        let document = run.recipe.document
        let block = (try? document.node(at: "stages[\(run.index)].\(run.type).augment").map { try Yams.serialize(node: $0) }) ?? ""
        let data = (try? document.node(at: "data").map { try Yams.serialize(node: $0) }) ?? ""
        let teacher = (try? document.node(at: "stages[\(run.index)].\(run.type).teacher").map { try Yams.serialize(node: $0) }) ?? ""
        let parts = ["transfer-1", "seed=\(run.recipe.seed)", data, teacherFolder, run.state.tokenizerDirectory, block]
            + (teacher.isEmpty ? [] : [teacher])
        return String(stableHash(parts.joined(separator: "\u{1}")).prefix(12))
    }
}
