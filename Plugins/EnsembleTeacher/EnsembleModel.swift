import Foundation
import BertSlimSDK

/// Several classifiers with the same labels run as one: the mean of their logits, or the log of
/// the mean of their probabilities (so that softmax gives back that mean exactly and argmax is
/// the ensemble's vote). Only logits come out; the members' internals differ and do not average.
///
/// The ensemble is a teacher: with `combine: probabilities` its logits carry no gradient. It is
/// not saved; its members are the folders it was made from.
final class EnsembleModel: Model {
    let members: [(folder: String, model: any Model)]
    let combine: EnsembleSettings.Combine

    init(members: [(folder: String, model: any Model)], combine: EnsembleSettings.Combine) {
        self.members = members
        self.combine = combine
    }

    /// Each member's parameters under `members.<i>.`.
    var namedParameters: [(name: String, parameter: Parameter)] {
        members.enumerated().flatMap { index, member in
            member.model.namedParameters.map { (name: "members.\(index).\($0.name)", parameter: $0.parameter) }
        }
    }

    var labels: [String] { members.first?.model.labels ?? [] }

    /// The combined logits `(B, C)`; `request` is ignored (no internals).
    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        let outputs = try members.map { member -> Tensor in
            guard let logits = try member.model.forward(batch, request: [], training: training).logits, logits.rank == 2 else {
                throw ComponentError("ensemble", "\(member.folder) gave no logits")
            }
            return logits
        }
        guard let first = outputs.first else { throw ComponentError("ensemble", "has no members") }
        if let other = outputs.first(where: { $0.shape != first.shape }) {
            throw ComponentError("ensemble", "members' logits differ in shape: \(first.shape) and \(other.shape)")
        }
        let share = 1 / Float(outputs.count)
        switch combine {
        case .logits:
            return ModelOutput(logits: outputs.dropFirst().reduce(first) { $0 + $1 } * share)
        case .probabilities:
            var mean = [Float](repeating: 0, count: first.count)
            for logits in outputs {
                for (i, p) in softmax(logits.detached).scalars.enumerated() { mean[i] += p * share }
            }
            // log of the mean probability; the floor keeps a class every member rules out finite.
            return ModelOutput(logits: Tensor(shape: first.shape, scalars: mean.map { log(max($0, .leastNormalMagnitude)) }))
        }
    }

    func save(to directory: String) throws {
        throw ComponentError("ensemble", "is made from its member folders and is not saved; save a student distilled from it")
    }

    func load(from directory: String) throws {
        throw ComponentError("ensemble", "is made from its member folders (settings: models) and loads nothing else")
    }
}
