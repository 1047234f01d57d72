import BertSlimSDK
import Foundation
import Testing

/// The real MiniLM-L6 checkpoint against transformers' outputs
/// (`scripts/make-bert-fixtures.py`: 16 inputs, pairs, padding, two over 128 tokens).
@Suite struct BertParityTests {
    static let modelDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("../../assets/model/minilm-l6").standardized

    @Test(.enabled(if: FileManager.default.fileExists(atPath: modelDirectory.path), "run scripts/fetch-assets.sh"))
    func hiddenStatesAttentionAndPoolerMatchTransformers() throws {
        let model = try BertModel.load(directory: Self.modelDirectory.path)
        let fixture = try SafetensorsFile(path: Bundle.module.path(forResource: "minilm-parity", ofType: "safetensors", inDirectory: "Fixtures")!)
        for b in 0..<2 {
            func ints(_ name: String) throws -> IntTensor {
                let array = try fixture.integers(named: "batch\(b).\(name)", as: Int32.self)
                return IntTensor(shape: array.shape, scalars: array.scalars)
            }
            let batch = Batch(inputIDs: try ints("input_ids"), attentionMask: try ints("attention_mask"),
                              tokenTypeIDs: try ints("token_type_ids"))
            let out = try withoutGradient { try model.forward(batch, request: [.hiddenStates, .attentionProbabilities], training: false) }
            #expect(out.hiddenStates.count == 7 && out.attentionProbabilities.count == 6)
            var worst: Float = 0
            for i in 0..<batch.size {
                let n = batch.attentionMask.scalars[(i * batch.length)..<((i + 1) * batch.length)].reduce(0) { $0 + Int($1) }
                for (l, h) in out.hiddenStates.enumerated() {
                    let mine = h.slice(axis: 0, range: i..<(i + 1)).slice(axis: 1, range: 0..<n).reshaped([n, -1])
                    worst = max(worst, maxDifference(mine, try fixture.tensor(named: "batch\(b).example\(i).hidden\(l)")))
                }
                for (l, a) in out.attentionProbabilities.enumerated() {
                    let heads = a.shape[1]
                    let mine = a.slice(axis: 0, range: i..<(i + 1)).slice(axis: 2, range: 0..<n).slice(axis: 3, range: 0..<n)
                        .reshaped([heads, n, n])
                    worst = max(worst, maxDifference(mine, try fixture.tensor(named: "batch\(b).example\(i).attention\(l)")))
                }
            }
            worst = max(worst, maxDifference(out.pooled!, try fixture.tensor(named: "batch\(b).pooled")))
            #expect(worst <= 1e-4, "batch \(b): max |BertSlim − transformers| = \(worst)")
        }
    }
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
    return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
