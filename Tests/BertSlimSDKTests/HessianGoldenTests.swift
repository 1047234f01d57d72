import BertSlimSDK
import Foundation
import Testing

/// `topHessianEigenvalue` (finite-difference Hessian-vector products in float32) against
/// PyTorch's exact ones (`torch.autograd.functional.hvp`, float64) and power iteration, on a
/// small BERT: the top eigenvalue of each encoder layer's Hessian with respect to its six Linear
/// weights, as Q-BERT ranks layers. Fixture: Fixtures/hessian-bert, from
/// scripts/make-hessian-fixtures.py (see its docstring).
@Suite("Hessian eigenvalue against PyTorch")
struct HessianGoldenTests {
    private struct Fixture: Decodable {
        struct Layer: Decodable {
            let parameters: [String]
            let eigenvalue: Double
            let second: Double
        }
        let inputIDs, attentionMask, tokenTypeIDs: [[Int32]]
        let labels: [Int32]
        let layers: [Layer]

        enum CodingKeys: String, CodingKey {
            case inputIDs = "input_ids", attentionMask = "attention_mask", tokenTypeIDs = "token_type_ids", labels, layers
        }
    }

    @Test("each layer's top eigenvalue is within 2 % of PyTorch's")
    func topEigenvalue() throws {
        let folder = try fixturePath("hessian-bert")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/hessian.json")))
        let model = try BertModel.load(directory: folder)
        let shape = [fixture.inputIDs.count, fixture.inputIDs[0].count]
        let batch = Batch(inputIDs: IntTensor(shape: shape, scalars: fixture.inputIDs.flatMap { $0 }),
                          attentionMask: IntTensor(shape: shape, scalars: fixture.attentionMask.flatMap { $0 }),
                          tokenTypeIDs: IntTensor(shape: shape, scalars: fixture.tokenTypeIDs.flatMap { $0 }))
        let labels = IntTensor(shape: [shape[0]], scalars: fixture.labels)
        let byName = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter) })
        for (index, layer) in fixture.layers.enumerated() {
            let parameters = try layer.parameters.map { try #require(byName[$0], "no parameter \($0)") }
            let result = topHessianEigenvalue(parameters: parameters) {
                crossEntropy(logits: model.forward(batch).logits!, labels: labels)
            }
            let error = abs(result.value - layer.eigenvalue) / abs(layer.eigenvalue)
            #expect(result.converged && error < 0.02,
                    "layer \(index): λ = \(result.value) after \(result.iterations) iterations, PyTorch \(layer.eigenvalue) (error \(error))")
        }
    }
}
