import BertSlimSDK
import Foundation
import Yams

/// One sweep point's stages, run in order on a ``RunState``, each stage's model the next one's
/// input. A stage whose prefix (data, starting model, seed and the stages up to it) ran
/// before, in this run or an earlier one with the same cache folder, is reused from its
/// folder in the stage cache instead of run again.
struct PointRun {
    let experiment: Experiment
    let validated: ValidatedRecipe.Point
    let exportPrefix: String

    var point: Recipe.Point { validated.point }
    var recipe: Recipe { point.recipe }

    func run() throws -> PointResult {
        guard let teacher = recipe.teacher else {
            throw RecipeError.needsModel(path: "stages[0]", stage: recipe.stages.first?.type ?? "first", at: nil)
        }
        let tokenizerDirectory = recipe.resolve(teacher.tokenizer ?? teacher.model)
        let state = RunState(experiment: experiment, point: point,
                             data: try experiment.data(for: recipe, tokenizerDirectory: tokenizerDirectory),
                             exportPrefix: exportPrefix, modelDirectory: recipe.resolve(teacher.model),
                             tokenizerDirectory: tokenizerDirectory)
        state.models.append(ModelResult(origin: "teacher", parameters: try state.currentModel().parameterCount,
                                        fileBytes: RunFiles.weightBytes(in: state.modelDirectory)))
        for (index, planned) in validated.stages.enumerated() {
            if Interruption.isRequested { throw ExperimentError.interrupted(folder: experiment.options.outputDirectory) }
            let type = planned.stage.type
            let folder = experiment.cache.appendingPathComponent(stageFolders[index])
            let resultPath = folder.appendingPathComponent("result.json").path
            if planned.stage.isCached {
                // Every rank reuses the stage if rank 0 has it finished (its result and model).
                let finished = Distributed.world.isRoot && FileManager.default.fileExists(atPath: resultPath)
                try FolderMirror.mirror(folder) { finished && !$0.hasPrefix("checkpoint/") && !$0.hasPrefix("step-") }
            }
            if planned.stage.isCached, let record = RunFiles.readJSON(StageRecord.self, from: resultPath) {
                experiment.emit(.stageStarted(point: point.id, stage: index, type: type, reused: true))
                apply(record, folder: folder, reused: true, to: state)
                if let id = planned.stage.id { state.stageModelDirectories[id] = state.modelDirectory }
                experiment.recordStage(index, type: type, reused: true, of: state)
                continue
            }
            experiment.emit(.stageStarted(point: point.id, stage: index, type: type, reused: false))
            let started = Date()
            var record: StageRecord
            do {
                record = try planned.run(StageRun(state: state, index: index, type: type, folder: folder))
            } catch let error as ExperimentError {
                throw error
            } catch let error as RecipeError {
                throw error
            } catch {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: type, reason: String(describing: error))
            }
            record.seconds = Date().timeIntervalSince(started)
            try RunFiles.writeJSON(record, to: resultPath)
            apply(record, folder: folder, reused: false, to: state)
            if let id = planned.stage.id { state.stageModelDirectories[id] = state.modelDirectory }
            experiment.emit(.stageFinished(point: point.id, stage: index, type: type, seconds: record.seconds))
            experiment.recordStage(index, type: type, reused: false, of: state)
        }
        return PointResult(id: point.id, label: point.label, values: point.values, models: state.models, exports: state.exports)
    }

    /// Folds a stage's record into the point's model list.
    private func apply(_ record: StageRecord, folder: URL, reused: Bool, to state: RunState) {
        if let teacher = record.teacher { state.models.append(teacher) }
        if let made = record.model {
            state.models.append(made)
            state.modelDirectory = folder.appendingPathComponent("model").path
            if reused { state.model = nil }
        }
        guard !state.models.isEmpty else { return }
        let last = state.models.count - 1
        for (split, metrics) in record.evaluation ?? [:] { state.models[last].evaluations[split] = metrics }
        for (size, ms) in record.latencyMs ?? [:] { state.models[last].latencyMs[size] = ms }
        if let threads = record.threads { state.models[last].threads = threads }
        if let export = record.export { state.exports.append(export) }
    }

    /// Each stage's folder in the stage cache: `<index>-<type>-<key of the stages up to it>`.
    var stageFolders: [String] {
        validated.stages.indices.map { "\($0)-\(validated.stages[$0].stage.type)-\(prefixHash(through: $0))" }
    }

    /// The key of the stages up to `index`: the same data, start model, seed and stages give
    /// the same key, so their work is shared.
    private func prefixHash(through index: Int) -> String {
        let document = recipe.document
        var parts = ["seed=\(recipe.seed)"]
        for key in ["data", "teacher"] {
            parts.append((try? document.node(at: key).map { try Yams.serialize(node: $0) }) ?? "")
        }
        for i in 0...index { parts.append((try? document.node(at: "stages[\(i)]").map { try Yams.serialize(node: $0) }) ?? "") }
        return String(stableHash(parts.joined(separator: "\u{1}")).prefix(12))
    }
}
