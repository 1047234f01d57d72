@testable import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `tinybert-augment` augmenter, and the embedding neighbours it shares with `tang-rules`
/// (multi-piece words through the mean of their pieces' rows).
@Suite("TinyBERT augmenter")
struct TinyBERTAugmenterTests {
    func augmenter(_ yaml: String) throws -> (any Augmenter, EmbeddingNeighbours, [String]) {
        let setup = try TangAugmenterTests.setup.get()
        var context = ComponentContext(labelCount: 2, teacher: HeldTeacher(setup.teacher), seed: 1)
        context.tokenizer = setup.tokenizer
        let augmenter = try firstPartyHost().make("tinybert-augment", as: (any Augmenter).self, config: .yaml(yaml), context: context)
        let neighbours = try EmbeddingNeighbours(embeddings: setup.teacher.wordEmbeddings.value, tokenizer: setup.tokenizer, count: 4,
                                                 multiPieceWords: true, component: "test")
        return (augmenter, neighbours, setup.words)
    }

    @Test func wordsAreReplacedAtRatePtByTheirCandidates() throws {
        let (augmenter, neighbours, words) = try self.augmenter("{p_t: 0.4, n_a: 20, candidates: 4}")
        var g = SeededGenerator(seed: 12)
        let originals = (0..<300).map { _ in (0..<10).map { _ in words[Int(g.next() % UInt64(words.count))] } }
        neighbours.prepare(Set(originals.joined()))
        let out = try augmenter.augment(originals.map { $0.joined(separator: " ") }, seed: 3)
        var (positions, replaced) = (0, 0)
        for (original, copies) in zip(originals, out) {
            #expect(copies.count == 20)
            for copy in copies {
                let after = copy.split(separator: " ").map(String.init)
                #expect(after.count == original.count)
                for (word, before) in zip(after, original) {
                    positions += 1
                    guard word != before else { continue }
                    replaced += 1
                    #expect(neighbours.neighbours(of: before).contains(word), "\(before) → \(word)")
                }
            }
        }
        let (n, p) = (Double(positions), 0.4)
        #expect(abs(Double(replaced) - n * p) <= 5 * (n * p * (1 - p)).squareRoot(), "\(replaced) of \(positions)")
        #expect(try augmenter.augment(["a film"], seed: 3) == augmenter.augment(["a film"], seed: 3))
    }

    @Test func aMultiPieceWordsNeighboursAreNearestToTheMeanOfItsPieces() throws {
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "film", "##s", "movie", "good", "bad", "2002"]
        let tokenizer = try WordPieceTokenizer(vocabulary: try Vocabulary(tokens: tokens))
        // 2-d rows: film and ##s average to (1, 1)/√2·…, which is movie's direction; good and bad are elsewhere.
        var rows = [Float](repeating: 0, count: tokens.count * 2)
        for (token, row) in [("film", [1, 0]), ("##s", [0, 1]), ("movie", [1, 1.05]), ("good", [-1, 0.2]), ("bad", [-1, -0.3]), ("2002", [1, 1])] {
            let id = tokens.firstIndex(of: token)!
            rows[2 * id] = Float(row[0])
            rows[2 * id + 1] = Float(row[1])
        }
        let table = Tensor(shape: [tokens.count, 2], scalars: rows)
        let single = try EmbeddingNeighbours(embeddings: table, tokenizer: tokenizer, count: 2, component: "test")
        let multi = try EmbeddingNeighbours(embeddings: table, tokenizer: tokenizer, count: 2, multiPieceWords: true, component: "test")
        for neighbours in [single, multi] { neighbours.prepare(["films", "film", "good", "2002", "zzz"]) }
        #expect(single.neighbours(of: "films") == [])
        #expect(multi.neighbours(of: "films") == ["movie", "film"])
        #expect(multi.neighbours(of: "film") == ["movie", "bad"] || multi.neighbours(of: "film") == ["movie", "good"])
        #expect(multi.neighbours(of: "good").first == "bad")
        #expect(multi.neighbours(of: "2002") == [] && multi.neighbours(of: "zzz") == [])
    }

    @Test func badSettingsAreRefusedWithTheirKeyPath() throws {
        for (yaml, message) in [("{p_t: 1.5}", "p_t: 1.5 is not a probability (0...1)"), ("{n_a: 0}", "n_a: 0 is not in 1...1000"),
                                ("{candidates: 0}", "candidates: 0 is not in 1...1000")] {
            #expect { _ = try self.augmenter(yaml) } throws: { "\($0)".contains(message) }
        }
    }
}
