import BertSlimSDK
import Foundation
import Testing

/// Ids against Hugging Face `tokenizers`, from fixtures written by scripts/check-tokenizer.py.
@Suite struct TokenizerParityTests {
    struct Case: Decodable {
        var text: String
        var pair: String?
        var max_length: Int?
        var ids: [Int32]
        var type_ids: [Int32]
    }

    @Test func sampleSentencesMatchTokenizers() throws {
        let tokenizer = try miniLMTokenizer()
        let data = try Data(contentsOf: URL(fileURLWithPath: try fixturePath("tokenizer-sample.jsonl")))
        let cases = try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Case.self, from: Data($0)) }
        #expect(cases.count > 250)
        for (line, example) in cases.enumerated() {
            let encoding = tokenizer.encode(example.text, pair: example.pair, maxLength: example.max_length ?? 100_000)
            #expect(encoding.ids == example.ids,
                    "line \(line + 1) \(example.text.debugDescription): \(tokenizer.tokenize(example.text))")
            #expect(encoding.tokenTypeIDs == example.type_ids, "line \(line + 1)")
        }
    }

    @Test func batchEncodingMatchesOneAtATime() throws {
        let tokenizer = try miniLMTokenizer()
        let data = try Data(contentsOf: URL(fileURLWithPath: try fixturePath("tokenizer-sample.jsonl")))
        let cases = try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Case.self, from: Data($0)) }
        let texts = cases.map(\.text)
        let batch = tokenizer.encode(texts, maxLength: 64)
        #expect(batch == texts.map { tokenizer.encode($0, maxLength: 64) })
    }

    /// Every code point through basic tokenisation as "x" + c + "x", against the run-length
    /// coded answers of `tokenizers` (lower-casing, accents, controls, punctuation, CJK).
    @Test func everyCodePointMatchesTokenizers() throws {
        let text = try String(contentsOfFile: try fixturePath("unicode-sweep.txt"), encoding: .utf8)
        var expected: [UInt32: [String]] = [:]
        expected.reserveCapacity(0x110000)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            let start = try #require(UInt32(fields[0], radix: 16), "bad line \(line)")
            if fields[1] == "=" {
                expected[start] = fields.dropFirst(2).map { word in
                    String(String.UnicodeScalarView(word.split(separator: ".").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }))
                }
                continue
            }
            let end = try #require(UInt32(fields[1], radix: 16), "bad line \(line)")
            for cp in start...end {
                guard let scalar = Unicode.Scalar(cp) else { continue }
                let c = String(scalar)
                switch fields[2] {
                case "keep": expected[cp] = ["x" + c + "x"]
                case "drop": expected[cp] = ["xx"]
                case "space": expected[cp] = ["x", "x"]
                case "isolate": expected[cp] = ["x", c, "x"]
                case "hangul": expected[cp] = ["x" + hangulJamo(cp) + "x"]
                default: Issue.record("unknown kind in \(line)")
                }
            }
        }
        #expect(expected.count == 0x110000 - 0x800, "the sweep covers every scalar")

        // Chunks joined by spaces (which cannot interact with their neighbours) keep this fast;
        // a chunk that differs is re-run one code point at a time to name the culprit.
        let basic = BasicTokenization.uncased
        let scalars = expected.keys.sorted()
        var failures = 0
        for chunkStart in stride(from: 0, to: scalars.count, by: 4096) {
            let chunk = scalars[chunkStart..<min(chunkStart + 4096, scalars.count)]
            let joined = chunk.map { "x" + String(Unicode.Scalar($0)!) + "x" }.joined(separator: " ")
            guard basic.words(joined) != chunk.flatMap({ expected[$0]! }) else { continue }
            for cp in chunk {
                let words = basic.words("x" + String(Unicode.Scalar(cp)!) + "x")
                if words != expected[cp]!, failures < 60 {
                    failures += 1
                    Issue.record("U+\(String(cp, radix: 16, uppercase: true)): \(words.map(\.unicodeScalars).map { Array($0) }) vs \(expected[cp]!.map(\.unicodeScalars).map { Array($0) })")
                }
            }
        }
    }

    /// Unicode 3.12's arithmetic decomposition of a Hangul syllable into jamo.
    func hangulJamo(_ cp: UInt32) -> String {
        let index = cp - 0xAC00
        var scalars = String.UnicodeScalarView()
        scalars.append(Unicode.Scalar(0x1100 + index / 588)!)
        scalars.append(Unicode.Scalar(0x1161 + index % 588 / 28)!)
        if index % 28 != 0 { scalars.append(Unicode.Scalar(0x11A7 + index % 28)!) }
        return String(scalars)
    }
}
