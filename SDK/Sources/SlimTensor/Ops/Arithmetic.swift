internal import CSlimKernels

// Elementwise arithmetic with NumPy broadcasting. Each backward sums the output gradient
// back to its input's shape (`sum(toShape:)`).

/// Applies `f` elementwise over the broadcast of `a` and `b` (no autograd).
func broadcastApply(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    let shape = a.shape == b.shape ? a.shape : Broadcast.shape(a.shape, b.shape)
    var out = Tensor(uninitializedShape: shape)
    out.withUnsafeMutableBufferPointer { y in
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { z in
                if a.shape == b.shape {
                    for i in 0..<y.count { y[i] = f(x[i], z[i]) }
                } else if z.count == 1 {
                    let s = z[0]
                    for i in 0..<y.count { y[i] = f(x[i], s) }
                } else if x.count == 1 {
                    let s = x[0]
                    for i in 0..<y.count { y[i] = f(s, z[i]) }
                } else {
                    Broadcast.forEach(shape, Broadcast.strides(of: a.shape, in: shape),
                                      Broadcast.strides(of: b.shape, in: shape)) { i, ia, ib in
                        y[i] = f(x[ia], z[ib])
                    }
                }
            }
        }
    }
    return out
}

/// a + b, broadcasting.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    var value: Tensor
    if a.shape == b.shape {
        value = Tensor(uninitializedShape: a.shape)
        value.withUnsafeMutableBufferPointer { y in
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { z in
                slim_add(x.baseAddress, z.baseAddress, y.baseAddress, Int64(y.count))
            } }
        }
    } else if let cols = b.shape.last, b.count == cols, a.shape.last == cols, a.rank >= b.rank {
        value = Tensor(uninitializedShape: a.shape)
        value.withUnsafeMutableBufferPointer { y in
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { z in
                slim_add_rowbias(x.baseAddress, z.baseAddress, y.baseAddress, Int64(a.count / cols), Int64(cols))
            } }
        }
    } else {
        value = broadcastApply(a, b, +)
    }
    let (sa, sb) = (a.shape, b.shape)
    return .record(value, inputs: [a, b]) { g in [g.sum(toShape: sa), g.sum(toShape: sb)] }
}

/// a − b, broadcasting.
public func sub(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (sa, sb) = (a.shape, b.shape)
    return .record(broadcastApply(a, b, -), inputs: [a, b]) { g in
        [g.sum(toShape: sa), scale(g, by: -1).sum(toShape: sb)]
    }
}

/// a ⊙ b, broadcasting.
public func mul(_ a: Tensor, _ b: Tensor) -> Tensor {
    var value: Tensor
    if a.shape == b.shape {
        value = Tensor(uninitializedShape: a.shape)
        value.withUnsafeMutableBufferPointer { y in
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { z in
                slim_mul(x.baseAddress, z.baseAddress, y.baseAddress, Int64(y.count))
            } }
        }
    } else {
        value = broadcastApply(a, b, *)
    }
    let (ad, bd) = (a.detached, b.detached)
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    return .record(value, inputs: [a, b]) { g in
        [needA ? mul(g, bd).sum(toShape: ad.shape) : nil,
         needB ? mul(g, ad).sum(toShape: bd.shape) : nil]
    }
}

/// a ⊘ b, broadcasting.
public func div(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (ad, bd) = (a.detached, b.detached)
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    return .record(broadcastApply(a, b, /), inputs: [a, b]) { g in
        // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
        [needA ? broadcastApply(g, bd, /).sum(toShape: ad.shape) : nil,
         needB ? mul(g, broadcastApply(ad, bd) { x, y in -x / (y * y) }).sum(toShape: bd.shape) : nil]
    }
}

/// x · s for a constant s.
public func scale(_ x: Tensor, by s: Float) -> Tensor {
    var value = Tensor(uninitializedShape: x.shape)
    value.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { v in slim_scale(v.baseAddress, s, y.baseAddress, Int64(y.count)) }
    }
    return .record(value, inputs: [x]) { g in [scale(g, by: s)] }
}

/// x + s for a constant s.
public func shift(_ x: Tensor, by s: Float) -> Tensor {
    .record(broadcastApply(x, Tensor(s), +), inputs: [x]) { g in [g] }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { add(a, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { sub(a, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { mul(a, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { div(a, b) }
    public static func * (a: Tensor, s: Float) -> Tensor { scale(a, by: s) }
    public static func * (s: Float, a: Tensor) -> Tensor { scale(a, by: s) }
    public static func + (a: Tensor, s: Float) -> Tensor { shift(a, by: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { shift(a, by: -s) }
    public static prefix func - (a: Tensor) -> Tensor { scale(a, by: -1) }
}
