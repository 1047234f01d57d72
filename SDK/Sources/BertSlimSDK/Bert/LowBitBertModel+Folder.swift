internal import Foundation

/// The folder of a ``LowBitBertModel``: `config.json` with
/// `"bertslim_component": "<component>"` and
/// `"quantization": {"method": …, "activations": "dynamic", "embeddings": {"bits": 8, "groups": 1,
/// "scheme": "symmetric"}, "weights": {"<layer>": {"bits": b, "groups": G, "scheme": s}, …}, …}`
/// (one ``LowBitSpec`` per Linear layer; other keys are the quantizer's ``LowBitBertModel/details``),
/// and `model.safetensors` (see the type's note). Reading checks the config against every
/// tensor before using it and names the tensor that does not match.
extension LowBitBertModel {
    /// The safetensors values the folder stores.
    public func storedTensors() -> [String: SafetensorsValue] {
        var out: [String: SafetensorsValue] = [:]
        for (name, w) in weights { out.merge(w.storedTensors(name: name)) { a, _ in a } }
        for (name, t) in biases { out[name] = .float(t) }
        for (name, t) in norms { out[name] = .float(t) }
        for (name, t) in tables {
            out[name + ".weight"] = .int8(IntegerArray(shape: t.shape, scalars: t.scalars))
            out[name + ".weight_scale"] = .float(Tensor(shape: [1], scalars: [t.scale]))
        }
        return out
    }

    /// The `quantization` block of `config.json`.
    public var quantizationBlock: [String: Any] {
        var block = details
        block["activations"] = "dynamic"
        block["embeddings"] = ["bits": 8, "groups": 1, "scheme": LowBitSpec.Scheme.symmetric.rawValue] as [String: Any]
        block["weights"] = weights.mapValues { ["bits": $0.spec.bits, "groups": $0.spec.groups, "scheme": $0.spec.scheme.rawValue] as [String: Any] }
        return block
    }

    public func save(to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafetensorsFile.write(storedTensors(), metadata: ["format": "bertslim-lowbit"],
                                  to: folder.appendingPathComponent("model.safetensors").path)
        var object = config.jsonObject()
        object[ModelFolderContract.componentKey] = component
        object["quantization"] = quantizationBlock
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }

    /// A low-bit model is not trained again in place: quantize the float model again instead.
    public func load(from directory: String) throws {
        throw ComponentError(component, "\(directory): a low-bit model is rebuilt from its folder (init(folder:)), not loaded into")
    }

    /// Reads a folder written by ``save(to:)``.
    /// - Throws: ``BertError`` naming `config.json` and the key for a bad `quantization` block;
    ///   ``LowBitError``, ``BertError`` or `SafetensorsError` naming `model.safetensors` and the
    ///   tensor that does not match the declaration.
    public convenience init(folder directory: String) throws {
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        let config = try BertConfig(path: configPath)
        guard let data = FileManager.default.contents(atPath: configPath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BertError.unreadable(file: configPath, reason: "not a JSON object")
        }
        guard let component = object[ModelFolderContract.componentKey] as? String else {
            throw BertError.missingKey(file: configPath, key: ModelFolderContract.componentKey)
        }
        guard var block = object["quantization"] as? [String: Any] else { throw BertError.missingKey(file: configPath, key: "quantization") }
        guard block["activations"] as? String == "dynamic" else {
            throw BertError.invalidValue(file: configPath, key: "quantization.activations", reason: "must be \"dynamic\"")
        }
        guard let declared = block["weights"] as? [String: Any] else { throw BertError.missingKey(file: configPath, key: "quantization.weights") }
        var specs: [String: LowBitSpec] = [:]
        for (name, value) in declared {
            guard let entry = value as? [String: Any],
                  let spec = try? JSONDecoder().decode(LowBitSpec.self, from: JSONSerialization.data(withJSONObject: entry)) else {
                throw BertError.invalidValue(file: configPath, key: "quantization.weights.\(name)",
                                             reason: "not {\"bits\": 2|3|4|8, \"groups\": n, \"scheme\": symmetric|asymmetric|codebook}")
            }
            specs[name] = spec
        }
        let shapes = Self.linearShapes(config)
        if let missing = shapes.keys.sorted().first(where: { specs[$0] == nil }) {
            throw BertError.missingKey(file: configPath, key: "quantization.weights.\(missing)")
        }
        if let extra = specs.keys.sorted().first(where: { shapes[$0] == nil }) {
            throw BertError.invalidValue(file: configPath, key: "quantization.weights.\(extra)", reason: "the model has no such Linear layer")
        }
        for (name, spec) in specs {
            do { try spec.validate(rows: shapes[name]![0], name: name) } catch {
                throw BertError.invalidValue(file: configPath, key: "quantization.weights.\(name)", reason: "\(error)")
            }
        }
        let path = (directory as NSString).appendingPathComponent("model.safetensors")
        let file = try SafetensorsFile(path: path)
        var weights: [String: LowBitWeight] = [:]
        for (name, spec) in specs { weights[name] = try LowBitWeight(file: file, name: name, spec: spec, shape: shapes[name]!) }
        var floats: [String: Tensor] = [:]
        for name in shapes.keys.map({ $0 + ".bias" }) + Self.normShapes(config).keys { floats[name] = try file.tensor(named: name) }
        var tables: [String: Int8Tensor] = [:]
        for name in Self.tableNames {
            let q = try file.integers(named: name + ".weight", as: Int8.self)
            let scale = try file.tensor(named: name + ".weight_scale")
            guard scale.shape == [1], let s = scale.scalars.first, s > 0, s.isFinite else {
                throw BertError.invalidValue(file: path, key: name + ".weight_scale", reason: "want one positive finite scale, found shape \(scale.shape)")
            }
            tables[name] = Int8Tensor(shape: q.shape, scalars: q.scalars, scale: s)
        }
        for key in ["activations", "embeddings", "weights"] { block[key] = nil }
        try self.init(component: component, config: config, weights: weights, floats: floats, tables: tables, details: block, path: path)
    }
}
