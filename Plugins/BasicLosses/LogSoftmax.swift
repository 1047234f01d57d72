import BertSlimSDK
import Glibc

// A local log-softmax until SlimTensor's own lands; replace with it then.

/// log softmax over the last axis, computed stably as `x − max − log Σ exp(x − max)`.
/// x: (…, C)
func logSoftmax(_ x: Tensor) -> Tensor {
    let width = x.shape.last ?? 1
    var output = Tensor(uninitializedShape: x.shape)
    output.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { v in
            for row in stride(from: 0, to: v.count, by: width) {
                var largest = -Float.infinity
                for i in row..<row + width { largest = max(largest, v[i]) }
                var total: Float = 0
                for i in row..<row + width { total += expf(v[i] - largest) }
                let shift = largest + logf(total)
                for i in row..<row + width { y[i] = v[i] - shift }
            }
        }
    }
    let saved = output.detached
    // dx = g − softmax(x) · Σ_c g   (softmax = exp(log softmax))
    return .record(output, inputs: [x]) { g in
        var dx = Tensor(uninitializedShape: saved.shape)
        dx.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { gv in
                saved.withUnsafeBufferPointer { y in
                    for row in stride(from: 0, to: gv.count, by: width) {
                        var total: Float = 0
                        for i in row..<row + width { total += gv[i] }
                        for i in row..<row + width { d[i] = gv[i] - expf(y[i]) * total }
                    }
                }
            }
        }
        return [dx]
    }
}
