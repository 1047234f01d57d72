import BertSlimSDK
import Foundation
import Testing

// Every C kernel against a plain Swift loop in Double, once per instruction-set level this CPU
// supports (each level runs its own compiled variant of the loops). Odd widths exercise the
// vector tails; the larger shape crosses the parallel grains, so the work is split across workers.

/// The op's output and its input gradients for the upstream gradient `dy`.
private func run(_ inputs: [Tensor], upstreamSeed: UInt64 = 77, _ f: ([Tensor]) -> Tensor)
    -> (y: [Float], dy: [Float], grads: [[Float]]) {
    let leaves = inputs.map { $0.requiringGrad() }
    let y = f(leaves)
    let dy = testValues(y.shape, seed: upstreamSeed)
    sum(y * dy).backward()
    return (y.scalars, dy.scalars, leaves.map { $0.grad?.scalars ?? [] })
}

@Suite struct KernelReferenceTests {
    static let shapes: [[Int]] = [[37, 129], [301, 257]]

    @Test(arguments: shapes, supportedISALevels)
    func gelu(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let x = scale(testValues(shape, seed: 1), by: 5)
            let (y, dy, grads) = run([x]) { BertSlimSDK.gelu($0[0]) }
            let xs = x.scalars.map(Double.init)
            let cdf = xs.map { 0.5 * (1 + erf($0 / 2.0.squareRoot())) }
            expectClose(y, (0..<xs.count).map { Float(xs[$0] * cdf[$0]) }, atol: 1e-6, rtol: 1e-5)
            let pdf = xs.map { exp(-0.5 * $0 * $0) / (2 * Double.pi).squareRoot() }
            expectClose(grads[0], (0..<xs.count).map { Float(Double(dy[$0]) * (cdf[$0] + xs[$0] * pdf[$0])) },
                        atol: 1e-6, rtol: 1e-5)
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func tanhAndSigmoid(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let x = scale(testValues(shape, seed: 2), by: 6)
            let xs = x.scalars.map(Double.init)
            let t = run([x]) { tanh($0[0]) }
            let tRef = xs.map { Foundation.tanh($0) }
            expectClose(t.y, tRef.map(Float.init), atol: 1e-6, rtol: 1e-5)
            expectClose(t.grads[0], (0..<xs.count).map { Float(Double(t.dy[$0]) * (1 - tRef[$0] * tRef[$0])) },
                        atol: 1e-6, rtol: 1e-5)
            let s = run([x]) { sigmoid($0[0]) }
            let sRef = xs.map { 1 / (1 + exp(-$0)) }
            expectClose(s.y, sRef.map(Float.init), atol: 1e-7, rtol: 1e-5)
            expectClose(s.grads[0], (0..<xs.count).map { Float(Double(s.dy[$0]) * sRef[$0] * (1 - sRef[$0])) },
                        atol: 1e-7, rtol: 1e-5)
        }
    }

    @Test(arguments: supportedISALevels)
    func tanhKeepsRelativeAccuracyNearZero(isa: KernelISA) {
        KernelISA.withCap(isa) {
            // Where 1 − 2/(e^{2x} + 1) would cancel: purely relative comparison.
            let x = scale(testValues([37, 129], seed: 3), by: 0.4)
            expectClose(tanh(x).scalars, x.scalars.map { Float(Foundation.tanh(Double($0))) }, atol: 0, rtol: 2e-6)
            let tiny = scale(testValues([129], seed: 4), by: 1e-4)
            expectClose(tanh(tiny).scalars, tiny.scalars.map { Float(Foundation.tanh(Double($0))) }, atol: 0, rtol: 2e-6)
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func relu(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let x = testValues(shape, seed: 5)
            let (y, dy, grads) = run([x]) { BertSlimSDK.relu($0[0]) }
            #expect(y == x.scalars.map { $0 < 0 ? 0 : $0 })
            #expect(grads[0] == (0..<dy.count).map { x.scalars[$0] > 0 ? dy[$0] : 0 })
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func dropoutMatchesSerialDraws(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let x = testValues(shape, seed: 6)
            var generator = SeededGenerator(seed: 42)
            let (y, dy, grads) = run([x]) { dropout($0[0], rate: 0.25, generator: &generator) }
            var serial = SeededGenerator(seed: 42)
            let keep = (0..<x.count).map { _ in serial.nextUniform() >= 0.25 }
            let scaleFactor: Float = 1 / 0.75
            #expect(y == (0..<x.count).map { keep[$0] ? x.scalars[$0] * scaleFactor : 0 })
            #expect(grads[0] == (0..<x.count).map { keep[$0] ? dy[$0] * scaleFactor : 0 })
            #expect(generator.state == serial.state)
        }
    }

    @Test(arguments: [([37, 129], false), ([3, 5, 7, 129], true), ([301, 257], false)], supportedISALevels)
    func softmax(layout: ([Int], Bool), isa: KernelISA) {
        KernelISA.withCap(isa) {
            let (shape, masked) = layout
            let x = scale(testValues(shape, seed: 7), by: 4)
            let (batch, cols) = (shape[0], shape[shape.count - 1])
            let rows = x.count / cols, rowsPerMask = rows / batch
            let mask = masked ? Tensor(shape: [batch, cols], scalars: (0..<(batch * cols)).map { $0 % 11 == 3 ? -1e4 : 0 }) : nil
            let xs = x.scalars, ms = mask?.scalars ?? [Float](repeating: 0, count: batch * cols)
            var probs = [Double](repeating: 0, count: x.count), logs = probs
            for r in 0..<rows {
                let maskRow = (r / rowsPerMask) * cols
                var row = [Double](repeating: 0, count: cols)
                for j in 0..<cols { row[j] = Double(xs[r * cols + j]) + Double(ms[maskRow + j]) }
                let top = row.max()!, total = row.map { exp($0 - top) }.reduce(0, +)
                for j in 0..<cols {
                    probs[r * cols + j] = exp(row[j] - top) / total
                    logs[r * cols + j] = row[j] - top - log(total)
                }
            }
            let p = run([x]) { BertSlimSDK.softmax($0[0], additiveMask: mask) }
            expectClose(p.y, probs.map(Float.init), atol: 1e-7, rtol: 1e-5)
            var dx = [Float](repeating: 0, count: x.count)
            for r in 0..<rows {
                let dot = (0..<cols).reduce(0.0) { $0 + Double(p.dy[r * cols + $1]) * probs[r * cols + $1] }
                for j in 0..<cols { dx[r * cols + j] = Float(probs[r * cols + j] * (Double(p.dy[r * cols + j]) - dot)) }
            }
            expectClose(p.grads[0], dx, atol: 1e-7, rtol: 1e-4)
            guard !masked else { return }
            let l = run([x]) { logSoftmax($0[0]) }
            expectClose(l.y, logs.map(Float.init), atol: 1e-5, rtol: 1e-5)
            for r in 0..<rows {
                let total = (0..<cols).reduce(0.0) { $0 + Double(l.dy[r * cols + $1]) }
                for j in 0..<cols { dx[r * cols + j] = Float(Double(l.dy[r * cols + j]) - probs[r * cols + j] * total) }
            }
            expectClose(l.grads[0], dx, atol: 1e-6, rtol: 1e-4)
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func layerNorm(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let cols = shape[shape.count - 1], rows = Tensor.elementCount(shape) / cols
            let x = shift(scale(testValues(shape, seed: 8), by: 3), by: 1)
            let gamma = shift(scale(testValues([cols], seed: 9), by: 0.5), by: 1), beta = testValues([cols], seed: 10)
            let (y, dy, grads) = run([x, gamma, beta]) { BertSlimSDK.layerNorm($0[0], gamma: $0[1], beta: $0[2], eps: 1e-5) }
            let (xs, gs, bs) = (x.scalars.map(Double.init), gamma.scalars.map(Double.init), beta.scalars.map(Double.init))
            var yRef = [Float](repeating: 0, count: x.count), dxRef = yRef
            var dgRef = [Double](repeating: 0, count: cols), dbRef = dgRef
            for r in 0..<rows {
                let row = Array(xs[r * cols..<(r + 1) * cols])
                let mean = row.reduce(0, +) / Double(cols)
                let rstd = 1 / (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols) + 1e-5).squareRoot()
                let xhat = row.map { ($0 - mean) * rstd }
                let g = (0..<cols).map { Double(dy[r * cols + $0]) * gs[$0] }
                let meanG = g.reduce(0, +) / Double(cols)
                let meanGX = (0..<cols).reduce(0.0) { $0 + g[$1] * xhat[$1] } / Double(cols)
                for j in 0..<cols {
                    yRef[r * cols + j] = Float(xhat[j] * gs[j] + bs[j])
                    dxRef[r * cols + j] = Float(rstd * (g[j] - meanG - xhat[j] * meanGX))
                    dgRef[j] += Double(dy[r * cols + j]) * xhat[j]
                    dbRef[j] += Double(dy[r * cols + j])
                }
            }
            expectClose(y, yRef, atol: 1e-5, rtol: 1e-5)
            expectClose(grads[0], dxRef, atol: 1e-5, rtol: 1e-4)
            expectClose(grads[1], dgRef.map(Float.init), atol: 1e-4, rtol: 1e-4)
            expectClose(grads[2], dbRef.map(Float.init), atol: 1e-4, rtol: 1e-4)
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func embeddingGatherAndScatter(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let (count, width, vocab) = (shape[0], shape[1], 53)
            let ids = IntTensor(shape: [count], scalars: (0..<count).map { Int32(($0 * 7 + $0 / 3) % vocab) })
            let table = testValues([vocab, width], seed: 11)
            let (y, dy, grads) = run([table]) { embedding(ids, table: $0[0]) }
            let t = table.scalars
            #expect(y == ids.scalars.flatMap { t[Int($0) * width..<(Int($0) + 1) * width] })
            var dtable = [Double](repeating: 0, count: vocab * width)
            for (r, id) in ids.scalars.enumerated() { for j in 0..<width { dtable[Int(id) * width + j] += Double(dy[r * width + j]) } }
            expectClose(grads[0], dtable.map(Float.init), atol: 1e-6, rtol: 1e-5)
        }
    }

    @Test(arguments: shapes, supportedISALevels)
    func elementwise(shape: [Int], isa: KernelISA) {
        KernelISA.withCap(isa) {
            let a = testValues(shape, seed: 12), b = testValues(shape, seed: 13)
            let bias = testValues([shape[1]], seed: 14)
            let (av, bv, cv) = (a.scalars, b.scalars, bias.scalars)
            #expect((a + b).scalars == zip(av, bv).map { $0 + $1 })
            #expect((a * b).scalars == zip(av, bv).map { $0 * $1 })
            #expect((a * 0.3).scalars == av.map { $0 * 0.3 })
            #expect((a + bias).scalars == av.enumerated().map { $0.element + cv[$0.offset % shape[1]] })
            // Column sums (the bias gradient) and axpy (gradient accumulation).
            var columns = [Double](repeating: 0, count: shape[1])
            for (i, v) in av.enumerated() { columns[i % shape[1]] += Double(v) }
            expectClose(a.sum(toShape: [shape[1]]).scalars, columns.map(Float.init), atol: 1e-5, rtol: 1e-5)
            let p = Parameter(Tensor.zeros(shape))
            p.accumulateGradient(a)
            p.accumulateGradient(b)
            #expect(p.grad?.scalars == zip(av, bv).map { $0 + $1 })
        }
    }
}
