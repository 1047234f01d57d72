@testable import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `tang-rules` augmenter on the tiny workspace's BERT and vocabulary (300 of MR's words).
@Suite("Tang et al. augmenter")
struct TangAugmenterTests {
    static let workspace = Result { try RecipeFixtures.workspace("augmenter") }

    struct Setup {
        let teacher: BertModel
        let tokenizer: WordPieceTokenizer
        /// Whole-word tokens of the vocabulary: every one has neighbours.
        let words: [String]
    }

    static let setup = Result { () throws -> Setup in
        let model = try workspace.get().appendingPathComponent("model").path
        let tokenizer = try WordPieceTokenizer(directory: model)
        let words = tokenizer.vocabulary.tokens.filter { !$0.isEmpty && $0.allSatisfy(\.isLetter) && $0 != "mask" }
        return Setup(teacher: try BertModel.load(directory: model), tokenizer: tokenizer, words: words)
    }

    func augmenter(_ yaml: String, path: String = "augment") throws -> any Augmenter {
        let setup = try Self.setup.get()
        var context = ComponentContext(labelCount: 2, teacher: HeldTeacher(setup.teacher), seed: 1)
        context.tokenizer = setup.tokenizer
        return try firstPartyHost().make("tang-rules", as: (any Augmenter).self, config: .yaml(yaml, path: path), context: context)
    }

    /// `count` texts of `length` distinct vocabulary words each.
    func texts(_ count: Int, length: Int) throws -> [[String]] {
        let words = try Self.setup.get().words
        var g = SeededGenerator(seed: 99)
        return (0..<count).map { _ in (0..<length).map { _ in words[Int(g.next() % UInt64(words.count))] } }
    }

    /// |k − np| within 5 standard deviations of a binomial(n, p) count.
    func expectBinomial(_ k: Int, n: Int, p: Double, _ what: String) {
        let sd = (Double(n) * p * (1 - p)).squareRoot()
        #expect(abs(Double(k) - Double(n) * p) <= 5 * sd, "\(what): \(k) of \(n), expected \(Double(n) * p) ± \(5 * sd)")
    }

    @Test func maskingAndNeighbourReplacementHappenAtTheirRates() throws {
        let originals = try texts(400, length: 12)
        let out = try augmenter("{p_mask: 0.1, p_neighbour: 0.15, p_ngram: 0, n_iter: 25}").augment(originals.map { $0.joined(separator: " ") }, seed: 4)
        var (positions, masked, replaced) = (0, 0, 0)
        let vocabulary = Set(try Self.setup.get().words)
        for (original, copies) in zip(originals, out) {
            #expect(copies.count == 25)
            for copy in copies {
                let words = copy.split(separator: " ").map(String.init)
                #expect(words.count == original.count)
                for (word, before) in zip(words, original) {
                    positions += 1
                    if word == "[MASK]" { masked += 1 } else if word != before {
                        replaced += 1
                        #expect(vocabulary.contains(word), "\(before) → \(word)")
                    }
                }
            }
        }
        #expect(positions == 400 * 25 * 12)
        expectBinomial(masked, n: positions, p: 0.1, "masked")
        expectBinomial(replaced, n: positions, p: 0.15, "replaced by a neighbour")
    }

    @Test func nGramSamplingCutsACopyToOneToMaxNgramWordsAtItsRate() throws {
        let originals = try texts(400, length: 8)
        let out = try augmenter("{p_mask: 0, p_neighbour: 0, p_ngram: 0.25, max_ngram: 5, n_iter: 25}")
            .augment(originals.map { $0.joined(separator: " ") }, seed: 5)
        var lengths = [Int](repeating: 0, count: 9)
        for (original, copies) in zip(originals, out) {
            let text = original.joined(separator: " ")
            for copy in copies {
                let words = copy.split(separator: " ").map(String.init)
                lengths[words.count] += 1
                // An n-gram is a run of the original's consecutive words.
                #expect(text.contains(copy), "\(copy) is not a run of \(text)")
            }
        }
        let total = 400 * 25
        expectBinomial(total - lengths[8], n: total, p: 0.25, "cut copies")
        for n in 1...5 { expectBinomial(lengths[n], n: total, p: 0.05, "\(n)-grams") }
        #expect(lengths[6] == 0 && lengths[7] == 0)
    }

    @Test func theSameSeedGivesTheSameCopiesAndAnotherSeedOthers() throws {
        let texts = try String(contentsOf: try Self.workspace.get().appendingPathComponent("train.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().prefix(50).map { String($0.split(separator: "\t")[0]) }
        let a = try augmenter("{}").augment(texts, seed: 7)
        let b = try augmenter("{}").augment(texts, seed: 7)
        let c = try augmenter("{}").augment(texts, seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0.count == 20 })
    }

    @Test func noCopyIsEmptyEvenForOneWordTextsAndAlwaysCutting() throws {
        let texts = try String(contentsOf: try Self.workspace.get().appendingPathComponent("train.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[0]) } + ["Wow", "!", "film ."]
        let out = try augmenter("{p_mask: 0.5, p_neighbour: 0.5, p_ngram: 1}").augment(texts, seed: 1)
        let copies = out.joined()
        #expect(copies.count == texts.count * 20)
        #expect(copies.allSatisfy { !$0.allSatisfy(\.isWhitespace) })
    }

    @Test func theHostDropsEmptyTextsAndDuplicatesAndCountsThem() throws {
        let tokenizer = try Self.setup.get().tokenizer
        let existing = tokenizer.encode(["a good film"], maxLength: 32)
        let candidates = ["a good film", "A  good film", "", "   ", "\u{7}", "a bad film", "a bad film", "good"]
        let (kept, duplicates, empty) = TransferSetAugmentation.newTexts(candidates, encodings: tokenizer.encode(candidates, maxLength: 32),
                                                                          existing: existing)
        #expect(kept == ["a bad film", "good"])
        #expect(duplicates == 3 && empty == 3)
    }

    @Test(arguments: [
        ("{p_mask: 1.5}", "stages[2].distill.augment.settings.p_mask: 1.5 is not a probability (0...1)"),
        ("{p_neighbour: -0.1}", "stages[2].distill.augment.settings.p_neighbour: -0.1 is not a probability (0...1)"),
        ("{p_ngram: 2}", "stages[2].distill.augment.settings.p_ngram: 2.0 is not a probability (0...1)"),
        ("{n_iter: 0}", "stages[2].distill.augment.settings.n_iter: 0 is not in 1...1000 (at least one copy per text)"),
        ("{p_mask: 0.6, p_neighbour: 0.6}", "stages[2].distill.augment.settings.p_neighbour: p_mask + p_neighbour is 1.2; both rules share one draw per word, so it must be at most 1"),
    ])
    func badSettingsAreRefusedWithTheirKeyPath(yaml: String, message: String) throws {
        #expect {
            _ = try augmenter(yaml, path: "stages[2].distill.augment.settings")
        } throws: { String(describing: $0) == message }
    }
}
