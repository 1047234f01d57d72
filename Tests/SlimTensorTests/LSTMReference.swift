import BertSlimSDK
import Foundation

/// The LSTM recurrence and its backward pass as plain loops in Double, one sequence and one
/// direction at a time: the reference the fused C loops are checked against.
enum LSTMReference {
    /// A problem size; every sequence has its own length.
    struct Shape: Sendable, CustomStringConvertible {
        var batch, steps, input, hidden: Int
        var lengths: [Int]
        /// Multiplies the weights (large values saturate the gates).
        var scale: Float
        var description: String { "B\(batch) T\(steps) I\(input) H\(hidden) lengths \(lengths) scale \(scale)" }
    }

    /// Values and gradients, flattened: output, h_n, c_n, dx, then dW_ih, dW_hh, db per direction.
    struct Result {
        static let names = ["output", "h_n", "c_n", "dx", "dW_ih", "dW_hh", "db", "dW_ih_reverse", "dW_hh_reverse", "db_reverse"]
        var all: [[Double]]
    }

    /// A bidirectional layer, its inputs and the upstream gradients of its three outputs.
    struct Problem {
        let shape: Shape
        let x: Tensor
        let directions: [LSTMWeights]
        let dy, dh, dc: Tensor

        init(_ shape: Shape, seed: UInt64) {
            self.shape = shape
            var g = SeededGenerator(seed: seed)
            directions = (0..<2).map { _ in
                let w = LSTMWeights.random(inputSize: shape.input, hiddenSize: shape.hidden, using: &g)
                return LSTMWeights(weightIH: w.weightIH * shape.scale, weightHH: w.weightHH * shape.scale,
                                   biasIH: w.biasIH! * shape.scale, biasHH: w.biasHH! * shape.scale)
            }
            x = testValues([shape.batch, shape.steps, shape.input], seed: seed + 1) * 1.5
            dy = testValues([shape.batch, shape.steps, 2 * shape.hidden], seed: seed + 2)
            dh = testValues([2, shape.batch, shape.hidden], seed: seed + 3)
            dc = testValues([2, shape.batch, shape.hidden], seed: seed + 4)
        }

        /// The op (at the calling thread's ISA level), with its gradients for Σ out⊙dy + h_n⊙dh + c_n⊙dc
        /// when `recording`, else only its three outputs.
        func run(recording: Bool = true) -> [[Float]] {
            let leaves = [x] + directions.flatMap { [$0.weightIH, $0.weightHH, $0.biasIH!, $0.biasHH!] }
            let tracked = recording ? leaves.map { $0.requiringGrad() } : leaves
            let out = lstm(tracked[0], LSTMWeights(weightIH: tracked[1], weightHH: tracked[2], biasIH: tracked[3], biasHH: tracked[4]),
                           reverse: LSTMWeights(weightIH: tracked[5], weightHH: tracked[6], biasIH: tracked[7], biasHH: tracked[8]),
                           lengths: shape.lengths)
            guard recording else { return [out.output.scalars, out.hidden.scalars, out.cell.scalars] }
            (sum(out.output * dy) + sum(out.hidden * dh) + sum(out.cell * dc)).backward()
            let grads = tracked.map { $0.grad?.scalars ?? [] }
            return [out.output.scalars, out.hidden.scalars, out.cell.scalars, grads[0],
                    grads[1], grads[2], grads[3], grads[5], grads[6], grads[7]]
        }

        func reference() -> Result {
            let (B, T, I, H) = (shape.batch, shape.steps, shape.input, shape.hidden)
            let xs = x.scalars.map(Double.init), dys = dy.scalars.map(Double.init)
            var y = [Double](repeating: 0, count: B * T * 2 * H), hn = [Double](repeating: 0, count: 2 * B * H), cn = hn
            var dx = [Double](repeating: 0, count: B * T * I)
            var weightGrads: [[Double]] = []
            for (d, w) in directions.enumerated() {
                let wih = w.weightIH.scalars.map(Double.init), whh = w.weightHH.scalars.map(Double.init)
                let bias = zip(w.biasIH!.scalars, w.biasHH!.scalars).map { Double($0) + Double($1) }
                var dwih = [Double](repeating: 0, count: 4 * H * I), dwhh = [Double](repeating: 0, count: 4 * H * H)
                var db = [Double](repeating: 0, count: 4 * H)
                for b in 0..<B {
                    let times = d == 0 ? Array(0..<shape.lengths[b]) : Array((0..<shape.lengths[b]).reversed())
                    var h = [Double](repeating: 0, count: H), c = h
                    var tape: [(t: Int, gates: [Double], hPrev: [Double], cPrev: [Double], c: [Double])] = []
                    for t in times {
                        var z = bias
                        for k in 0..<(4 * H) {
                            for i in 0..<I { z[k] += wih[k * I + i] * xs[(b * T + t) * I + i] }
                            for j in 0..<H { z[k] += whh[k * H + j] * h[j] }
                        }
                        let gates = (0..<(4 * H)).map { k in k / H == 2 ? Foundation.tanh(z[k]) : 1 / (1 + exp(-z[k])) }
                        let cNew = (0..<H).map { gates[H + $0] * c[$0] + gates[$0] * gates[2 * H + $0] }
                        let hNew = (0..<H).map { gates[3 * H + $0] * Foundation.tanh(cNew[$0]) }
                        tape.append((t, gates, h, c, cNew))
                        (h, c) = (hNew, cNew)
                        for j in 0..<H { y[((b * T + t) * 2 + d) * H + j] = h[j] }
                    }
                    for j in 0..<H { hn[(d * B + b) * H + j] = h[j]; cn[(d * B + b) * H + j] = c[j] }
                    // Backward through time, from the final states' gradients.
                    var dhs = (0..<H).map { Double(dh.scalars[(d * B + b) * H + $0]) }
                    var dcs = (0..<H).map { Double(dc.scalars[(d * B + b) * H + $0]) }
                    for step in tape.reversed() {
                        let t = step.t, gt = step.gates
                        var dz = [Double](repeating: 0, count: 4 * H)
                        for j in 0..<H {
                            let dhj = dhs[j] + dys[((b * T + t) * 2 + d) * H + j]
                            let (i, f, gg, o) = (gt[j], gt[H + j], gt[2 * H + j], gt[3 * H + j])
                            let tc = Foundation.tanh(step.c[j])
                            let dcj = dcs[j] + dhj * o * (1 - tc * tc)
                            dz[j] = dcj * gg * i * (1 - i)
                            dz[H + j] = dcj * step.cPrev[j] * f * (1 - f)
                            dz[2 * H + j] = dcj * i * (1 - gg * gg)
                            dz[3 * H + j] = dhj * tc * o * (1 - o)
                            dcs[j] = dcj * f
                        }
                        for k in 0..<(4 * H) {
                            db[k] += dz[k]
                            for i in 0..<I {
                                dwih[k * I + i] += dz[k] * xs[(b * T + t) * I + i]
                                dx[(b * T + t) * I + i] += dz[k] * wih[k * I + i]
                            }
                            for j in 0..<H { dwhh[k * H + j] += dz[k] * step.hPrev[j] }
                        }
                        dhs = (0..<H).map { j in (0..<(4 * H)).reduce(0.0) { $0 + dz[$1] * whh[$1 * H + j] } }
                    }
                }
                weightGrads += [dwih, dwhh, db]
            }
            return Result(all: [y, hn, cn, dx] + weightGrads)
        }
    }
}
