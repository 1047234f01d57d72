/// Storage of packed weights in safetensors, beside the Int8 conventions of Q8BERT's folders
/// (`<name>.weight` plus `<name>.weight_scale`). For a Linear layer `name` (Hugging Face's, e.g.
/// `encoder.layer.0.attention.self.query`) with G groups and b bits:
///
/// | tensor | dtype, shape | when |
/// |---|---|---|
/// | `<name>.weight` | U8 `(N, ⌈K·b / 8⌉)`: packed codes | always |
/// | `<name>.weight_scale` | F32 `(G)`: a code step is 1 / scale | symmetric, asymmetric |
/// | `<name>.weight_zero_point` | U8 `(G)`, each < 2^b | asymmetric |
/// | `<name>.weight_codebook` | F32 `(G, 2^b)`: centroids | codebook |
///
/// The bias (`<name>.bias`, F32) is stored as in any checkpoint. Bits, groups and scheme are not
/// in the file: they come from the model's `config.json` (a ``LowBitSpec`` per layer), and every
/// tensor is checked against them on read.
extension LowBitWeight {
    /// The tensors that store this weight for Linear layer `name` (see the table above).
    public func storedTensors(name: String) -> [String: SafetensorsValue] {
        var out: [String: SafetensorsValue] = [
            name + ".weight": .uint8(IntegerArray(shape: [rows, spec.rowBytes(columns: columns)], scalars: packed)),
        ]
        switch spec.scheme {
        case .symmetric:
            out[name + ".weight_scale"] = .float(Tensor(shape: [spec.groups], scalars: scales))
        case .asymmetric:
            out[name + ".weight_scale"] = .float(Tensor(shape: [spec.groups], scalars: scales))
            out[name + ".weight_zero_point"] = .uint8(IntegerArray(shape: [spec.groups], scalars: zeroPoints))
        case .codebook:
            out[name + ".weight_codebook"] = .float(Tensor(shape: [spec.groups, spec.levels], scalars: codebook))
        }
        return out
    }

    /// The names of the tensors that `spec` stores for layer `name`, in the table's order.
    public static func tensorNames(name: String, spec: LowBitSpec) -> [String] {
        switch spec.scheme {
        case .symmetric: return [name + ".weight", name + ".weight_scale"]
        case .asymmetric: return [name + ".weight", name + ".weight_scale", name + ".weight_zero_point"]
        case .codebook: return [name + ".weight", name + ".weight_codebook"]
        }
    }

    /// Reads the packed weight of Linear layer `name` from `file` and checks it against the
    /// declaration: `spec` and the layer's `shape` `[N, K]` (from the model's config).
    /// - Throws: ``LowBitError/invalidSpec(name:reason:)`` for a spec that cannot describe the
    ///   layer; ``LowBitError/invalidTensor(path:tensor:reason:)`` naming a tensor whose shape or
    ///   values do not match, or one the scheme does not use; `SafetensorsError` for a missing
    ///   tensor or a wrong dtype.
    public init(file: SafetensorsFile, name: String, spec: LowBitSpec, shape: [Int]) throws {
        guard shape.count == 2, shape.allSatisfy({ (1...Self.maxDimension).contains($0) }) else {
            throw LowBitError.invalidSpec(name: name, reason: "shape \(shape) is not (N, K) with 1 ≤ N, K ≤ 2^31")
        }
        try spec.validate(rows: shape[0], name: name)
        let path = file.path
        func check(_ suffix: String, _ found: [Int], _ expected: [Int]) throws {
            guard found == expected else {
                throw LowBitError.invalidTensor(path: path, tensor: name + suffix,
                                                reason: "shape \(found), but \(spec.bits)-bit \(spec.scheme.rawValue) weights \(shape) in \(spec.groups) groups need \(expected)")
            }
        }
        let expected = Set(Self.tensorNames(name: name, spec: spec))
        for suffix in [".weight_scale", ".weight_zero_point", ".weight_codebook"]
        where file.entry(named: name + suffix) != nil && !expected.contains(name + suffix) {
            throw LowBitError.invalidTensor(path: path, tensor: name + suffix, reason: "present, but the declared scheme is \(spec.scheme.rawValue)")
        }
        let packed = try file.integers(named: name + ".weight", as: UInt8.self)
        try check(".weight", packed.shape, [shape[0], spec.rowBytes(columns: shape[1])])
        var scales: [Float] = [], zeroPoints: [UInt8] = [], codebook: [Float] = []
        if spec.scheme != .codebook {
            let t = try file.tensor(named: name + ".weight_scale")
            try check(".weight_scale", t.shape, [spec.groups])
            scales = t.scalars
        }
        if spec.scheme == .asymmetric {
            let z = try file.integers(named: name + ".weight_zero_point", as: UInt8.self)
            try check(".weight_zero_point", z.shape, [spec.groups])
            zeroPoints = z.scalars
        }
        if spec.scheme == .codebook {
            let c = try file.tensor(named: name + ".weight_codebook")
            try check(".weight_codebook", c.shape, [spec.groups, spec.levels])
            codebook = c.scalars
        }
        try self.init(shape: shape, spec: spec, packed: packed.scalars, scales: scales, zeroPoints: zeroPoints,
                      codebook: codebook, name: name, path: path)
    }
}
