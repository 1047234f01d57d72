import BertSlimSDK
import Foundation

extension PointRun {
    /// A quantize stage's training (when its `epochs` is set): cross-entropy fine-tuning of the
    /// prepared model, whose forward pass now runs the quantizer's fake quantization.
    /// Checkpoints hold the weights; a quantizer's observed ranges restart after `--resume`.
    /// - Returns: the loss of every step and the dev metrics of every epoch (empty without training).
    func quantizationAwareTraining(_ model: any Model, _ stage: QuantizeStage, index: Int, folder: URL,
                                   data: RunData) throws -> (losses: [Float], epochs: [ClassificationMetrics]) {
        guard stage.training.settings.epochs > 0 else { return ([], []) }
        guard let bert = model as? BertModel else {
            throw ExperimentError.stageFailed(point: point.id, stage: index, type: "quantize",
                                              reason: "quantization-aware training needs a BERT model (got \(type(of: model)))")
        }
        var settings = stage.training.settings
        settings.seed = recipe.seed
        let trainer = try bert.classificationTrainer(on: try split(.train, data), settings: settings)
        return try train(trainer, block: stage.training, index: index, type: "quantize", folder: folder, data: data)
    }
}
