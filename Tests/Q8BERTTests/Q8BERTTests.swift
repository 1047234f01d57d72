import BertSlimSDK
import Foundation
import Testing
@testable import Q8BERT

/// max |a − b|
func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
    return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

/// A small random BERT with a two-class head (weights large enough that activations use
/// the int8 range).
func tinyBert(seed: UInt64 = 3, mpnet: Bool = false) -> BertModel {
    var config = BertConfig(vocabSize: 60, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64,
                            maxPositionEmbeddings: 16, labels: ["negative", "positive"])
    if mpnet {
        // MPNet's variant: relative-position bias, positions after the padding id (1), no token types.
        (config.modelType, config.relativeAttentionNumBuckets, config.typeVocabSize, config.padTokenID) = (.mpnet, 32, 0, 1)
    }
    let model = BertModel(config: config, seed: seed)
    for (_, p) in model.namedParameters where p.shape.count == 2 { p.value = p.value * 5 }
    return model
}

/// Random batches of `size` × `length` ids, the last sequence padded after 5 tokens.
func randomBatches(_ count: Int, size: Int = 3, length: Int = 9, vocabulary: Int = 60, seed: UInt64 = 1) -> [Batch] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let ids = (0..<(size * length)).map { _ in Int32(g.next() % UInt64(vocabulary)) }
        let mask = (0..<(size * length)).map { i in Int32(i / length == size - 1 && i % length >= 5 ? 0 : 1) }
        return Batch(inputIDs: IntTensor(shape: [size, length], scalars: ids), attentionMask: IntTensor(shape: [size, length], scalars: mask),
                     tokenTypeIDs: IntTensor(shape: [size, length], scalars: (0..<(size * length)).map { Int32($0 % length > 6 ? 1 : 0) }))
    }
}

func quantizer(_ json: String) throws -> Q8BERTQuantizer {
    let data = Data(json.utf8)
    let settings = try JSONDecoder().decode(Q8BERTQuantizer.Settings.self, from: data)
    return Q8BERTQuantizer(settings: settings, context: ComponentContext())
}

/// The outputs of `model` with `transform` installed, hidden states included.
func run(_ model: any Model, _ batch: Batch) throws -> ModelOutput {
    try withoutGradient { try model.forward(batch, request: [.hiddenStates], training: false) }
}

@Suite("Q8BERT: the int8 model equals its fake-quantized reference")
struct Q8BERTConversionTests {
    @Test("static quantization, per tensor and per channel", arguments: [false, true])
    func staticMatchesFakeQuant(perChannel: Bool) throws {
        let model = tinyBert()
        let q = try quantizer(#"{"mode": "static", "per_channel": \#(perChannel), "range": "max"}"#)
        try q.prepare(model)
        let calibration = randomBatches(4)
        try q.calibrate(model, batches: calibration)
        let observers = try #require(q.transform)
        let float = try withoutGradient { try { () throws -> ModelOutput in
            model.linearTransform = nil
            return try run(model, calibration[0])
        }() }
        let int8 = try #require(try q.convert(model) as? Int8BertModel)
        // Reference: the float model with every Linear input, weight and table fake-quantized at the same scales.
        model.linearTransform = FakeQuantTransform(rule: .max, decay: 0.9999, perChannel: perChannel, observing: .never,
                                                   quantizeActivations: true, quantizeWeights: true)
        let reference = model.linearTransform as! FakeQuantTransform
        for (_, p) in model.namedParameters { if let o = observers.observers[ObjectIdentifier(p)] { reference.adopt(o, for: p) } }
        for batch in calibration + randomBatches(2, seed: 9) {
            let expected = try run(model, batch), got = try run(int8, batch)
            for (l, (a, b)) in zip(got.hiddenStates, expected.hiddenStates).enumerated() {
                #expect(maxDifference(a, b) < 0.05, "hidden state \(l): \(maxDifference(a, b))")
            }
            let error = maxDifference(got.logits!, expected.logits!)
            #expect(error < 0.02, "logits differ by \(error)")
        }
        // The reference is not the float model: quantization changes the outputs far more than rounding ties do.
        let fakeQuant = try run(model, calibration[0]), int8Out = try run(int8, calibration[0])
        #expect(maxDifference(fakeQuant.hiddenStates.last!, float.hiddenStates.last!) > 4 * maxDifference(int8Out.hiddenStates.last!, fakeQuant.hiddenStates.last!))
    }

    @Test("dynamic quantization equals fake quantization with per-batch ranges (BERT, MPNet)", arguments: [false, true])
    func dynamicMatchesFakeQuant(mpnet: Bool) throws {
        let model = tinyBert(seed: 5, mpnet: mpnet)
        let q = try quantizer(#"{"mode": "dynamic"}"#)
        try q.prepare(model)
        let int8 = try #require(try q.convert(model) as? Int8BertModel)
        #expect(int8.dynamic)
        model.linearTransform = FakeQuantTransform(rule: .ema, decay: 0.9999, perChannel: false, observing: .never,
                                                   quantizeActivations: true, quantizeWeights: true, dynamicActivations: true)
        for batch in randomBatches(3, seed: 4) {
            let expected = try run(model, batch), got = try run(int8, batch)
            #expect(maxDifference(got.hiddenStates.last!, expected.hiddenStates.last!) < 0.05)
            #expect(maxDifference(got.logits!, expected.logits!) < 0.02)
        }
    }

    @Test("a saved int8 model reloads through the host's contract with identical outputs, and is smaller (BERT, MPNet)",
          arguments: [false, true])
    func saveAndReload(mpnet: Bool) throws {
        let model = tinyBert(seed: 7, mpnet: mpnet)
        let q = try quantizer(#"{"mode": "static"}"#)
        try q.prepare(model)
        try q.calibrate(model, batches: randomBatches(2))
        let int8 = try #require(try q.convert(model) as? Int8BertModel)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("q8bert-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try int8.save(to: folder)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/config.json"))) as! [String: Any]
        #expect(config["bertslim_component"] as? String == "q8bert-int8")
        let file = try SafetensorsFile(path: folder + "/model.safetensors")
        #expect(file.entry(named: "encoder.layer.1.intermediate.dense.weight")?.dtype == .i8)
        #expect(file.entry(named: "embeddings.word_embeddings.weight")?.dtype == .i8)
        #expect(file.entry(named: "encoder.layer.1.intermediate.dense.input_scale")?.dtype == .f32)
        #expect(file.entry(named: BertModel.relativeAttentionBiasName)?.dtype == (mpnet ? .f32 : nil))
        #expect((file.entry(named: "embeddings.token_type_embeddings.weight") == nil) == mpnet)
        let reloaded = try Int8BertModel(folder: folder)
        #expect(reloaded.labels == ["negative", "positive"] && reloaded.config.modelType == (mpnet ? .mpnet : .bert))
        for batch in randomBatches(2, seed: 11) {
            let a = try run(int8, batch), b = try run(reloaded, batch)
            #expect(a.logits!.scalars == b.logits!.scalars)
        }
        // Removing a scale is an error naming the file and tensor.
        var tensors = try file.values()
        tensors["pooler.dense.weight_scale"] = nil
        try SafetensorsFile.write(tensors, to: folder + "/model.safetensors")
        #expect { try reloaded.load(from: folder) } throws: { "\($0)".contains("model.safetensors") && "\($0)".contains("pooler.dense.weight_scale") }
        try Data("{\"hidden_size\": 4}".utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        #expect { try reloaded.load(from: folder) } throws: { "\($0)".contains("config.json") }
    }

    @Test("the settings the host builds q8bert with (bench infer --int8) are the ones the plugin declares")
    func hostContract() throws {
        #expect(Q8BERTQuantizer.Mode(rawValue: FirstPartyComponents.Q8BERT.dynamicMode) == .dynamic)
        #expect(Q8BERTQuantizer.Settings.keys.contains { $0.name == FirstPartyComponents.Q8BERT.modeKey })
    }

    @Test("quantizing a model that is not BERT is an error, not a trap")
    func notBert() throws {
        let q = try quantizer(#"{"mode": "qat"}"#)
        let int8 = try quantizer(#"{"mode": "dynamic"}"#).convert(tinyBert())
        #expect { try q.prepare(int8) } throws: { "\($0)".contains("q8bert") }
        #expect(throws: (any Error).self) { try quantizer(#"{"mode": "qat", "ema_decay": 1.5}"#) }
        #expect(throws: (any Error).self) { try quantizer(#"{"mode": "fp4"}"#) }
        // Asking a converted model for what it does not compute is an error.
        let model = tinyBert()
        let dynamic = try quantizer(#"{"mode": "dynamic"}"#)
        try dynamic.prepare(model)
        let converted = try dynamic.convert(model)
        #expect { _ = try converted.forward(randomBatches(1)[0], request: [.attentionProbabilities], training: false) } throws: {
            "\($0)".contains("attention")
        }
        let long = Batch(inputIDs: IntTensor(repeating: 1, shape: [1, 20]), attentionMask: IntTensor(repeating: 1, shape: [1, 20]),
                         tokenTypeIDs: IntTensor(repeating: 0, shape: [1, 20]))
        #expect { _ = try converted.forward(long, request: [], training: false) } throws: { "\($0)".contains("positions") }
    }
}

@Suite("Q8BERT: quantization-aware training")
struct Q8BERTTrainingTests {
    @Test("a checkpoint of a model in QAT keeps the activation ranges, so a resumed run goes on with them")
    func rangesSurviveACheckpoint() throws {
        let model = tinyBert(seed: 9)
        let q = try quantizer(#"{"mode": "qat"}"#)
        try q.prepare(model)
        try q.calibrate(model, batches: randomBatches(2))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("q8bert-ranges-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try model.save(to: folder)  // what the checkpoint store writes
        let resumed = tinyBert(seed: 9)
        let again = try quantizer(#"{"mode": "qat"}"#)
        try again.prepare(resumed)
        try resumed.load(from: folder)
        let weights = { (m: BertModel) in m.layers.flatMap { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.intermediate, $0.output] } }
        for (a, b) in zip(weights(model), weights(resumed)) {
            let saved = try #require(q.transform?.observers[ObjectIdentifier(a)]?.range)
            #expect(again.transform?.observers[ObjectIdentifier(b)]?.range == saved)
        }
    }

    @Test("observers keep Q8BERT's EMA of max|x|, seeded by the first batch")
    func emaObserver() {
        let o = RangeObserver(rule: .ema, decay: 0.9)
        o.observe(Tensor(shape: [2], scalars: [1, -4]))
        #expect(o.range == 4)
        o.observe(Tensor(shape: [2], scalars: [2, 0]))
        #expect(abs(o.range! - (0.9 * 4 + 0.1 * 2)) < 1e-6)
        #expect(abs(o.scale! - 127 / (0.9 * 4 + 0.1 * 2)) < 1e-4)
        let m = RangeObserver(rule: .max, decay: 0.9)
        m.observe(Tensor(shape: [1], scalars: [3])); m.observe(Tensor(shape: [1], scalars: [-5])); m.observe(Tensor(shape: [1], scalars: [1]))
        #expect(m.range == 5)
    }

    @Test("QAT: fake quantization in the forward pass, gradients reach every weight, ranges move only in training steps")
    func qatStep() throws {
        let model = tinyBert(seed: 9)
        let q = try quantizer(#"{"mode": "qat", "ema_decay": 0.5}"#)
        try q.prepare(model)
        let batch = randomBatches(1)[0]
        let labels = IntTensor(shape: [3], scalars: [0, 1, 1])
        let float: Tensor = try { model.linearTransform = nil; defer { model.linearTransform = q.transform }
                                  return try run(model, batch).logits! }()
        let loss = try crossEntropy(try model.forward(batch, request: [], training: false).logits!, labels: labels)
        loss.backward()
        for (name, p) in model.namedParameters {
            // The transform's ranges are state, not weights: listed (so checkpoints keep them), without gradient.
            if name.hasPrefix("linear_transform.") {
                #expect(name.hasSuffix(".input_range") && !p.requiresGrad && p.grad == nil, "\(name)")
            } else {
                #expect(p.grad != nil, "\(name) has no gradient")
            }
        }
        #expect(model.namedParameters.filter { $0.name.hasPrefix("linear_transform.") }.count == 2 * 6 + 2)
        let observer = try #require(q.transform?.observers[ObjectIdentifier(model.layers[0].intermediate)])
        let trained = observer.range
        _ = try run(model, randomBatches(1, seed: 77)[0])  // evaluation: no gradient, ranges frozen
        #expect(observer.range == trained)
        let quantized = try run(model, batch).logits!
        #expect(maxDifference(quantized, float) > 1e-4, "fake quantization changed nothing")
        let int8 = try #require(try q.convert(model) as? Int8BertModel)
        #expect(!int8.dynamic && model.linearTransform == nil)
        #expect(maxDifference(try run(int8, batch).logits!, quantized) < 0.02)
    }

    @Test("QAT's moving averages start from the float ranges calibration observes (the static ones), then move in training")
    func qatStartsFromCalibratedRanges() throws {
        let calibration = randomBatches(3, seed: 5)
        let (reference, trained) = (tinyBert(seed: 4), tinyBert(seed: 4))
        let staticQ = try quantizer(#"{"mode": "static"}"#), qat = try quantizer(#"{"mode": "qat", "ema_decay": 0.5}"#)
        try staticQ.prepare(reference)
        try staticQ.calibrate(reference, batches: calibration)
        try qat.prepare(trained)
        try qat.calibrate(trained, batches: calibration)
        let layer = ObjectIdentifier(trained.layers[1].output)
        let start = try #require(qat.transform?.observers[layer]?.range)
        #expect(start == staticQ.transform?.observers[ObjectIdentifier(reference.layers[1].output)]?.range)
        #expect(start > 0)
        _ = try trained.forward(randomBatches(1, seed: 6)[0], request: [], training: true)  // a training step folds in by EMA
        #expect(qat.transform?.observers[layer]?.range != start)
    }
}
