import BertSlimSDK
import Testing

@Suite struct EmbeddingTests {
    let ids = IntTensor(shape: [2, 3], scalars: [4, 0, 4, 2, 2, 4])  // repeats on purpose

    @Test func looksUpRows() {
        let table = testValues([5, 3], seed: 1)
        let out = embedding(ids, table: table)
        #expect(out.shape == [2, 3, 3])
        let t = table.scalars
        let expected = ids.scalars.flatMap { id in t[Int(id) * 3..<(Int(id) + 1) * 3] }
        #expect(out.scalars == expected)
    }

    @Test func denseGradientSumsRepeatedRows() {
        checkGradients([testValues([5, 3], seed: 2)]) { embedding(ids, table: $0[0]) }
    }

    @Test func parameterGetsRowGradientsEqualToTheDenseOnes() {
        let table = testValues([5, 3], seed: 3), weights = testValues([2, 3, 3], seed: 4)
        let leaf = table.requiringGrad()
        sum(embedding(ids, table: leaf) * weights).backward()
        let p = Parameter(table)
        sum(embedding(ids, table: p.tensor) * weights).backward()
        let dense = leaf.grad
        #expect(dense != nil && p.grad != nil)
        if let dense, let grad = p.grad { expectClose(grad, dense) }
        // Row 1 and 3 were never looked up.
        #expect(p.grad?.scalars[3..<6].allSatisfy { $0 == 0 } == true)
    }

    @Test func tiedParameterAccumulatesBothUses() {
        // The table is also the output projection (as BERT's MLM head ties them).
        let table = testValues([5, 3], seed: 5), weights = testValues([2, 3, 5], seed: 6)
        func loss(_ t: Tensor) -> Tensor { sum(matmul(embedding(ids, table: t), t, transposeB: true) * weights) }
        let leaf = table.requiringGrad()
        loss(leaf).backward()
        let p = Parameter(table)
        loss(p.tensor).backward()
        if let dense = leaf.grad, let grad = p.grad { expectClose(grad, dense) } else { Issue.record("missing gradient") }
        checkGradients([table]) { loss($0[0]) }
    }

    @Test func noGradientWhenNotRecording() {
        let p = Parameter(testValues([5, 3], seed: 7))
        let out = withoutGradient { embedding(ids, table: p.tensor) }
        #expect(!out.requiresGrad)
    }

    @Test func outOfRangeIdIsAPreconditionNamingIdAndVocabulary() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = embedding(IntTensor(shape: [2], scalars: [1, 7]), table: Tensor.zeros([5, 3]))
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("id 7") && message.contains("5 rows"), "stderr: \(message)")
        }
    }
}
