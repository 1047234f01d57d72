import BertSlimSDK
import Foundation
import Testing

/// MPNet, BERT's variant with a relative-position bias, against transformers
/// (`scripts/make-mpnet-fixtures.py`): a committed random 2-layer classifier on every run, the real
/// all-mpnet-base-v2 when `make assets-large` has fetched it.
@Suite struct MPNetTests {
    static func tiny() throws -> BertModel { try BertModel.load(directory: try fixturePath("tiny-mpnet")) }
    static func fixture() throws -> SafetensorsFile { try SafetensorsFile(path: try fixturePath("tiny-mpnet-parity.safetensors")) }

    static func ints(_ file: SafetensorsFile, _ name: String) throws -> IntTensor {
        let array = try file.integers(named: name, as: Int32.self)
        return IntTensor(shape: array.shape, scalars: array.scalars)
    }

    static func batch(_ file: SafetensorsFile) throws -> Batch {
        let ids = try ints(file, "input_ids")
        return Batch(inputIDs: ids, attentionMask: try ints(file, "attention_mask"), tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape))
    }

    /// Tokens of example i (its attention mask's ones).
    static func length(_ batch: Batch, _ i: Int) -> Int {
        batch.attentionMask.scalars[(i * batch.length)..<((i + 1) * batch.length)].reduce(0) { $0 + Int($1) }
    }

    @Test func configReadsTheVariant() throws {
        let model = try Self.tiny()
        #expect(model.config.modelType == .mpnet && model.config.relativeAttentionNumBuckets == 32)
        #expect(model.config.layerNormEps == 1e-5 && model.config.padTokenID == 1 && model.config.labels == ["negative", "positive"])
        #expect(model.config.maxSequenceLength == 160 - 2)
        #expect(model.relativeAttentionBias?.shape == [32, 4])
        #expect(!model.namedParameters.contains { $0.name.contains("token_type") })
        #expect(model.namedParameters.map(\.name) == BertModel.parameterNames(config: model.config))
    }

    @Test func bucketsMatchTransformers() throws {
        let expected = try Self.fixture().integers(named: "buckets", as: Int32.self)
        #expect(expected.shape == [150, 150])
        // Distances up to 149 cross the logarithmic range and the saturation at 128.
        #expect(try Self.tiny().relativePositionBuckets(length: 150) == expected.scalars)
    }

    @Test(arguments: [false, true])
    func hiddenStatesAttentionAndLogitsMatchTransformers(fused: Bool) throws {
        let model = try Self.tiny()
        let file = try Self.fixture()
        let batch = try Self.batch(file)
        // Without attention probabilities asked for, inference takes the fused kernel.
        let request: OutputRequest = fused ? [.hiddenStates] : [.hiddenStates, .attentionProbabilities]
        let out = try withoutGradient { try model.forward(batch, request: request, training: false) }
        var worst: Float = 0
        for i in 0..<batch.size {
            let n = Self.length(batch, i)
            for (l, h) in out.hiddenStates.enumerated() {
                let mine = h.slice(axis: 0, range: i..<(i + 1)).slice(axis: 1, range: 0..<n).reshaped([n, -1])
                worst = max(worst, maxDifference(mine, try file.tensor(named: "example\(i).hidden\(l)")))
            }
            for (l, a) in out.attentionProbabilities.enumerated() {
                let mine = a.slice(axis: 0, range: i..<(i + 1)).slice(axis: 2, range: 0..<n).slice(axis: 3, range: 0..<n).reshaped([4, n, n])
                worst = max(worst, maxDifference(mine, try file.tensor(named: "example\(i).attention\(l)")))
            }
        }
        #expect(out.hiddenStates.count == 3 && out.attentionProbabilities.count == (fused ? 0 : 2))
        worst = max(worst, maxDifference(out.logits!, try file.tensor(named: "logits")))
        #expect(worst <= 1e-4, "max |BertSlim − transformers| = \(worst) (fused: \(fused))")
    }

    @Test func theBiasTableGetsItsGradient() throws {
        let model = try Self.tiny()
        let batch = try Self.batch(Self.fixture())
        let table = try #require(model.relativeAttentionBias)
        func loss() throws -> Tensor {
            let logits = try model.forward(batch, request: [], training: false).logits!
            return sum(logits * logits)
        }
        try loss().backward()
        let grad = try #require(table.grad)
        // Central differences in Double of the float loss at a few entries: near and far buckets, both directions.
        for (bucket, head) in [(0, 0), (3, 1), (15, 2), (17, 3), (31, 0)] {
            let index = bucket * 4 + head
            let saved = table.value.scalars[index]
            let h: Float = 1e-2
            func at(_ v: Float) throws -> Double {
                var values = table.value.scalars
                values[index] = v
                table.value = Tensor(shape: table.shape, scalars: values)
                return Double(try withoutGradient { try loss() }.scalars[0])
            }
            let numeric = (try at(saved + h) - (try at(saved - h))) / Double(2 * h)
            _ = try at(saved)
            let analytic = Double(grad.scalars[index])
            #expect(abs(numeric - analytic) <= 2e-2 * max(1, abs(numeric)), "bucket \(bucket) head \(head): \(analytic) vs \(numeric)")
        }
    }

    @Test func removingHeadsKeepsTheirBiasColumns() throws {
        let removed: [Int: [Int]] = [0: [1], 1: [0, 3]]
        let batch = try Self.batch(Self.fixture())
        let gates = (0..<2).map { l in Tensor(shape: [4], scalars: (0..<4).map { (removed[l] ?? []).contains($0) ? 0 : 1 }) }
        let reference = try withoutGradient { try Self.tiny().forward(batch, request: [], headGates: gates, training: false).logits! }
        let model = try Self.tiny()
        try model.pruneHeads(removed)
        #expect(model.layers.map(\.heads) == [3, 2] && model.relativeAttentionBias?.shape == [32, 4])
        let logits = try withoutGradient { try model.forward(batch, request: [], training: false).logits! }
        #expect(maxDifference(logits, reference) <= 1e-5)
        // The general path (attention probabilities kept) agrees with the fused one.
        let general = try withoutGradient { try model.forward(batch, request: [.attentionProbabilities], training: false).logits! }
        #expect(maxDifference(general, logits) <= 1e-5)
    }

    @Test func savesUnderMPNetNamesAndReloads() throws {
        let model = try Self.tiny()
        let original = try SafetensorsFile(path: try fixturePath("tiny-mpnet/model.safetensors"))
        #expect(Set(model.exportedTensors().keys) == Set(original.names))
        try withTemporaryDirectory { directory in
            try model.save(to: directory, tokenizerDirectory: nil)
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))) as! [String: Any]
            #expect(config["model_type"] as? String == "mpnet" && config["architectures"] as? [String] == ["MPNetForSequenceClassification"])
            #expect(config["relative_attention_num_buckets"] as? Int == 32 && config["type_vocab_size"] == nil)
            let reloaded = try BertModel.load(directory: directory)
            let batch = try Self.batch(Self.fixture())
            let a = try withoutGradient { try model.forward(batch, request: [], training: false).logits! }
            let b = try withoutGradient { try reloaded.forward(batch, request: [], training: false).logits! }
            #expect(maxDifference(a, b) == 0)
        }
    }

    @Test func pairsNeedRoomForBothSeparators() throws {
        let vocabulary = try Vocabulary(tokens: ["<s>", "<pad>", "</s>", "[UNK]", "good", "bad"])
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, specialTokens: .mpnet)
        #expect(tokenizer.minimumLength(pair: true) == 4 && tokenizer.minimumLength(pair: false) == 2)
        #expect(tokenizer.encode("good", pair: "bad", maxLength: 16).ids == [0, 4, 2, 2, 5, 2])
        #expect(tokenizer.encode("good", pair: "bad", maxLength: 4).ids == [0, 2, 2, 2])
        // No segment types, as transformers' MPNetTokenizer: a BERT reading MPNet's tokens sees zeros.
        #expect(tokenizer.encode("good", pair: "bad", maxLength: 16).tokenTypeIDs == [0, 0, 0, 0, 0, 0])
    }

    @Test func lowBitPackingRefusesMPNet() throws {
        let model = try Self.tiny()
        #expect(throws: ComponentError.self) {
            try LowBitBertModel(converting: model, component: "q-bert") { _, w in
                try quantizeGroupwise(w, spec: LowBitSpec(bits: 8, groups: 1, scheme: .symmetric))
            }
        }
    }

    @Test func configsOfTheWrongVariantAreRefused() throws {
        let base = try String(contentsOfFile: try fixturePath("tiny-mpnet/config.json"), encoding: .utf8)
        let cases: [(String, String)] = [
            (base.replacingOccurrences(of: "\"mpnet\"", with: "\"roberta\""), "model_type: unknown model type 'roberta' (BertSlim runs 'bert' and 'mpnet')"),
            (base.replacingOccurrences(of: "\"mpnet\"", with: "\"bert\""), "relative_attention_num_buckets: is not a field of model_type 'bert'"),
            (base.replacingOccurrences(of: "\"layer_norm_eps\"", with: "\"type_vocab_size\": 2, \"layer_norm_eps\""),
             "type_vocab_size: is not a field of model_type 'mpnet'"),
            (base.replacingOccurrences(of: "\"relative_attention_num_buckets\": 32", with: "\"relative_attention_num_buckets\": 2"),
             "relative_attention_num_buckets: 2 is not in 4...1048576"),
        ]
        try withTemporaryDirectory { directory in
            for (text, message) in cases {
                let path = try write(text, to: "config.json", in: directory)
                #expect(throws: BertError.self) { try BertConfig(path: path) }
                do { _ = try BertConfig(path: path) } catch { #expect("\(error)" == "\(path): \(message)") }
            }
        }
    }

    // MARK: - all-mpnet-base-v2 (make assets-large)

    static let baseDirectory = assetsPath + "/model/mpnet-base"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: baseDirectory + "/model.safetensors"),
                   "all-mpnet-base-v2 is absent: run `make assets-large`"))
    func baseModelMatchesTransformers() throws {
        let model = try BertModel.load(directory: Self.baseDirectory)
        #expect(model.config.numHiddenLayers == 12 && model.config.hiddenSize == 768 && model.parameterCount > 109_000_000)
        let file = try SafetensorsFile(path: try fixturePath("mpnet-base-parity.safetensors"))
        let batch = try Self.batch(file)
        let out = try withoutGradient { try model.forward(batch, request: [.hiddenStates], training: false) }
        var worst: Float = 0
        for i in 0..<batch.size {
            let n = Self.length(batch, i)
            for l in [0, 1, 6, 12] {
                let mine = out.hiddenStates[l].slice(axis: 0, range: i..<(i + 1)).slice(axis: 1, range: 0..<n).reshaped([n, -1])
                worst = max(worst, maxDifference(mine, try file.tensor(named: "example\(i).hidden\(l)")))
            }
        }
        worst = max(worst, maxDifference(out.pooled!, try file.tensor(named: "pooled")))
        #expect(worst <= 1e-4, "max |BertSlim − transformers| = \(worst)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: baseDirectory + "/vocab.txt"),
                   "all-mpnet-base-v2 is absent: run `make assets-large`"))
    func baseTokenizerMatchesTransformers() throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.baseDirectory)
        #expect(tokenizer.specialTokens.pairSeparators == 2 && tokenizer.paddingID == 1)
        let file = try SafetensorsFile(path: try fixturePath("mpnet-base-parity.safetensors"))
        let ids = try Self.ints(file, "input_ids")
        let t = ids.shape[1]
        let examples: [(String, String?)] = [
            ("a gripping, beautifully acted drama.", nil), ("the plot is thin and the jokes fall flat", nil),
            ("i loved it", "i hated it"), ("Un film très ennuyeux, mais l'actrice est géniale!", nil),
            ("One of the year's best films — smart, funny and moving.", nil), ("meh", nil),
        ]
        for (i, (text, pair)) in examples.enumerated() {
            let mine = tokenizer.encode(text, pair: pair, maxLength: 512).ids
            let expected = Array(ids.scalars[(i * t)..<((i + 1) * t)].prefix(Self.length(try Self.batch(file), i)))
            #expect(mine == expected, "example \(i)")
        }
    }
}
