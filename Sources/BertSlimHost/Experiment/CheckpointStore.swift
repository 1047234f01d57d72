import BertSlimSDK
import Foundation

/// A training stage's checkpoints: `checkpoint/step-<n>/` folders (model weights,
/// `optimizer.safetensors`, `state.json`) and `checkpoint/latest.json` naming the newest
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
    func save(model: any Model, checkpoint: TrainingCheckpoint, losses: [Float], metricsOffset: UInt64) throws {
        let name = "step-\(checkpoint.position.step)"
        let target = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try model.save(to: target.appendingPathComponent("model").path)
        try checkpoint.optimizer.write(to: target.appendingPathComponent("optimizer.safetensors").path)
        try RunFiles.writeJSON(State(position: checkpoint.position, dropoutGenerator: checkpoint.dropoutGenerator,
                                     history: checkpoint.history, losses: losses, metricsOffset: metricsOffset),
                               to: target.appendingPathComponent("state.json").path)
        try RunFiles.writeJSON(Pointer(folder: name), to: folder.appendingPathComponent("latest.json").path)
        for old in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where old.hasPrefix("step-") && old != name {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
    }

    /// Loads the newest checkpoint into `model`; nil when there is none.
    func load(into model: any Model) throws -> (TrainingCheckpoint, State)? {
        guard let pointer = RunFiles.readJSON(Pointer.self, from: folder.appendingPathComponent("latest.json").path) else { return nil }
        let source = folder.appendingPathComponent(pointer.folder)
        guard let state = RunFiles.readJSON(State.self, from: source.appendingPathComponent("state.json").path) else { return nil }
        try model.load(from: source.appendingPathComponent("model").path)
        let optimizer = try OptimizerState(path: source.appendingPathComponent("optimizer.safetensors").path)
        return (TrainingCheckpoint(position: state.position, optimizer: optimizer, dropoutGenerator: state.dropoutGenerator,
                                   history: state.history), state)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
