import BertSlimSDK
import Foundation

/// A training stage's checkpoints: `checkpoint/step-<n>/` folders (model weights,
/// `optimizer.safetensors`, `state.json`, and `extra.safetensors` with the values of parameters
/// trained beside the model's, a loss's) and `checkpoint/latest.json` naming the newest
/// complete one. The pointer is written last, atomically, so a kill at any moment leaves the
/// previous checkpoint usable.
struct CheckpointStore {
    /// What `state.json` holds besides the tensors.
    struct State: Codable {
        var position: TrainingPosition
        var dropoutGenerator: SeededGenerator?
        var history: [ClassificationMetrics]
        var losses: [Float]
        /// Length of `metrics.jsonl` when the checkpoint was taken.
        var metricsOffset: UInt64
    }

    private struct Pointer: Codable { var folder: String }

    let folder: URL

    /// Saves `model` and `checkpoint`, then moves the pointer and removes older folders.
    func save(model: any Model, extra: [(name: String, parameter: Parameter)] = [], checkpoint: TrainingCheckpoint,
              losses: [Float], metricsOffset: UInt64) throws {
        let name = "step-\(checkpoint.position.step)"
        let target = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try model.save(to: target.appendingPathComponent("model").path)
        try checkpoint.optimizer.write(to: target.appendingPathComponent("optimizer.safetensors").path)
        if !extra.isEmpty {
            try SafetensorsFile.write(tensors: Dictionary(extra.map { ($0.name, $0.parameter.value) }, uniquingKeysWith: { a, _ in a }),
                                      to: target.appendingPathComponent("extra.safetensors").path)
        }
        try RunFiles.writeJSON(State(position: checkpoint.position, dropoutGenerator: checkpoint.dropoutGenerator,
                                     history: checkpoint.history, losses: losses, metricsOffset: metricsOffset),
                               to: target.appendingPathComponent("state.json").path)
        try RunFiles.writeJSON(Pointer(folder: name), to: folder.appendingPathComponent("latest.json").path)
        for old in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where old.hasPrefix("step-") && old != name {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
    }

    /// Loads the newest checkpoint into `model` and `extra`; nil when there is none.
    /// - Throws: when the checkpoint lacks one of `extra` or holds it in another shape.
    func load(into model: any Model, extra: [(name: String, parameter: Parameter)] = []) throws -> (TrainingCheckpoint, State)? {
        guard let pointer = RunFiles.readJSON(Pointer.self, from: folder.appendingPathComponent("latest.json").path) else { return nil }
        let source = folder.appendingPathComponent(pointer.folder)
        guard let state = RunFiles.readJSON(State.self, from: source.appendingPathComponent("state.json").path) else { return nil }
        try model.load(from: source.appendingPathComponent("model").path)
        if !extra.isEmpty {
            let path = source.appendingPathComponent("extra.safetensors").path
            let file = try SafetensorsFile(path: path)
            for (name, parameter) in extra {
                let value = try file.tensor(named: name)
                guard value.shape == parameter.shape else {
                    throw CheckpointError(path: path, reason: "\(name) is \(value.shape), the stage's is \(parameter.shape)")
                }
                parameter.value = value
            }
        }
        let optimizer = try OptimizerState(path: source.appendingPathComponent("optimizer.safetensors").path)
        return (TrainingCheckpoint(position: state.position, optimizer: optimizer, dropoutGenerator: state.dropoutGenerator,
                                   history: state.history), state)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// A checkpoint that does not fit the stage resuming from it.
struct CheckpointError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}
