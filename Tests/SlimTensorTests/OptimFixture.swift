import BertSlimSDK
import Foundation

/// Tests/SlimTensorTests/Fixtures/optim.json, written by scripts/make-optim-fixtures.py
/// from torch.optim, torch.nn.utils.clip_grad_norm_ and transformers' schedules.
struct OptimFixture: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
        var tensor: Tensor { Tensor(shape: shape, scalars: values) }
    }

    struct Step: Decodable {
        /// Each group's learning rate during the step.
        let lrs: [Double]
        /// Global gradient norm before clipping (AdamW case only).
        let norm: Float?
        let clipped_grads: [String: Values]?
        /// Parameters after the step.
        let params: [String: Values]
    }

    struct AdamWSettings: Decodable {
        let lr, weight_decay, no_decay_lr_scale, beta1, beta2, eps, max_norm: Float
        let warmup_steps, total_steps: Int
    }

    struct AdamWCase: Decodable {
        let settings: AdamWSettings
        let no_decay: [String]
        let params: [String: Values]
        let grads: [[String: Values]]
        let steps: [Step]
        let state: [String: [String: Values]]
    }

    struct SGDSettings: Decodable {
        let lr, momentum, weight_decay: Float
        let nesterov: Bool
    }

    struct SGDCase: Decodable {
        let settings: SGDSettings
        let params: [String: Values]
        let grads: [[String: Values]]
        let steps: [Step]
        let state: [String: [String: Values]]
    }

    struct Schedule: Decodable {
        let kind: String
        let warmup_steps: Int
        let total_steps: Int?
        let cycles: Double?
        let factors: [Double]
    }

    struct Clipping: Decodable {
        let max_norm: Float
        let grads: [Values]
        let norm: Float
        let clipped: [Values]
    }

    /// Parameter names in model order.
    let order: [String]
    let adamw: AdamWCase
    let sgd: SGDCase
    let sgd_nesterov: SGDCase
    let schedules: [Schedule]
    let clipping: [Clipping]

    static func load() throws -> OptimFixture {
        guard let url = Bundle.module.url(forResource: "optim", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/optim.json"])
        }
        return try JSONDecoder().decode(OptimFixture.self, from: Data(contentsOf: url))
    }
}

extension Dictionary where Key == String, Value == OptimFixture.Values {
    /// Tensor `name`; a fixture that lacks it is a broken fixture, reported by the test.
    func tensor(_ name: String) -> Tensor? { self[name]?.tensor }
}
