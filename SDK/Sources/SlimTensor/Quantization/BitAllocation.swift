/// Mixed precision as a knapsack: for each layer i the width `widths[c_i]` that minimises
/// Σ_i `costs[i][c_i]` subject to Σ_i `sizes[i]`·`widths[c_i]` ≤ `budget`·Σ_i `sizes[i]` (an
/// average of `budget` bits per weight), solved exactly by dynamic programming over the layers on
/// the bits spent, counted in units of the sizes' greatest common divisor (one unit per layer
/// when the layers are equal, as in BERT). Q-BERT's mixed precision passes the expected loss
/// increase of each layer at each width as the costs.
/// - Parameters:
///   - costs: per layer, one cost per width.
///   - sizes: weights per layer (positive).
///   - widths: the bits a layer may take, ascending.
///   - budget: the average bits per weight allowed.
/// - Returns: the bits per layer, or nil when even the smallest width does not fit.
public func allocateBits(costs: [[Double]], sizes: [Int], widths: [Int], budget: Double) -> [Int]? {
    precondition(!widths.isEmpty && costs.count == sizes.count && costs.allSatisfy { $0.count == widths.count }
                 && sizes.allSatisfy { $0 > 0 } && widths == widths.sorted(), "allocateBits: \(costs.count) layers, widths \(widths)")
    func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    let unit = sizes.reduce(0, gcd)
    let units = sizes.map { $0 / unit }
    let capacity = Int((budget * Double(units.reduce(0, +))).rounded(.down))
    guard units.reduce(0, +) * widths[0] <= capacity else { return nil }
    // best[c]: the least cost of the layers so far spending exactly c units; choice[i][c]: layer i's width there.
    var best = [Double](repeating: .infinity, count: capacity + 1)
    best[0] = 0
    var choice: [[Int]] = []
    for (i, cost) in costs.enumerated() {
        var next = [Double](repeating: .infinity, count: capacity + 1)
        var picked = [Int](repeating: -1, count: capacity + 1)
        for c in 0...capacity where best[c].isFinite {
            for (w, bits) in widths.enumerated() {
                let spent = c + units[i] * bits
                if spent <= capacity, best[c] + cost[w] < next[spent] { next[spent] = best[c] + cost[w]; picked[spent] = w }
            }
        }
        best = next
        choice.append(picked)
    }
    var c = best.indices.min { best[$0] < best[$1] }!
    var bits = [Int](repeating: 0, count: costs.count)
    for i in stride(from: costs.count - 1, through: 0, by: -1) {
        let w = choice[i][c]
        bits[i] = widths[w]
        c -= units[i] * widths[w]
    }
    return bits
}
