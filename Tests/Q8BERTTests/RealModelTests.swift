import BertSlimSDK
import Foundation
import Testing
@testable import Q8BERT

/// The repository's `assets/` (fetched by `make assets`).
let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("assets").path

/// Movie-review sentences from the training split, encoded with MiniLM's tokenizer.
func realBatches(_ count: Int, size: Int = 8, skip: Int = 0) throws -> [Batch] {
    let directory = assets + "/model/minilm-l6"
    let tokenizer = try WordPieceTokenizer(directory: directory)
    let lines = try String(contentsOfFile: assets + "/data/mr/train.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
    let texts = lines.map { String($0.split(separator: "\t").first ?? "") }
    return (0..<count).map { i in
        tokenizer.encodeBatch(Array(texts[(skip + i * size)..<(skip + (i + 1) * size)]), maxLength: 48)
    }
}

@Suite("Q8BERT on the real MiniLM-L6")
struct RealModelTests {
    /// Each int8 layer is fed the reference's own input, so rounding differences do not
    /// compound across layers, and the biases are made representable in int32 at S_w·S_x: what
    /// is left (oneDNN's GELU against SlimTensor's flipping a rare value by one step) must be
    /// far below what quantization itself changes. (With float biases, the int32 bias rounding
    /// Q8BERT's int8 model makes moves layer outputs by about a tenth of the quantization error.)
    @Test("static int8 MiniLM layers equal their fake-quantized reference on real sentences")
    func realMiniLM() throws {
        let model = try BertModel.load(directory: assets + "/model/minilm-l6")
        let q = try quantizer(#"{"mode": "static", "range": "max"}"#)
        try q.prepare(model)
        try q.calibrate(model, batches: try realBatches(4))
        let observers = try #require(q.transform)
        let batch = try realBatches(1, skip: 200)[0]
        model.linearTransform = nil
        // Biases made exactly representable as int32 at S_w·S_x, so the float reference and
        // the int8 model add the same bias (Q8BERT rounds it only in the int8 model).
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter) })
        for (name, weight) in named where name.hasSuffix(".weight") && weight.shape.count == 2 && !name.hasPrefix("embeddings") {
            guard let bias = named[String(name.dropLast(6)) + "bias"], let sx = observers.observers[ObjectIdentifier(weight)]?.scale else { continue }
            let step = symmetricScale(maxAbs: maxAbs(weight.value)) * sx
            bias.value = Tensor(shape: bias.shape, scalars: bias.value.scalars.map { ($0 * step).rounded(.toNearestOrEven) / step })
        }
        let int8 = try #require(try q.convert(model) as? Int8BertModel)
        let reference = FakeQuantTransform(rule: .max, decay: 0.9999, perChannel: false, observing: .never,
                                           quantizeActivations: true, quantizeWeights: true)
        for (_, p) in model.namedParameters { if let o = observers.observers[ObjectIdentifier(p)] { reference.adopt(o, for: p) } }
        model.linearTransform = reference
        let expected = try run(model, batch)
        #expect(maxDifference(try run(int8, batch).hiddenStates[0], expected.hiddenStates[0]) < 1e-5, "int8 embeddings")
        let mask = Tensor(shape: [batch.size, batch.length], scalars: batch.attentionMask.scalars.map { $0 != 0 ? 0 : -Float.greatestFiniteMagnitude })
        for (l, layer) in int8.layers.enumerated() {
            let x = expected.hiddenStates[l]
            let (got, _) = layer.forward(x, quantize(x, scale: try #require(layer.qkv.inputScale)), mask: mask, bias: nil, nextScale: nil)
            model.linearTransform = nil
            let float = withoutGradient { model.layers[l].forward(x, mask: mask).hidden }
            model.linearTransform = reference
            let rounding = meanDifference(got, expected.hiddenStates[l + 1])
            let quantization = meanDifference(expected.hiddenStates[l + 1], float)
            print("layer \(l): mean |int8 − fake-quant| \(rounding), mean |fake-quant − float| \(quantization)")
            #expect(rounding * 100 < quantization, "layer \(l): rounding \(rounding) vs quantization \(quantization)")
        }
    }
}

/// mean |a − b|
func meanDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(max(a.count, 1))
}
