/// Everything an optimizer needs to continue a run exactly where it stopped.
///
/// It has the shape of a safetensors file: buffers are Float32 tensors named after the
/// parameter's position (`param.3.exp_avg`, with PyTorch's buffer names) and counters and
/// settings are strings. Floats are written as their shortest round-tripping decimal, so a
/// restored optimizer holds the same bits and the resumed run is identical to an
/// uninterrupted one. Save it next to the model's weights:
/// ```swift
/// try optimizer.state.write(to: "run/optimizer.safetensors")
/// try optimizer.restore(OptimizerState(path: "run/optimizer.safetensors"))
/// ```
public struct OptimizerState {
    /// Buffers by name.
    public var tensors: [String: Tensor]
    /// Counters and settings by name.
    public var metadata: [String: String]

    /// A state made of `tensors` and `metadata`.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a state saved by ``write(to:)``.
    /// - Throws: ``SafetensorsError`` naming the file.
    public init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        var tensors: [String: Tensor] = [:]
        for name in file.names { tensors[name] = try file.tensor(named: name) }
        self.init(tensors: tensors, metadata: file.metadata)
    }

    /// Writes the state as a safetensors file, atomically.
    /// - Throws: ``SafetensorsError`` naming the file.
    public func write(to path: String) throws {
        try SafetensorsFile.write(tensors: tensors, metadata: metadata, to: path)
    }
}

extension OptimizerState: Equatable {
    /// Same metadata and the same tensors, bit for bit.
    public static func == (a: OptimizerState, b: OptimizerState) -> Bool {
        a.metadata == b.metadata && Set(a.tensors.keys) == Set(b.tensors.keys) && a.tensors.allSatisfy { name, tensor in
            guard let other = b.tensors[name] else { return false }
            return SafetensorsValue.float(tensor) == .float(other)
        }
    }
}

// Writing and checking the parts every optimizer has: its kind, counters and groups.
extension OptimizerState {
    init(kind: String, stepCount: Int, learningRate: Float, groups: [ParameterGroup], settings: [String: Float]) {
        self.init()
        metadata["optimizer"] = kind
        metadata["step_count"] = String(stepCount)
        metadata["lr"] = "\(learningRate)"
        metadata["groups"] = String(groups.count)
        for (g, group) in groups.enumerated() {
            metadata["group.\(g).size"] = String(group.parameters.count)
            metadata["group.\(g).lr_scale"] = "\(group.learningRateScale)"
            metadata["group.\(g).weight_decay"] = "\(group.weightDecay)"
        }
        for (key, value) in settings { metadata[key] = "\(value)" }
    }
}

/// Reads a saved state for one optimizer, with errors that say what is wrong.
struct OptimizerStateReader {
    let state: OptimizerState
    let optimizer: String

    /// Checks the kind and the group layout against `groups`; returns each group's saved
    /// settings.
    func checkLayout(of groups: [ParameterGroup]) throws -> [ParameterGroup] {
        let kind = try string("optimizer")
        guard kind == optimizer else { throw fail("the state is for \(kind)") }
        let count = try int("groups")
        guard count == groups.count else { throw fail("it has \(count) parameter groups, this optimizer \(groups.count)") }
        let restored = try groups.enumerated().map { g, group in
            let size = try int("group.\(g).size")
            guard size == group.parameters.count else {
                throw fail("group \(g) has \(size) parameters in the state, \(group.parameters.count) here")
            }
            return ParameterGroup(group.parameters, weightDecay: try float("group.\(g).weight_decay"),
                                  learningRateScale: try float("group.\(g).lr_scale"))
        }
        do {
            try ParameterGroup.validate(restored, optimizer: optimizer)
        } catch let error as OptimizerError {
            throw fail("bad group settings (\(error))")
        }
        return restored
    }

    func string(_ key: String) throws -> String {
        guard let value = state.metadata[key] else { throw fail("'\(key)' is missing") }
        return value
    }

    func float(_ key: String) throws -> Float {
        let text = try string(key)
        guard let value = Float(text) else { throw fail("'\(key)' = '\(text)' is not a number") }
        return value
    }

    /// A hyperparameter, held to the same range the optimizer's initializer checks.
    func setting(_ key: String, below upper: Float? = nil) throws -> Float {
        let value = try float(key)
        guard value.isFinite, value >= 0, value < (upper ?? .infinity) else {
            throw fail("'\(key)' = \(value) is out of range")
        }
        return value
    }

    func int(_ key: String) throws -> Int {
        let text = try string(key)
        guard let value = Int(text), value >= 0 else { throw fail("'\(key)' = '\(text)' is not a count") }
        return value
    }

    /// Tensor `key`, which must have `shape`.
    func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        guard let tensor = state.tensors[key] else { throw fail("'\(key)' is missing") }
        guard tensor.shape == shape else { throw fail("'\(key)' has shape \(tensor.shape), the parameter \(shape)") }
        return tensor
    }

    func fail(_ reason: String) -> OptimizerError { .incompatibleState(optimizer: optimizer, reason: reason) }
}
