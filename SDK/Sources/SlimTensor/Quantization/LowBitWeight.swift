internal import CSlimKernels

/// A Linear weight `(N, K)` (Hugging Face layout) stored at 2, 3, 4 or 8 bits per value: packed
/// codes plus, per group of rows, a scale (and zero point) or a codebook (``LowBitSpec``).
///
/// Packing: row n is a little-endian bit stream of K·b bits, padded with zero bits to
/// ⌈K·b / 8⌉ bytes; code k sits in bits [k·b, k·b + b), bit j being bit j mod 8 of byte j / 8.
/// So 2-bit codes go four to a byte, lowest first; 4-bit codes low nibble first; 3-bit codes
/// eight to three bytes (one 24-bit little-endian word); 8-bit codes one per byte. Rows start on
/// byte boundaries, so a row (or a block of rows) decodes on its own.
///
/// The value a code q of group g stands for is `(q − z_g) / scale_g` (linear schemes; z_g =
/// 2^(b−1) when symmetric) or `codebook[g·2^b + q]`. ``LowBitLinear`` multiplies by these
/// weights without ever making the float matrix; ``dequantized()`` makes it (for export).
public struct LowBitWeight: Equatable, Sendable {
    /// `[N, K]`.
    public let shape: [Int]
    /// Bits, groups and scheme.
    public let spec: LowBitSpec
    /// N·⌈K·b / 8⌉ packed bytes.
    public let packed: [UInt8]
    /// Linear schemes: one positive scale per group (a code step is 1 / scale). Else empty.
    public let scales: [Float]
    /// Asymmetric scheme: one zero point below 2^b per group. Else empty.
    public let zeroPoints: [UInt8]
    /// Codebook scheme: groups × 2^b finite centroids, group-major. Else empty.
    public let codebook: [Float]

    /// Packed weights, checked: every array must match `spec` and `shape`.
    /// - Parameters:
    ///   - shape: `[N, K]`.
    ///   - name: the layer, used to name tensors in errors (`<name>.weight_scale`); may be empty.
    ///   - path: the file the values came from, for errors (empty in memory).
    /// - Throws: ``LowBitError`` naming the offending tensor.
    public init(shape: [Int], spec: LowBitSpec, packed: [UInt8], scales: [Float] = [], zeroPoints: [UInt8] = [],
                codebook: [Float] = [], name: String = "", path: String = "") throws {
        let prefix = name.isEmpty ? "" : name + "."
        func fail(_ suffix: String, _ reason: String) -> LowBitError {
            .invalidTensor(path: path, tensor: prefix + suffix, reason: reason)
        }
        guard shape.count == 2, (1...Self.maxDimension).contains(shape[0]), (1...Self.maxDimension).contains(shape[1]) else {
            throw fail("weight", "shape \(shape) is not (N, K) with 1 ≤ N, K ≤ 2^31")
        }
        try spec.validate(rows: shape[0], name: name.isEmpty ? "weight" : name)
        let (n, k, g) = (shape[0], shape[1], spec.groups)
        let rowBytes = spec.rowBytes(columns: k)
        guard packed.count == n * rowBytes else {
            throw fail("weight", "\(packed.count) packed bytes; \(n) rows of \(k) \(spec.bits)-bit codes need \(n * rowBytes)")
        }
        let linear = spec.scheme != .codebook
        guard scales.count == (linear ? g : 0) else {
            throw fail("weight_scale", linear ? "\(scales.count) values, the declared \(g) groups need \(g)"
                                              : "present, but the scheme is codebook")
        }
        guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw fail("weight_scale", "scales must be positive and finite") }
        let asymmetric = spec.scheme == .asymmetric
        guard zeroPoints.count == (asymmetric ? g : 0) else {
            throw fail("weight_zero_point", asymmetric ? "\(zeroPoints.count) values, the declared \(g) groups need \(g)"
                                                       : "present, but the scheme is \(spec.scheme.rawValue)")
        }
        if let bad = zeroPoints.first(where: { Int($0) >= spec.levels }) {
            throw fail("weight_zero_point", "zero point \(bad) is not below 2^\(spec.bits)")
        }
        let centroids = linear ? 0 : g * spec.levels
        guard codebook.count == centroids else {
            throw fail("weight_codebook", linear ? "present, but the scheme is \(spec.scheme.rawValue)"
                                                 : "\(codebook.count) values, \(g) groups of 2^\(spec.bits) centroids need \(centroids)")
        }
        guard codebook.allSatisfy(\.isFinite) else { throw fail("weight_codebook", "centroids must be finite") }
        self.shape = shape
        self.spec = spec
        self.packed = packed
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.codebook = codebook
    }

    /// Packs `codes` (`N·K` values, one per byte, row-major, each below 2^b) with their
    /// quantization parameters, checked as ``init(shape:spec:packed:scales:zeroPoints:codebook:name:path:)``.
    public init(codes: [UInt8], shape: [Int], spec: LowBitSpec, scales: [Float] = [], zeroPoints: [UInt8] = [],
                codebook: [Float] = []) throws {
        guard shape.count == 2, shape.allSatisfy({ (1...Self.maxDimension).contains($0) }), codes.count == shape[0] * shape[1] else {
            throw LowBitError.invalidTensor(path: "", tensor: "weight", reason: "\(codes.count) codes for shape \(shape)")
        }
        if let bad = codes.first(where: { Int($0) >= 1 << spec.bits }), LowBitSpec.supportedBits.contains(spec.bits) {
            throw LowBitError.invalidTensor(path: "", tensor: "weight", reason: "code \(bad) does not fit in \(spec.bits) bits")
        }
        let supported = LowBitSpec.supportedBits.contains(spec.bits)
        var packed = [UInt8](repeating: 0, count: supported ? shape[0] * spec.rowBytes(columns: shape[1]) : 0)
        if supported {
            codes.withUnsafeBufferPointer { c in
                packed.withUnsafeMutableBufferPointer { p in
                    slim_lowbit_pack(c.baseAddress, p.baseAddress, Int64(shape[0]), Int64(shape[1]), Int32(spec.bits))
                }
            }
        }
        try self.init(shape: shape, spec: spec, packed: packed, scales: scales, zeroPoints: zeroPoints, codebook: codebook)
    }

    /// Weights that share their input with their rows stacked in order (query, key and value:
    /// one GEMM instead of three). Rows are byte-aligned, so the packed codes, scales, zero points
    /// and codebooks concatenate as they are.
    /// - Throws: ``LowBitError/invalidSpec(name:reason:)`` when the parts differ in columns,
    ///   bits, scheme or rows per group.
    public static func stacked(_ parts: [LowBitWeight], name: String) throws -> LowBitWeight {
        guard let first = parts.first else { throw LowBitError.invalidSpec(name: name, reason: "nothing to stack") }
        guard parts.allSatisfy({ $0.columns == first.columns && $0.spec.bits == first.spec.bits && $0.spec.scheme == first.spec.scheme
                                 && $0.rowsPerGroup == first.rowsPerGroup }) else {
            throw LowBitError.invalidSpec(name: name, reason: "the stacked layers must share columns, bits, scheme and rows per group: "
                                          + parts.map { "\($0.shape) \($0.spec.bits)-bit \($0.spec.scheme.rawValue) in \($0.spec.groups) groups" }.joined(separator: ", "))
        }
        let spec = LowBitSpec(bits: first.spec.bits, groups: parts.map(\.spec.groups).reduce(0, +), scheme: first.spec.scheme)
        return try LowBitWeight(shape: [parts.map(\.rows).reduce(0, +), first.columns], spec: spec, packed: parts.flatMap(\.packed),
                                scales: parts.flatMap(\.scales), zeroPoints: parts.flatMap(\.zeroPoints),
                                codebook: parts.flatMap(\.codebook), name: name)
    }

    /// The largest N or K accepted (sizes past it are refused, not overflowed).
    public static let maxDimension = 1 << 31

    /// Output features N.
    public var rows: Int { shape[0] }
    /// Input features K.
    public var columns: Int { shape[1] }
    /// Rows per group, N / groups.
    public var rowsPerGroup: Int { rows / spec.groups }

    /// The codes, one per byte, row-major `(N, K)`.
    public var codes: [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * columns)
        packed.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                slim_lowbit_unpack(p.baseAddress, o.baseAddress, Int64(rows), Int64(columns), Int32(spec.bits))
            }
        }
        return out
    }

    /// The float matrix `(N, K)` the codes stand for. This materialises the whole weight: for
    /// export to plain checkpoints and for tests, never on the inference path.
    public func dequantized() -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        out.withUnsafeMutableBufferPointer { o in
            withView { slim_lowbit_decode($0, 0, Int64(rows), o.baseAddress) }
        }
        return out
    }

    /// Bytes the weight takes stored: packed codes, scales, zero points and codebook.
    public var byteCount: Int { packed.count + 4 * scales.count + zeroPoints.count + 4 * codebook.count }

    /// Calls `body` with the C view of these weights (valid only inside `body`); `int8Codebook`
    /// adds the codebook rounded to int8 per group, for the int8 kernel.
    func withView<R>(int8Codebook: (values: [Int8], scales: [Float])? = nil,
                     _ body: (UnsafePointer<slim_lowbit_weights>) throws -> R) rethrows -> R {
        try packed.withUnsafeBufferPointer { p in
            try scales.withUnsafeBufferPointer { s in
                try zeroPoints.withUnsafeBufferPointer { z in
                    try codebook.withUnsafeBufferPointer { c in
                        try (int8Codebook?.values ?? []).withUnsafeBufferPointer { c8 in
                            try (int8Codebook?.scales ?? []).withUnsafeBufferPointer { cs in
                                var view = slim_lowbit_weights(
                                    codes: p.baseAddress, n: Int64(rows), k: Int64(columns), bits: Int32(spec.bits),
                                    groups: Int64(spec.groups), scales: s.isEmpty ? nil : s.baseAddress,
                                    zero_points: z.isEmpty ? nil : z.baseAddress, codebook: c.isEmpty ? nil : c.baseAddress,
                                    codebook_s8: c8.isEmpty ? nil : c8.baseAddress,
                                    codebook_scales: cs.isEmpty ? nil : cs.baseAddress)
                                return try body(&view)
                            }
                        }
                    }
                }
            }
        }
    }
}
