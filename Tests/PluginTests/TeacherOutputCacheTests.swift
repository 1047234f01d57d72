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
        _ = try cache.outputs(for: first) { try run($0) }
        // The same examples in another order and padded longer, as a later epoch's batch.
        let later = tokenBatch([rows[2], rows[0]], indices: [12, 10], length: 7)
        var ran = false
        let cached = try cache.outputs(for: later) { ran = true; return try run($0) }
        #expect(!ran && cache.teacherExamples == 3 && cache.cachedExamples == 2)
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
        // A batch with an example not seen yet runs the teacher on that example alone.
        let fresh = tokenBatch([rows[1], [2, 4, 3]], indices: [11, 13])
        var asked: [Int] = []
        let mixed = try cache.outputs(for: fresh) { asked = $0.exampleIndices; return try run($0) }
        #expect(asked == [13] && cache.teacherExamples == 4 && cache.cachedExamples == 3)
        for (a, b) in zip(mixed.logits!.scalars, try run(fresh).logits!.scalars) { expectClose(a, Double(b), atol: 1e-5) }
    }

    @Test func clsStatesAreCachedAlone() throws {
        let teacher = tinyBert(layers: 3)
        let cache = TeacherOutputCache(request: [.clsHiddenStates])
        let first = tokenBatch([[2, 7, 9, 3], [2, 11, 3]], indices: [4, 5])
        func run(_ batch: Batch, _ request: OutputRequest) throws -> ModelOutput {
            try withoutGradient { try teacher.forward(batch, request: request, training: false) }
        }
        // A teacher that gives full hidden states only is read at [CLS] too.
        _ = try cache.outputs(for: first) { try run($0, [.hiddenStates]) }
        #expect(cache.storedValues == 2 * (2 + 16 + 4 * 16))
        let later = tokenBatch([[2, 11, 3], [2, 7, 9, 3]], indices: [5, 4], length: 6)
        let cached = try cache.outputs(for: later) { Issue.record("the teacher ran"); return try run($0, []) }
        let direct = try run(later, [.clsHiddenStates, .hiddenStates])
        #expect(cached.clsHiddenStates.count == 4 && cached.hiddenStates.isEmpty)
        for (layer, states) in cached.clsHiddenStates.enumerated() {
            #expect(states.shape == [2, 16])
            for (a, b) in zip(states.scalars, direct.clsHiddenStates[layer].scalars) { expectClose(a, Double(b), atol: 1e-5) }
            let full = direct.hiddenStates[layer].scalars
            for row in 0..<2 { for i in 0..<16 { expectClose(states.scalars[row * 16 + i], Double(full[row * 6 * 16 + i]), atol: 1e-6) } }
        }
    }

    @Test func autoCachesOnlyWhatFitsTheBudget() throws {
        let teacher = HeldTeacher(tinyBert(layers: 3))
        let plan = try TeacherOutputPlan(losses: [.clsHiddenStates], teacher: teacher, student: tinyBert(layers: 2))
        #expect(plan.studentRequest == [.clsHiddenStates] && plan.teacherRequest == [.clsHiddenStates])
        let lengths = [5, 9, 12]
        // Per example: 2 logits, 16 pooled, 4 × 16 [CLS] values.
        #expect(plan.cacheValues(teacher: teacher, lengths: lengths) == 3 * (2 + 16 + 64))
        let (fits, note) = plan.cache(teacher: teacher, lengths: lengths, budget: 3 * 82 * 4)
        #expect(fits != nil && note.hasPrefix("teacher outputs (logits, [CLS] hidden states) cached per example: 0.0 MiB for 3 examples of its"))
        let (over, why) = plan.cache(teacher: teacher, lengths: lengths, budget: 3 * 82 * 4 - 1)
        #expect(over == nil && why.hasSuffix("more than the cache's budget (0.0 MiB, a quarter of memory): the teacher runs on every batch"))
        // Full hidden states grow with the tokens: (3 + 1) layers × len × 16.
        let full = try TeacherOutputPlan(losses: [.hiddenStates], teacher: teacher, student: tinyBert(layers: 2))
        #expect(full.cacheValues(teacher: teacher, lengths: lengths) == 3 * (2 + 16) + 4 * 16 * (5 + 9 + 12))
    }
}
