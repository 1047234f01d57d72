import BertSlimSDK
import Foundation
import Testing

/// Power iteration on finite-difference Hessian-vector products, on losses whose Hessian is
/// known exactly. (The golden test against PyTorch's `hvp` on a small BERT is in
/// BertSlimSDKTests/HessianGoldenTests.swift.)
@Suite("Hessian top eigenvalue")
struct HessianEigenvalueTests {
    /// A symmetric matrix with eigenvalues `spectrum`: Q·diag(λ)·Qᵀ for an orthogonal Q
    /// (Gram–Schmidt of fixed random vectors).
    private func matrix(spectrum: [Double]) -> [[Double]] {
        let n = spectrum.count
        var q: [[Double]] = []
        var g = SeededGenerator(seed: 17)
        for _ in 0..<n {
            var v = (0..<n).map { _ in Double(g.nextNormal()) }
            for u in q {
                let d = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                v = zip(v, u).map { $0 - d * $1 }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            q.append(v.map { $0 / norm })
        }
        return (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0) { $0 + q[$1][i] * spectrum[$1] * q[$1][j] } } }
    }

    @Test("quadratic loss over two parameters: the dominant eigenvalue of its matrix")
    func quadratic() {
        let spectrum: [Double] = [0.3, -1.2, 4.0, 0.05, 2.5, 1.0, -0.7]
        let a = matrix(spectrum: spectrum)
        let matrixTensor = Tensor(shape: [7, 7], scalars: a.flatMap { $0.map(Float.init) })
        let first = Parameter(Tensor(shape: [1, 3], scalars: [0.2, -0.1, 0.4]))
        let second = Parameter(Tensor(shape: [1, 4], scalars: [1, 0.5, -0.3, 0.1]))
        first.grad = Tensor(shape: [1, 3], scalars: [9, 9, 9])  // a pending gradient, restored after
        // L = ½ θᵀAθ + Σθ with θ = [first, second].
        let result = topHessianEigenvalue(parameters: [first, second], seed: 3) {
            let theta = concat([first.tensor, second.tensor], axis: 1)
            return sum(matmul(theta, matrixTensor) * theta) * 0.5 + sum(theta)
        }
        #expect(result.converged)
        #expect(abs(result.value - 4.0) / 4.0 < 1e-3, "λ = \(result.value) after \(result.iterations) iterations")
        #expect(first.value.scalars == [0.2, -0.1, 0.4] && second.value.scalars == [1, 0.5, -0.3, 0.1])
        #expect(first.grad?.scalars == [9, 9, 9] && second.grad == nil)
    }

    /// L = Σ a_i θ_i²/2 + c_i θ_i⁴/12 has H = diag(a_i + c_i θ_i²): a non-zero third derivative,
    /// where the central difference is no longer exact.
    @Test("quartic loss: the finite-difference error stays small")
    func quartic() {
        let theta: [Float] = [0.5, -1.5, 1.0, 2.0, -0.2]
        let a: [Float] = [1, 0.5, -2, 0.3, 1.5], c: [Float] = [2, 1.2, 0.5, 0.9, 4]
        let exact = zip(zip(a, c), theta).map { Double($0.0) + Double($0.1) * Double($1 * $1) }  // dominant: 0.3 + 0.9·4 = 3.9
        let p = Parameter(Tensor(shape: [5], scalars: theta))
        let aT = Tensor(shape: [5], scalars: a), cT = Tensor(shape: [5], scalars: c)
        let result = topHessianEigenvalue(parameters: [p], seed: 1) {
            let x = p.tensor
            return sum(aT * x * x) * 0.5 + sum(cT * x * x * x * x) * (1.0 / 12)
        }
        let top = exact.max(by: { abs($0) < abs($1) })!
        #expect(abs(result.value - top) / abs(top) < 1e-3, "λ = \(result.value), exact \(top)")
    }

    @Test("a flat loss has eigenvalue 0")
    func flat() {
        let p = Parameter(Tensor(shape: [3], scalars: [1, 2, 3]))
        let result = topHessianEigenvalue(parameters: [p]) { sum(p.tensor) * 2 }
        #expect(result.value == 0)
    }
}
