import BertSlimSDK
import Foundation
import Testing

/// Training re-packs a layer's weights after every optimizer step (the next inference reads
/// them packed); the oneDNN primitives made for the old packing must go with it, or the cache
/// and the process grow step after step.
@Suite struct PrimitiveCacheTests {
    @Test("1,000 optimizer steps with an inference pass after each keep the primitive cache and RSS bounded")
    func repackingStaysBounded() throws {
        let config = BertConfig(vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2,
                                intermediateSize: 32, maxPositionEmbeddings: 16, labels: ["a", "b"])
        let model = BertModel(config: config, seed: 3)
        let ids = IntTensor(shape: [2, 8], scalars: (0..<16).map { Int32(1 + $0 % 39) })
        let batch = Batch(inputIDs: ids, attentionMask: IntTensor(shape: [2, 8], scalars: [Int32](repeating: 1, count: 16)),
                          tokenTypeIDs: IntTensor(shape: [2, 8], scalars: [Int32](repeating: 0, count: 16)),
                          labels: IntTensor(shape: [2], scalars: [0, 1]))
        let optimizer = try AdamW(parameters: model.namedParameters.map(\.parameter), learningRate: 1e-3)
        var countAfterWarmUp = 0, residentAfterWarmUp = 0
        for step in 1...1000 {
            for p in model.namedParameters { p.parameter.zeroGrad() }
            crossEntropy(logits: model.forward(batch).logits!, labels: batch.labels!).backward()
            optimizer.step()
            _ = withoutGradient { model.forward(batch) }  // packs the changed weights again
            if step == 50 { (countAfterWarmUp, residentAfterWarmUp) = (PrimitiveCache.count, residentBytes()) }
        }
        // A leak would add this model's 14 packed layers' primitives every step (over 13,000);
        // the slack is for tests running alongside, which cache primitives of their own shapes.
        #expect(PrimitiveCache.count - countAfterWarmUp < 500, "primitives: \(countAfterWarmUp) after 50 steps, \(PrimitiveCache.count) after 1000")
        let growth = residentBytes() - residentAfterWarmUp
        #expect(growth < 256 << 20, "resident memory grew \(growth >> 20) MiB over 950 steps")
    }
}

/// This process's resident set, from /proc/self/statm.
private func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}
