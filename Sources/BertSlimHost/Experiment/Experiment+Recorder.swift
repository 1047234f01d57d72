import BertSlimSDK
import Foundation

extension Experiment {
    /// What ``ExperimentRecorder/runStarted(_:)`` is told about this run.
    func runDescription(points: [ValidatedRecipe.Point]) throws -> RunDescription {
        let yaml = try recipe.resolvedYAML()
        let train = recipe.resolve(recipe.data.train)
        return RunDescription(
            folder: URL(fileURLWithPath: options.outputDirectory).standardizedFileURL.path,
            recipeName: recipe.name, recipeYAML: yaml, recipeHash: stableHash(yaml),
            seed: options.seed ?? recipe.seed, task: recipe.data.taskName(trainFile: train),
            trainFile: train, devFile: recipe.data.dev.map(recipe.resolve), testFile: recipe.data.test.map(recipe.resolve),
            points: points.map { RunDescription.Point(id: $0.point.id, label: $0.point.label, values: $0.point.values) },
            plugins: host.plugins.map(\.manifest), kernels: KernelChoice(), threads: Threads.count,
            resumed: options.resume, version: SDKVersion.string, command: RunFolderLock.currentCommand)
    }

    /// Tells the recorder that a point's stage ran or was reused.
    func recordStage(_ index: Int, type: String, reused: Bool, of state: RunState) {
        recorder?.stageEnded(StageOutcome(point: state.point.id, stage: index, type: type, reused: reused,
                                          models: state.models, exports: state.exports))
    }
}
