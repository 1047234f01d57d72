import BertSlimSDK
import Testing

@Suite struct ActivationTests {
    /// Values in [-3, 3) kept at least 0.05 away from 0, where ReLU's kink would spoil
    /// finite differences.
    func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor(shape: shape, scalars: testValues(shape, seed: seed).scalars.map { 3 * $0 + ($0 < 0 ? -0.05 : 0.05) })
    }

    @Test func activationGradients() {
        let x = awayFromZero([3, 7], seed: 1)
        checkGradients([x]) { gelu($0[0]) }
        checkGradients([x]) { tanh($0[0]) }
        checkGradients([x]) { sigmoid($0[0]) }
        checkGradients([x]) { relu($0[0]) }
    }

    @Test func reluKeepsPositivesAndNaN() {
        let y = relu(Tensor(shape: [4], scalars: [-1, 0, 2.5, .nan]))
        #expect(Array(y.scalars.prefix(3)) == [0, 0, 2.5])
        #expect(y.scalars[3].isNaN)
    }

    @Test func saturatedActivationsStayFinite() {
        let x = Tensor(shape: [4], scalars: [-200, -30, 30, 200])
        #expect(tanh(x).scalars == [-1, -1, 1, 1])
        let s = sigmoid(x).scalars
        #expect(s[0] >= 0 && s[0] < 1e-30 && s[1] < 1e-12 && s[2] == 1 && s[3] == 1)
        expectClose(gelu(x).scalars, [0, 0, 30, 200], atol: 1e-6, rtol: 1e-6)
    }
}

@Suite struct DropoutTests {
    @Test func rateZeroIsIdentity() {
        var generator = SeededGenerator(seed: 1)
        let x = testValues([5, 5]).requiringGrad()
        let y = dropout(x, rate: 0, generator: &generator)
        #expect(y.scalars == x.scalars)
        #expect(y.debugNode === x.debugNode)
        #expect(generator.state == SeededGenerator(seed: 1).state)
    }

    @Test func dropsAboutRateAndScalesTheRest() {
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.ones([200, 100])
        let y = dropout(x, rate: 0.3, generator: &generator)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        let fraction = Double(kept.count) / Double(x.count)
        #expect(abs(fraction - 0.7) < 0.01, "kept \(fraction)")
        var again = SeededGenerator(seed: 2)
        #expect(dropout(x, rate: 0.3, generator: &again).scalars == y.scalars)
        #expect(dropout(x, rate: 0.3, generator: &again).scalars != y.scalars)  // the stream moved on
    }

    @Test func rateOneDropsEverything() {
        var generator = SeededGenerator(seed: 3)
        #expect(dropout(testValues([4, 4]), rate: 1, generator: &generator).scalars.allSatisfy { $0 == 0 })
    }

    @Test func gradientUsesTheForwardMask() {
        let x = testValues([6, 9], seed: 4)
        checkGradients([x]) { inputs in
            var generator = SeededGenerator(seed: 5)
            return dropout(inputs[0], rate: 0.4, generator: &generator)
        }
        // The gradient is zero exactly where the output was dropped.
        var generator = SeededGenerator(seed: 5)
        let leaf = x.requiringGrad()
        let y = dropout(leaf, rate: 0.4, generator: &generator)
        sum(y).backward()
        let grad = leaf.grad?.scalars ?? []
        #expect(zip(y.scalars, grad).allSatisfy { ($0 == 0) == ($1 == 0) })
    }
}
