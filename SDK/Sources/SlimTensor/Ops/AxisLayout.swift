// A shape seen around one axis as (outer, size, inner): element (o, j, i) sits at
// (o·size + j)·inner + i. Concat, slice, normalisation and max all loop this way.

struct AxisLayout {
    /// The axis, counted from the front.
    let axis: Int
    /// Product of the dimensions before the axis.
    let outer: Int
    /// Length of the axis.
    let size: Int
    /// Product of the dimensions after the axis.
    let inner: Int

    /// `axis` may be negative (counted from the end); `op` names the caller in the message.
    init(_ shape: [Int], axis: Int, op: String) {
        let a = axis < 0 ? axis + shape.count : axis
        precondition((0..<shape.count).contains(a), "\(op): axis \(axis) is out of range for shape \(shape)")
        self.axis = a
        outer = shape[..<a].reduce(1, *)
        size = shape[a]
        inner = shape[(a + 1)...].reduce(1, *)
    }
}
