import BertSlimHost
import Foundation
import Testing

/// The `sixteen-heads` pruner: importance against transformers on the real MiniLM-L6
/// (`scripts/make-head-importance-fixture.py`), pruning order, limits and settings.
// Serialized: two MiniLM scorings at once in one process came out wrong (the shared oneDNN stream
// and cached primitives in CSlimKernels/matmul.c are not safe to execute concurrently).
@Suite("Sixteen Heads", .serialized)
struct SixteenHeadsTests {
    static let modelDirectory = TestEnvironment.packageRoot.appendingPathComponent("assets/model/minilm-l6").path
    static let fixturePath = TestEnvironment.fixtureSources.appendingPathComponent("head-importance.safetensors").path
    static var hasModel: Bool { FileManager.default.fileExists(atPath: modelDirectory + "/model.safetensors") }

    /// MiniLM-L6 with the fixture's classification head, and the fixture's four batches.
    static func miniLM() throws -> (BertModel, [Batch], SafetensorsFile) {
        let fixture = try SafetensorsFile(path: fixturePath)
        let model = try BertModel.load(directory: modelDirectory)
        model.addClassifier(labels: ["negative", "positive"], seed: 0)
        model.classifierWeight?.value = try fixture.tensor(named: "classifier.weight")
        model.classifierBias?.value = try fixture.tensor(named: "classifier.bias")
        let batches = try (0..<4).map { b -> Batch in
            func ints(_ name: String) throws -> IntTensor {
                let array = try fixture.integers(named: "batch\(b).\(name)", as: Int32.self)
                return IntTensor(shape: array.shape, scalars: array.scalars)
            }
            return Batch(inputIDs: try ints("input_ids"), attentionMask: try ints("attention_mask"),
                         tokenTypeIDs: try ints("token_type_ids"), labels: try ints("labels"))
        }
        return (model, batches, fixture)
    }

    static func pruner(_ yaml: String = "{}", context: ComponentContext = ComponentContext()) throws -> any Pruner {
        try firstPartyHost().make("sixteen-heads", as: (any Pruner).self, config: .yaml(yaml), context: context)
    }

    /// The scores as a (layers, heads) matrix, for a model with every head.
    static func matrix(_ scores: PruningScores, layers: Int) throws -> [Float] {
        try (0..<layers).flatMap { try #require(scores.groups["encoder.layer.\($0).attention.heads"]).scalars }
    }

    @Test(.enabled(if: hasModel, "run scripts/fetch-assets.sh"), arguments: [
        ("{normalize_by_layer: false, normalize_globally: false}", "importance.raw"),
        ("{normalize_globally: false}", "importance.layer"),
        ("{}", "importance.normalized"),
    ])
    func importanceMatchesTransformersHeadMaskGradients(settings: String, golden: String) throws {
        let (model, batches, fixture) = try Self.miniLM()
        let scores = try Self.pruner(settings).score(model, batches: batches)
        let mine = try Self.matrix(scores, layers: 6)
        let theirs = try fixture.tensor(named: golden).scalars
        let scale = theirs.map(abs).max() ?? 1
        let worst = zip(mine, theirs).map { abs($0 - $1) / scale }.max() ?? 0
        #expect(mine.count == 72 && worst <= 1e-4, "\(golden): max |BertSlim − transformers| / max = \(worst)")
        // scoring leaves no gradient behind and every weight trainable
        #expect(model.namedParameters.allSatisfy { $0.parameter.grad == nil && $0.parameter.requiresGrad })
    }

    @Test(.enabled(if: hasModel, "run scripts/fetch-assets.sh"))
    func pruneHeadsGivesTransformersLogits() throws {
        let (model, batches, fixture) = try Self.miniLM()
        try model.pruneHeads([0: [0, 5, 11], 2: [3], 5: Array(1...11)])
        try model.pruneHeads([0: [5, 6], 3: [7]])
        #expect(model.config.prunedHeads == [0: [0, 5, 6, 11], 2: [3], 3: [7], 5: Array(1...11)])
        let logits = try withoutGradient { try model.forward(batches[0], request: [], training: false).logits! }
        let golden = try fixture.tensor(named: "pruned.logits")
        #expect(logits.shape == golden.shape)
        let worst = zip(logits.scalars, golden.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4, "max |logit difference| = \(worst)")
        #expect(model.parameterCount == 21_876_770)   // transformers' count after the same pruning
    }

    @Test(.enabled(if: hasModel, "run scripts/fetch-assets.sh"))
    func aStepRemovesTheLowestScoringHeadsOverAllLayers() throws {
        let (model, batches, fixture) = try Self.miniLM()
        let pruner = try Self.pruner()
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: batches), target: 0.25)
        let golden = try fixture.tensor(named: "importance.normalized").scalars
        let lowest = Set(golden.indices.sorted { golden[$0] < golden[$1] }.prefix(18))
        let removed = Set(model.config.prunedHeads.flatMap { layer, heads in heads.map { layer * 12 + $0 } })
        #expect(removed == lowest)
        #expect(model.headCount == 54 && result.parameterCountBefore - result.parameterCountAfter == 18 * (4 * 384 * 32 + 3 * 32))
        #expect(result.removed.values.reduce(0) { $0 + $1.count } == 18)
        // the target counts from the unpruned model: 0.25 again removes nothing
        let again = try pruner.prune(model, scores: try pruner.score(model, batches: [batches[0]]), target: 0.25)
        #expect(again.removed.isEmpty && model.headCount == 54)
    }

    /// A two-layer random BERT with a head, and one labelled batch.
    static func tiny(seed: UInt64 = 5) -> (BertModel, Batch) {
        let config = BertConfig(vocabSize: 30, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 16, maxPositionEmbeddings: 8, labels: ["no", "yes"])
        let ids = IntTensor(shape: [3, 4], scalars: [2, 5, 6, 3, 2, 9, 3, 0, 2, 11, 12, 3])
        let batch = Batch(inputIDs: ids, attentionMask: IntTensor(shape: [3, 4], scalars: ids.scalars.map { $0 == 0 ? 0 : 1 }),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: [3, 4]), labels: IntTensor(shape: [3], scalars: [1, 0, 1]))
        return (BertModel(config: config, seed: seed), batch)
    }

    @Test func everyLayerKeepsItsMinimumHeads() throws {
        let (model, batch) = Self.tiny()
        let pruner = try Self.pruner("{min_heads_per_layer: 2}")
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.9)
        #expect(model.layers.map(\.heads) == [2, 2] && result.removed.count == 2)
        let keepOne = try Self.pruner()
        _ = try keepOne.prune(model, scores: try keepOne.score(model, batches: [batch]), target: 1)
        #expect(model.layers.map(\.heads) == [1, 1])
    }

    @Test func theSelectionLimitsPruningToItsLayers() throws {
        let (model, batch) = Self.tiny()
        let context = ComponentContext(selection: ParameterSelector(names: ["re:encoder\\.layer\\.1\\..*"]))
        let pruner = try Self.pruner(context: context)
        let scores = try pruner.score(model, batches: [batch])
        #expect(Array(scores.groups.keys) == ["encoder.layer.1.attention.heads"])
        _ = try pruner.prune(model, scores: scores, target: 0.5)
        #expect(model.layers.map(\.heads) == [4, 2])
    }

    @Test func distillationScoresAgainstTheTeachersLogits() throws {
        let (model, batch) = Self.tiny()
        let (other, _) = Self.tiny(seed: 9)
        let teacher = StaticTeacher(model: other)
        let scores = try Self.pruner("{loss: distillation, temperature: 2, normalize_globally: false}",
                                     context: ComponentContext(teacher: teacher)).score(model, batches: [batch])
        let layer0 = try #require(scores.groups["encoder.layer.0.attention.heads"]).scalars
        expectClose(layer0.map { $0 * $0 }.reduce(0, +), 1, rtol: 1e-5)   // L2-normalised per layer
        // against itself the distillation loss is at its minimum: every gradient vanishes
        let own = try Self.pruner("{loss: distillation, normalize_by_layer: false, normalize_globally: false}",
                                  context: ComponentContext(teacher: StaticTeacher(model: model))).score(model, batches: [batch])
        #expect(try Self.matrix(own, layers: 2).allSatisfy { abs($0) < 1e-6 })
        #expect(throws: ComponentError.self) { try Self.pruner("{loss: distillation}").score(model, batches: [batch]) }
    }

    @Test(arguments: [
        ("{min_heads_per_layer: 0}", "min_heads_per_layer"),
        ("{loss: hinge}", "loss"),
        ("{temperature: 0}", "temperature"),
        ("{normalise_by_layer: true}", "normalise_by_layer"),
    ])
    func badSettingsNameTheirKey(yaml: String, key: String) throws {
        #expect { try Self.pruner(yaml) } throws: { String(describing: $0).contains(key) }
    }

    @Test func aModelWithoutHeadsIsAClearError() throws {
        let (_, batch) = Self.tiny()
        #expect { try Self.pruner().score(NoHeads(), batches: [batch]) } throws: {
            String(describing: $0).contains("HeadPrunable")
        }
        #expect { try Self.pruner().score(Self.tiny().0, batches: []) } throws: {
            String(describing: $0).contains("calibration_batches")
        }
    }
}

/// A teacher around a fixed model.
final class StaticTeacher: Teacher {
    let model: any Model
    init(model: any Model) { self.model = model }
    init(settings: NoSettings, context: ComponentContext) throws { throw ComponentError("static-teacher", "made by tests only") }
}

/// A model with no attention heads.
final class NoHeads: Model {
    var namedParameters: [(name: String, parameter: Parameter)] { [] }
    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput { ModelOutput(logits: nil) }
    func save(to directory: String) throws {}
    func load(from directory: String) throws {}
}
