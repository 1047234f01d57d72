import BertSlimSDK
import Testing

@Suite struct AutogradTests {
    @Test func broadcastArithmeticGradients() {
        checkGradients([testValues([2, 3, 4], seed: 1), testValues([3, 1], seed: 2)]) { $0[0] * $0[1] + $0[1] }
        checkGradients([testValues([2, 3, 4], seed: 3), testValues([4], seed: 4)]) { $0[0] - $0[1] }
        checkGradients([testValues([2, 3], seed: 5), shift(testValues([2, 3], seed: 6), by: 3)]) { $0[0] / $0[1] }
    }

    @Test func matmulGradients() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = testValues(ta ? [2, 4, 3] : [2, 3, 4], seed: 7)
            let b = testValues(tb ? [2, 5, 4] : [2, 4, 5], seed: 8)
            checkGradients([a, b]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb, alpha: 0.5) }
            let shared = testValues(tb ? [5, 4] : [4, 5], seed: 9)
            checkGradients([a, shared]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
    }

    @Test func matmulMatchesReference() {
        let a = testValues([3, 7, 5], seed: 10), b = testValues([5, 6], seed: 11)
        let c = matmul(a, b)
        var expected = [Float](repeating: 0, count: 3 * 7 * 6)
        let (x, w) = (a.scalars, b.scalars)
        for batch in 0..<3 { for i in 0..<7 { for j in 0..<6 {
            var s: Float = 0
            for k in 0..<5 { s += x[batch * 35 + i * 5 + k] * w[k * 6 + j] }
            expected[batch * 42 + i * 6 + j] = s
        } } }
        expectClose(c.scalars, expected)
    }

    @Test func linearGradients() {
        checkGradients([testValues([2, 3, 4], seed: 12), testValues([5, 4], seed: 13), testValues([5], seed: 14)]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test func shapeAndReduceGradients() {
        checkGradients([testValues([2, 3, 4], seed: 15)]) { $0[0].permuted([2, 0, 1]).reshaped([4, 6]) }
        checkGradients([testValues([2, 3, 4], seed: 16)]) { sum($0[0], axes: [1]) }
        checkGradients([testValues([2, 3, 4], seed: 17)]) { mean($0[0], axes: [0, 2], keepingDimensions: true) }
    }

    @Test func graphIsReleasedAfterBackward() {
        let p = Parameter(testValues([4, 4]))
        weak var node: AnyObject?
        do {
            let y = matmul(p.tensor, p.tensor)
            node = y.debugNode
            sum(y).backward()
        }
        #expect(node == nil)
        #expect(p.grad != nil)
    }
}
