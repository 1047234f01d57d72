@testable import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

@Suite("Teacher output cache")
struct TeacherOutputCacheTests {
    @Test func cachedOutputsEqualTheTeachersForABatchPaddedDifferently() throws {
        let teacher = tinyBert(layers: 2)
        let request: OutputRequest = [.hiddenStates, .attentionProbabilities]
        let cache = TeacherOutputCache(request: request)
        let rows: [[Int32]] = [[2, 7, 9, 3], [2, 11, 3], [2, 5, 6, 8, 3]]
        func run(_ batch: Batch) throws -> ModelOutput { try withoutGradient { try teacher.forward(batch, request: request, training: false) } }
        let first = tokenBatch(rows, indices: [10, 11, 12])
        _ = try cache.outputs(for: first) { try run(first) }
        // The same examples in another order and padded longer, as a later epoch's batch.
        let later = tokenBatch([rows[2], rows[0]], indices: [12, 10], length: 7)
        var ran = false
        let cached = try cache.outputs(for: later) { ran = true; return try run(later) }
        #expect(!ran && cache.teacherBatches == 1 && cache.cachedBatches == 1)
        let direct = try run(later)
        for (a, b) in zip(cached.logits!.scalars, direct.logits!.scalars) { expectClose(a, Double(b), atol: 1e-5) }
        let lengths = [5, 4], (t, h) = (7, 16)
        #expect(cached.hiddenStates.count == 3 && cached.hiddenStates[0].shape == [2, t, h])
        for (layer, states) in cached.hiddenStates.enumerated() {
            let (c, d) = (states.scalars, direct.hiddenStates[layer].scalars)
            for row in 0..<2 {
                for i in 0..<lengths[row] * h { expectClose(c[row * t * h + i], Double(d[row * t * h + i]), atol: 1e-5) }
                #expect(c[(row * t + lengths[row]) * h..<(row + 1) * t * h].allSatisfy { $0 == 0 })
            }
        }
        let (c, d) = (cached.attentionProbabilities[1].scalars, direct.attentionProbabilities[1].scalars)
        for row in 0..<2 {
            for head in 0..<2 {
                for i in 0..<lengths[row] {
                    for j in 0..<lengths[row] {
                        let at = ((row * 2 + head) * t + i) * t + j
                        expectClose(c[at], Double(d[at]), atol: 1e-5)
                    }
                }
            }
        }
        // A batch with an example not seen yet runs the teacher.
        let fresh = tokenBatch([rows[1], [2, 4, 3]], indices: [11, 13])
        _ = try cache.outputs(for: fresh) { ran = true; return try run(fresh) }
        #expect(ran && cache.teacherBatches == 2)
    }
}
