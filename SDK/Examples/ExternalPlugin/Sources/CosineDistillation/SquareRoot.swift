import BertSlimSDK

/// √x elementwise (a local op built with `Tensor.record`); x must be positive.
/// d√x/dx = 1 / (2√x)
func squareRoot(_ x: Tensor) -> Tensor {
    var root = Tensor(uninitializedShape: x.shape)
    root.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { v in
            for i in v.indices { y[i] = v[i].squareRoot() }
        }
    }
    let saved = root.detached
    return .record(root, inputs: [x]) { g in [g / (saved * 2)] }
}
