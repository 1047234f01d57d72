import Dispatch
import SlimTensor
import Testing

@Suite("Kernels called from several threads at once")
struct ConcurrentKernelTests {
    /// oneDNN's library scratchpad is shared by all primitives; executions from different
    /// threads must not overlap (slim_dnnl_execute serialises them).
    @Test func concurrentMatmulsGiveTheSerialResults() {
        var g = SeededGenerator(seed: 11)
        let inputs = (0..<4).map { _ in
            (Tensor.randomNormal([256, 384], std: 1, using: &g), Tensor.randomNormal([384, 1536], std: 1, using: &g))
        }
        let serial = inputs.map { matmul($0.0, $0.1).scalars }
        let results = ConcurrentResults(count: inputs.count * 4)
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { i in
            results.store(matmul(inputs[i % inputs.count].0, inputs[i % inputs.count].1).scalars, at: i)
        }
        for i in 0..<(inputs.count * 4) { #expect(results.values[i] == serial[i % inputs.count]) }
    }
}

/// Results written by index from concurrent iterations.
private final class ConcurrentResults: @unchecked Sendable {
    private(set) var values: [[Float]]
    private let lock = DispatchQueue(label: "results")
    init(count: Int) { values = Array(repeating: [], count: count) }
    func store(_ value: [Float], at index: Int) { lock.sync { values[index] = value } }
}
