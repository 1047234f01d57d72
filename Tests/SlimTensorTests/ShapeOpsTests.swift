import BertSlimSDK
import Testing

@Suite struct ShapeOpsTests {
    @Test func concatJoinsBlocksInOrder() {
        let a = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 2], scalars: [5, 6, 7, 8, 9, 10, 11, 12])
        let c = concat([a, b], axis: 1)
        #expect(c.shape == [2, 3, 2])
        #expect(c.scalars == [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        #expect(concat([a, a], axis: -1).scalars == [1, 2, 1, 2, 3, 4, 3, 4])
        #expect(concat([a, a], axis: 0).scalars == [1, 2, 3, 4, 1, 2, 3, 4])
    }

    @Test func concatGradients() {
        let inputs = [testValues([2, 3, 4], seed: 1), testValues([2, 1, 4], seed: 2), testValues([2, 2, 4], seed: 3)]
        checkGradients(inputs) { concat($0, axis: 1) }
        checkGradients([testValues([3, 2], seed: 4), testValues([3, 5], seed: 5)]) { concat($0, axis: -1) }
        checkGradients([testValues([1, 4], seed: 6), testValues([2, 4], seed: 7)]) { concat($0, axis: 0) }
    }

    @Test func sliceCutsAlongAnAxis() {
        let x = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        #expect(x.slice(axis: 1, range: 1..<3).scalars == [2, 3, 4, 5, 8, 9, 10, 11])
        #expect(x.slice(axis: -1, range: 0..<1).scalars == [0, 2, 4, 6, 8, 10])
        #expect(x.slice(axis: 0, range: 1..<2).scalars == Array((6..<12).map(Float.init)))
        #expect(x.slice(axis: 1, range: 2..<2).shape == [2, 0, 2])
    }

    @Test func sliceGradients() {
        checkGradients([testValues([3, 5, 2], seed: 8)]) { $0[0].slice(axis: 1, range: 1..<4) }
        checkGradients([testValues([4, 3], seed: 9)]) { $0[0].slice(axis: 0, range: 0..<1) }
        // The slice of a concat is the original piece again.
        let a = testValues([2, 3], seed: 10), b = testValues([2, 4], seed: 11)
        expectClose(concat([a, b], axis: 1).slice(axis: 1, range: 3..<7), b)
    }

    @Test func headsSplitAndMerge() {
        // x[b, t, h·D + d] = 1000b + 100t + 10h + d, so the layout is readable.
        let (b, t, h, d) = (2, 3, 4, 2)
        var values: [Float] = []
        for bi in 0..<b { for ti in 0..<t { for hi in 0..<h { for di in 0..<d {
            values.append(Float(1000 * bi + 100 * ti + 10 * hi + di))
        } } } }
        let x = Tensor(shape: [b, t, h * d], scalars: values)
        let heads = splitHeads(x, heads: h)
        #expect(heads.shape == [b, h, t, d])
        // heads[1, 2, 1, :] = x[1, 1, 2·D ..< 3·D]
        let offset = ((1 * h + 2) * t + 1) * d
        #expect(Array(heads.scalars[offset..<(offset + d)]) == [1120, 1121])
        #expect(mergeHeads(heads).scalars == values)
        checkGradients([testValues([2, 3, 6], seed: 12)]) { splitHeads($0[0], heads: 3) }
        checkGradients([testValues([2, 3, 4, 2], seed: 13)]) { mergeHeads($0[0]) }
    }

    @Test func maxAndArgmax() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 5, -2, -7, -3])
        #expect(argmax(x) == [1, 0])  // first of the tied maxima
        #expect(max(x).scalars == [5, -2])
        #expect(argmax(x, axis: 0) == [0, 0, 0])
        #expect(max(x, axis: 0).scalars == [1, 5, 5])
        #expect(argmax(Tensor(shape: [3], scalars: [1, .nan, 2])) == [1])  // NaN wins, as in PyTorch
        checkGradients([testValues([3, 5], seed: 14)]) { max($0[0]) }
        checkGradients([testValues([4, 3, 2], seed: 15)]) { max($0[0], axis: 1) }
    }
}
