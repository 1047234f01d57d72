import BertSlimSDK
import Foundation
import Testing

@Suite struct LossTests {
    let labels = IntTensor(shape: [5], scalars: [2, -100, 0, 3, 2])

    @Test func crossEntropyIsTheMeanOverLabelledRows() throws {
        let logits = scale(testValues([5, 4], seed: 1), by: 3)
        let rows = logits.scalars
        var total = 0.0, counted = 0.0
        for (r, label) in labels.scalars.enumerated() where label != -100 {
            let row = rows[r * 4..<(r + 1) * 4].map(Double.init)
            let lse = log(row.map { exp($0) }.reduce(0, +))
            total += lse - row[Int(label)]
            counted += 1
        }
        expectClose([try crossEntropy(logits, labels: labels).item], [Float(total / counted)])
    }

    @Test func crossEntropyGradients() throws {
        try checkGradients([scale(testValues([5, 4], seed: 2), by: 3)]) { try crossEntropy($0[0], labels: labels) }
        let grid = IntTensor(shape: [2, 3], scalars: [1, 7, 0, 7, 6, 2])
        try checkGradients([testValues([2, 3, 8], seed: 3)]) { try crossEntropy($0[0], labels: grid, ignoreIndex: 7) }
    }

    @Test func crossEntropyWithEveryRowIgnoredIsZero() throws {
        let logits = testValues([2, 3], seed: 4).requiringGrad()
        let loss = try crossEntropy(logits, labels: IntTensor(repeating: -100, shape: [2]))
        #expect(loss.item == 0)
        loss.backward()
        #expect(logits.grad?.scalars.allSatisfy { $0 == 0 } == true)
    }

    /// crossEntropy used to stop the process on a label past the logits' classes.
    @Test func crossEntropyThrowsOnALabelOutOfRange() throws {
        let logits = Tensor.zeros([2, 3])
        #expect(throws: LossError.labelOutOfRange(label: 3, row: 1, classes: 3)) {
            try crossEntropy(logits, labels: IntTensor(shape: [2], scalars: [0, 3]))
        }
        #expect(throws: LossError.labelOutOfRange(label: -2, row: 0, classes: 3)) {
            try crossEntropy(logits, labels: IntTensor(shape: [2], scalars: [-2, 1]))
        }
        #expect(String(describing: LossError.labelOutOfRange(label: 3, row: 1, classes: 3))
                == "crossEntropy: label 3 (row 1) is not in 0..<3, the classes the logits have")
        #expect(try crossEntropy(logits, labels: IntTensor(shape: [2], scalars: [0, -100])).item > 0)
    }

    @Test func softCrossEntropyGradients() throws {
        let targets = softmax(testValues([3, 5], seed: 5))
        checkGradients([scale(testValues([3, 5], seed: 6), by: 2), targets]) {
            softCrossEntropy(logits: $0[0], targets: $0[1])
        }
        // With one-hot targets it is the ordinary cross-entropy.
        let logits = testValues([3, 5], seed: 7)
        let hard = IntTensor(shape: [3], scalars: [4, 0, 2])
        let oneHot = Tensor(shape: [3, 5], scalars: (0..<15).map { $0 % 5 == Int(hard.scalars[$0 / 5]) ? 1 : 0 })
        expectClose([softCrossEntropy(logits: logits, targets: oneHot).item], [try crossEntropy(logits, labels: hard).item])
    }

    @Test func klDivergenceIsBatchMeanWithZeroTargetsIgnored() {
        let q = logSoftmax(testValues([2, 3, 4], seed: 8))
        var p = softmax(testValues([2, 3, 4], seed: 9))
        p.withUnsafeMutableBufferPointer { $0[5] = 0 }
        let (qs, ps) = (q.scalars, p.scalars)
        var total = 0.0
        for i in 0..<ps.count where ps[i] > 0 { total += Double(ps[i]) * (log(Double(ps[i])) - Double(qs[i])) }
        expectClose([klDivergence(logInput: q, target: p).item], [Float(total / 2)])  // N = first axis
        // KL(p ‖ p) = 0.
        expectClose([klDivergence(logInput: logSoftmax(q), target: softmax(q)).item], [0], atol: 1e-6)
    }

    @Test func klDivergenceGradients() {
        let p = shift(scale(testValues([3, 4], seed: 10), by: 0.1), by: 0.25)  // positive, away from 0
        checkGradients([logSoftmax(testValues([3, 4], seed: 11)), p], h: 1e-3) {
            klDivergence(logInput: $0[0], target: $0[1])
        }
    }

    @Test func mseGradients() {
        let (a, b) = (testValues([4, 3], seed: 12), testValues([4, 3], seed: 13))
        let expected = zip(a.scalars, b.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 12
        expectClose([mseLoss(a, b).item], [Float(expected)])
        checkGradients([a, b]) { mseLoss($0[0], $0[1]) }
    }
}
