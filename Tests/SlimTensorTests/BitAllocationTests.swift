import BertSlimSDK
import Foundation
import Testing

/// Mixed precision's knapsack against brute force.
@Suite("Bit allocation")
struct BitAllocationTests {
    @Test(arguments: [2.0, 2.5, 3.0, 3.7, 5.0, 8.0])
    func theAllocationIsTheCheapestThatFitsTheBudget(budget: Double) throws {
        var g = SeededGenerator(seed: UInt64(budget * 10))
        let widths = [2, 3, 4, 8]
        func cost(_ costs: [[Double]], _ bits: [Int]) -> Double {
            bits.enumerated().reduce(0.0) { $0 + costs[$1.offset][widths.firstIndex(of: $1.element)!] }
        }
        for sizes in [[6, 6, 6, 6, 6], [4, 8, 12, 4, 8]] {
            let costs = sizes.map { _ in widths.map { Double(256 >> $0) * Double(g.next() % 1000 + 1) } }
            let chosen = try #require(allocateBits(costs: costs, sizes: sizes, widths: widths, budget: budget))
            var best = Double.infinity
            for code in 0..<(1 << (2 * sizes.count)) {
                let bits = sizes.indices.map { widths[(code >> (2 * $0)) & 3] }
                if Double(zip(sizes, bits).reduce(0) { $0 + $1.0 * $1.1 }) <= budget * Double(sizes.reduce(0, +)) {
                    best = min(best, cost(costs, bits))
                }
            }
            #expect(Double(zip(sizes, chosen).reduce(0) { $0 + $1.0 * $1.1 }) <= budget * Double(sizes.reduce(0, +)))
            #expect(abs(cost(costs, chosen) - best) <= 1e-9 * best, "budget \(budget), sizes \(sizes): \(chosen)")
        }
    }

    @Test func aBudgetBelowTheSmallestWidthHasNoAllocation() {
        #expect(allocateBits(costs: [[1, 1]], sizes: [4], widths: [3, 4], budget: 2.5) == nil)
        #expect(allocateBits(costs: [[5, 1], [1, 5]], sizes: [4, 4], widths: [3, 4], budget: 3.5) == [4, 3])
    }
}
