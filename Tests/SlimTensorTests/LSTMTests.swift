import BertSlimSDK
import Foundation
import Testing

// The lstm op against torch.nn.LSTM (golden files from scripts/make-lstm-fixtures.py), against
// finite differences, and — at every instruction-set level this CPU supports — against the plain
// Swift recurrence in LSTMReference.swift, so each compiled variant of the fused gate loops is
// checked, including their vector tails and saturated gates.

private struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

private struct LSTMCase: Decodable {
    let name: String
    let bidirectional: Bool
    let lengths: [Int]?
    let inputs: [String: FixtureTensor]
    let upstream: [String: FixtureTensor?]
    let output: [String: FixtureTensor]
    let grads: [String: FixtureTensor]
}

private let goldenCases: [LSTMCase] = {
    guard let url = Bundle.module.url(forResource: "lstm", withExtension: "json", subdirectory: "Fixtures"),
          let data = try? Data(contentsOf: url) else { return [] }
    return (try? JSONDecoder().decode([LSTMCase].self, from: data)) ?? []
}()

/// One direction's weights from torch names (`weight_ih_l0`, … with `suffix` "_reverse").
private func weights(_ leaves: [String: Tensor], suffix: String) -> LSTMWeights? {
    guard let wih = leaves["weight_ih_l0\(suffix)"], let whh = leaves["weight_hh_l0\(suffix)"] else { return nil }
    return LSTMWeights(weightIH: wih, weightHH: whh, biasIH: leaves["bias_ih_l0\(suffix)"], biasHH: leaves["bias_hh_l0\(suffix)"])
}

@Suite struct LSTMTests {
    @Test func goldenFileIsThere() {
        #expect(goldenCases.count == 6, "Fixtures/lstm.json missing or unreadable: run scripts/make-lstm-fixtures.py")
    }

    @Test("output, final states and every gradient match torch.nn.LSTM", arguments: supportedISALevels)
    func matchesPyTorch(isa: KernelISA) throws {
        for c in goldenCases {
            KernelISA.withCap(isa) {
                let leaves = c.inputs.mapValues { $0.tensor.requiringGrad() }
                guard let forward = weights(leaves, suffix: "") else { Issue.record("\(c.name): no weights"); return }
                let reverse = weights(leaves, suffix: "_reverse")
                #expect((reverse != nil) == c.bidirectional, "\(c.name)")
                let result = lstm(leaves["x"]!, forward, reverse: reverse, lengths: c.lengths)
                let outputs = ["output": result.output, "h_n": result.hidden, "c_n": result.cell]
                for (name, expected) in c.output {
                    expectClose(outputs[name]!, expected.tensor, atol: 2e-6, rtol: 1e-5, "\(isa) \(c.name) \(name)")
                }
                let terms = c.upstream.compactMap { name, u in u.map { sum(outputs[name]! * $0.tensor) } }
                terms.dropFirst().reduce(terms[0], +).backward()
                for (name, expected) in c.grads {
                    guard let grad = leaves[name]?.grad else { Issue.record("\(c.name): no gradient for \(name)"); continue }
                    expectClose(grad, expected.tensor, atol: 1e-5, rtol: 1e-4, "\(isa) \(c.name) d\(name)")
                }
            }
        }
    }

    @Test("gradients of a tiny bidirectional cell match finite differences")
    func finiteDifferences() {
        var g = SeededGenerator(seed: 3)
        let f = LSTMWeights.random(inputSize: 2, hiddenSize: 3, using: &g)
        let r = LSTMWeights.random(inputSize: 2, hiddenSize: 3, using: &g)
        let inputs = [testValues([2, 3, 2], seed: 4)] + [f, r].flatMap { [$0.weightIH, $0.weightHH, $0.biasIH!, $0.biasHH!] }
        checkGradients(inputs, h: 1e-2, atol: 1e-3, rtol: 1e-2) { t in
            let out = lstm(t[0], LSTMWeights(weightIH: t[1], weightHH: t[2], biasIH: t[3], biasHH: t[4]),
                           reverse: LSTMWeights(weightIH: t[5], weightHH: t[6], biasIH: t[7], biasHH: t[8]), lengths: [3, 2])
            return concat([out.output.reshaped([-1]), out.hidden.reshaped([-1]), out.cell.reshaped([-1])], axis: 0)
        }
    }

    static let referenceShapes: [LSTMReference.Shape] = [
        .init(batch: 3, steps: 5, input: 7, hidden: 19, lengths: [5, 0, 3], scale: 1),
        .init(batch: 5, steps: 9, input: 33, hidden: 37, lengths: [9, 1, 4, 9, 7], scale: 1),
        // one sequence (a latency-bound BiLSTM student at batch 1)
        .init(batch: 1, steps: 6, input: 9, hidden: 37, lengths: [6], scale: 1),
        // weights large enough to saturate every gate: the loops must stay finite and exact there
        .init(batch: 2, steps: 4, input: 5, hidden: 21, lengths: [4, 3], scale: 12),
    ]

    @Test("fused loops at every ISA level against the plain recurrence", arguments: referenceShapes, supportedISALevels)
    func matchesPlainReference(shape: LSTMReference.Shape, isa: KernelISA) {
        let problem = LSTMReference.Problem(shape, seed: 11)
        let expected = problem.reference()
        let got = KernelISA.withCap(isa) { problem.run() }
        for (name, a, b) in zip3(LSTMReference.Result.names, got, expected.all) {
            expectClose(a, b.map(Float.init), atol: 2e-5, rtol: 1e-4, "\(isa) \(shape) \(name)")
        }
        // Inference takes its own path (packed per-direction projections, nothing kept).
        let inferred = KernelISA.withCap(isa) { withoutGradient { problem.run(recording: false) } }
        for (name, a, b) in zip3(LSTMReference.Result.names.prefix(3).map { "\($0) without gradients" }, inferred, expected.all) {
            expectClose(a, b.map(Float.init), atol: 2e-5, rtol: 1e-4, "\(isa) \(shape) \(name)")
        }
    }

    @Test("a mask skips steps wherever they are: left padding gives right padding's results")
    func maskSkipsSteps() {
        var g = SeededGenerator(seed: 5)
        let (f, r) = (LSTMWeights.random(inputSize: 4, hiddenSize: 6, using: &g), LSTMWeights.random(inputSize: 4, hiddenSize: 6, using: &g))
        let x = testValues([2, 5, 4], seed: 6)
        let right = lstm(x, f, reverse: r, lengths: [5, 3])
        // The second sequence moved to the end of its row, behind two masked (garbage) steps.
        var shifted = x.scalars
        for t in 0..<3 { for i in 0..<4 { shifted[(5 + 2 + t) * 4 + i] = x.scalars[(5 + t) * 4 + i] } }
        for t in 0..<2 { for i in 0..<4 { shifted[(5 + t) * 4 + i] = 100 } }
        let mask = IntTensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1])
        let left = lstm(Tensor(shape: [2, 5, 4], scalars: shifted), f, reverse: r, mask: mask)
        expectClose(left.hidden, right.hidden, atol: 1e-6, rtol: 1e-6)
        expectClose(left.cell, right.cell, atol: 1e-6, rtol: 1e-6)
        let rightSecond = Array(right.output.scalars[60..<(60 + 36)]), leftSecond = Array(left.output.scalars[(60 + 24)...])
        expectClose(leftSecond, rightSecond, atol: 1e-6, rtol: 1e-6)
        #expect(left.output.scalars[60..<(60 + 24)].allSatisfy { $0 == 0 })
    }

    @Test("inference gives the training forward's values and records nothing")
    func inferenceMatchesTraining() {
        var g = SeededGenerator(seed: 7)
        let w = LSTMWeights.random(inputSize: 3, hiddenSize: 5, using: &g)
        let p = Parameter(w.weightHH)
        let x = testValues([2, 4, 3], seed: 8)
        let trained = lstm(x, LSTMWeights(weightIH: w.weightIH, weightHH: p.tensor, biasIH: w.biasIH, biasHH: w.biasHH), lengths: [4, 2])
        #expect(trained.output.requiresGrad && trained.hidden.requiresGrad)
        let inferred = withoutGradient {
            lstm(x, LSTMWeights(weightIH: w.weightIH, weightHH: p.tensor, biasIH: w.biasIH, biasHH: w.biasHH), lengths: [4, 2])
        }
        #expect(!inferred.output.requiresGrad)
        // (inference projects each direction on its own packed weights: the same sums in another order)
        expectClose(inferred.output, trained.output, atol: 1e-6, rtol: 1e-6)
        expectClose(inferred.hidden, trained.hidden, atol: 1e-6, rtol: 1e-6)
        sum(trained.hidden).backward()
        #expect(p.grad != nil && p.grad!.scalars.contains { $0 != 0 })
    }

    @Test("frozen weights get no gradient and change no other")
    func frozenWeights() {
        var g = SeededGenerator(seed: 12)
        let (f, r) = (LSTMWeights.random(inputSize: 3, hiddenSize: 4, using: &g), LSTMWeights.random(inputSize: 3, hiddenSize: 4, using: &g))
        let x = testValues([2, 3, 3], seed: 13)
        func gradients(freezing frozen: Bool) -> (x: [Float], hh: [Float], ih: Tensor?) {
            let (leaf, wih, whh) = (x.requiringGrad(), frozen ? f.weightIH : f.weightIH.requiringGrad(), f.weightHH.requiringGrad())
            let out = lstm(leaf, LSTMWeights(weightIH: wih, weightHH: whh, biasIH: f.biasIH, biasHH: f.biasHH), reverse: r, lengths: [3, 2])
            sum(out.output * testValues(out.output.shape, seed: 14)).backward()
            return (leaf.grad!.scalars, whh.grad!.scalars, wih.grad)
        }
        let (all, frozen) = (gradients(freezing: false), gradients(freezing: true))
        #expect(all.ih != nil && frozen.ih == nil)
        #expect(frozen.x == all.x && frozen.hh == all.hh)
    }

    @Test("empty batches and zero-length sequences give zeros")
    func emptyInputs() {
        var g = SeededGenerator(seed: 9)
        let (f, r) = (LSTMWeights.random(inputSize: 3, hiddenSize: 4, using: &g), LSTMWeights.random(inputSize: 3, hiddenSize: 4, using: &g))
        let none = lstm(Tensor.zeros([0, 5, 3]), f, reverse: r)
        #expect(none.output.shape == [0, 5, 8] && none.hidden.shape == [2, 0, 4])
        let x = testValues([2, 3, 3], seed: 10).requiringGrad()
        let out = lstm(x, f, reverse: r, lengths: [0, 3])
        #expect(out.output.scalars[0..<24].allSatisfy { $0 == 0 })
        #expect([0, 1].allSatisfy { d in out.hidden.scalars[(d * 2 * 4)..<(d * 2 * 4 + 4)].allSatisfy { $0 == 0 } })
        sum(out.output).backward()
        #expect(x.grad!.scalars[0..<9].allSatisfy { $0 == 0 } && x.grad!.scalars[9...].contains { $0 != 0 })
    }
}

private func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] {
    (0..<min(a.count, b.count, c.count)).map { (a[$0], b[$0], c[$0]) }
}
