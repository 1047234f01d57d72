import BertSlimSDK
import Foundation
import Testing

// SlimTensor's `tanh`, `max`, … are free functions like Foundation's. In a file that imports
// both, each call must resolve by argument type without qualification; this file compiling
// is most of the test.
@Suite struct FoundationInteropTests {
    @Test func sameNamesResolveByArgumentType() {
        let x = Tensor(shape: [3], scalars: [-1, 0, 2])
        let scalar: Float = tanh(0.5)
        let double: Double = tanh(0.5)
        #expect(abs(scalar - 0.46211716) < 1e-6 && abs(double - 0.46211715726) < 1e-9)
        expectClose(tanh(x).scalars, x.scalars.map { tanh($0) }, atol: 1e-6, rtol: 1e-6)
        expectClose(sigmoid(x).scalars, x.scalars.map { 1 / (1 + exp(-$0)) }, atol: 1e-6, rtol: 1e-6)
        #expect(relu(x).scalars == [0, 0, 2])
        #expect(gelu(x).count == 3)
        #expect(max(1, 2) == 2 && max(2.5, 1.0) == 2.5)
        #expect(max(x).item == 2 && argmax(x) == [2])
        #expect(sum(x).item == 1)
    }
}
