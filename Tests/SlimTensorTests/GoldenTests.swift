import BertSlimSDK
import Foundation
import Testing

// Forward values and gradients checked against PyTorch. The files come from
// scripts/make-fixtures.py (see its docstring for the format) and, for quantize.json,
// scripts/make-quantization-fixtures.py; never edit them by hand.

private struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

private struct FixtureInts: Decodable {
    let shape: [Int]
    let data: [Int32]
    var tensor: IntTensor { IntTensor(shape: shape, scalars: data) }
}

private enum Attribute: Decodable {
    case number(Double), flag(Bool)
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .flag(flag) } else { self = .number(try container.decode(Double.self)) }
    }
}

private struct FixtureCase: Decodable {
    let name: String
    let op: String
    let attrs: [String: Attribute]
    let inputs: [String: FixtureTensor]
    let ints: [String: FixtureInts]
    let upstream: FixtureTensor?
    let output: FixtureTensor
    let grads: [String: FixtureTensor]

    func number(_ key: String, default value: Double) -> Double {
        if case .number(let n)? = attrs[key] { return n }
        return value
    }
    func flag(_ key: String) -> Bool {
        if case .flag(let f)? = attrs[key] { return f }
        return false
    }
}

/// Runs the op a case names, on inputs that require gradients where the case has them.
private func evaluate(_ c: FixtureCase, _ x: [String: Tensor]) throws -> Tensor {
    func input(_ name: String) throws -> Tensor { try #require(x[name], "\(c.name): no input \(name)") }
    switch c.op {
    case "matmul":
        return matmul(try input("a"), try input("b"), transposeA: c.flag("transposeA"),
                      transposeB: c.flag("transposeB"), alpha: Float(c.number("alpha", default: 1)))
    case "softmax": return softmax(try input("x"), additiveMask: x["mask"])
    case "logSoftmax": return logSoftmax(try input("x"))
    case "layerNorm":
        return layerNorm(try input("x"), gamma: try input("gamma"), beta: try input("beta"),
                         eps: Float(c.number("eps", default: 1e-5)))
    case "gelu": return gelu(try input("x"))
    case "tanh": return tanh(try input("x"))
    case "sigmoid": return sigmoid(try input("x"))
    case "crossEntropy":
        let labels = try #require(c.ints["labels"]?.tensor)
        return try crossEntropy(try input("logits"), labels: labels, ignoreIndex: Int32(c.number("ignoreIndex", default: -100)))
    case "softCrossEntropy": return softCrossEntropy(logits: try input("logits"), targets: try input("targets"))
    case "klDivergence": return klDivergence(logInput: try input("logInput"), target: try input("target"))
    case "mseLoss": return mseLoss(try input("a"), try input("b"))
    case "l2Normalize":
        return l2Normalize(try input("x"), axis: Int(c.number("axis", default: -1)),
                           eps: Float(c.number("eps", default: 1e-12)))
    case "cosineSimilarity":
        return cosineSimilarity(try input("a"), try input("b"), axis: Int(c.number("axis", default: -1)),
                                eps: Float(c.number("eps", default: 1e-8)))
    case "fakeQuantize": return fakeQuantize(try input("x"), scale: Float(c.number("scale", default: 1)))
    case "fakeQuantizeRows": return fakeQuantize(try input("w"), rowScales: try input("rowScales").scalars)
    case "int8Linear":
        let x = try input("x")
        let (wq, ws) = quantizeWeight(try input("w"), perChannel: c.flag("perChannel"))
        let layer = try #require(Int8Linear(weight: wq, weightScales: ws, bias: try input("b")))
        return layer(quantize(x, scale: symmetricScale(maxAbs: maxAbs(x))))
    default:
        Issue.record("\(c.name): unknown op \(c.op) in fixture")
        return Tensor(0)
    }
}

@Suite struct GoldenTests {
    @Test(arguments: ["matmul", "softmax", "layer_norm", "activations", "cross_entropy", "kl_divergence",
                      "regression_losses", "normalize", "quantize"])
    func matchesPyTorch(file: String) throws {
        let url = try #require(Bundle.module.url(forResource: file, withExtension: "json", subdirectory: "Fixtures"),
                               "missing fixture \(file).json: run scripts/make-fixtures.py")
        let cases = try JSONDecoder().decode([FixtureCase].self, from: Data(contentsOf: url))
        #expect(!cases.isEmpty)
        for c in cases {
            var leaves: [String: Tensor] = [:]
            for (name, t) in c.inputs { leaves[name] = c.grads[name] != nil ? t.tensor.requiringGrad() : t.tensor }
            let out = try evaluate(c, leaves)
            // Near-zero values (probabilities of masked positions, GELU's far left tail) are
            // compared absolutely; everything else relatively.
            expectClose(out, c.output.tensor, atol: 1e-6, rtol: 1e-5, "\(c.name) output")
            if c.grads.isEmpty { continue }  // forward-only case
            let objective = c.upstream.map { sum(out * $0.tensor) } ?? out
            objective.backward()
            for (name, expected) in c.grads {
                let grad = try #require(leaves[name]?.grad, "\(c.name): no gradient for \(name)")
                expectClose(grad, expected.tensor, atol: 1e-6, rtol: 1e-5, "\(c.name) d\(name)")
            }
        }
    }
}
