import BertSlimSDK
import Foundation
import Testing

/// Packed weights in safetensors: written under the documented names, read back identical, and
/// refused, naming the tensor, when a file does not match the declared bits, groups and shape.
@Suite("Low-bit weights in safetensors")
struct LowBitStorageTests {
    private let name = "encoder.layer.0.attention.self.query"

    private func weight(_ spec: LowBitSpec, rows: Int = 12, columns: Int = 10) throws -> LowBitWeight {
        let w = testValues([rows, columns], seed: 4)
        return spec.scheme == .codebook ? try quantizeKMeans(w, spec: spec, seed: 1) : try quantizeGroupwise(w, spec: spec)
    }

    /// Writes `values` and reads layer `name` back with `spec` and `shape`.
    private func read(_ values: [String: SafetensorsValue], spec: LowBitSpec, shape: [Int] = [12, 10]) throws -> LowBitWeight {
        let folder = try TemporaryFolder()
        let path = folder.file("model.safetensors")
        try SafetensorsFile.write(values, to: path)
        return try LowBitWeight(file: SafetensorsFile(path: path), name: name, spec: spec, shape: shape)
    }

    /// The error reading `values` gives, as text.
    private func failure(_ values: [String: SafetensorsValue], spec: LowBitSpec, shape: [Int] = [12, 10]) -> String {
        do {
            _ = try read(values, spec: spec, shape: shape)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("every scheme and width round-trips under the documented names",
          arguments: LowBitSpec.supportedBits, LowBitSpec.Scheme.allCases)
    func roundTrip(bits: Int, scheme: LowBitSpec.Scheme) throws {
        let spec = LowBitSpec(bits: bits, groups: 3, scheme: scheme)
        let w = try weight(spec)
        let stored = w.storedTensors(name: name)
        #expect(Set(stored.keys) == Set(LowBitWeight.tensorNames(name: name, spec: spec)))
        #expect(stored[name + ".weight"]?.dtype == .u8 && stored[name + ".weight"]?.shape == [12, (10 * bits + 7) / 8])
        #expect(try read(stored, spec: spec) == w)
        #expect(w.byteCount == stored.values.reduce(0) { $0 + $1.shape.reduce(1, *) * $1.dtype.byteSize })
    }

    @Test("tensors that do not match the declaration are refused by name")
    func mismatches() throws {
        let asymmetric = LowBitSpec(bits: 4, groups: 3, scheme: .asymmetric)
        let stored = try weight(asymmetric).storedTensors(name: name)
        func with(_ key: String, _ value: SafetensorsValue?) -> [String: SafetensorsValue] {
            var v = stored
            v[name + key] = value
            return v
        }
        let cases: [(values: [String: SafetensorsValue], spec: LowBitSpec, expected: String)] = [
            (with(".weight_scale", .float(Tensor(shape: [2], scalars: [1, 2]))), asymmetric,
             "tensor '\(name).weight_scale': shape [2], but 4-bit asymmetric weights [12, 10] in 3 groups need [3]"),
            (with(".weight_scale", .float(Tensor(shape: [3], scalars: [1, -2, 3]))), asymmetric,
             "tensor '\(name).weight_scale': scales must be positive and finite"),
            (with(".weight_scale", .float(Tensor(shape: [3], scalars: [1, .nan, 3]))), asymmetric,
             "tensor '\(name).weight_scale': scales must be positive and finite"),
            (with(".weight_zero_point", .uint8(IntegerArray(shape: [3], scalars: [0, 16, 2]))), asymmetric,
             "tensor '\(name).weight_zero_point': zero point 16 is not below 2^4"),
            (with(".weight", .uint8(IntegerArray(shape: [12, 4], scalars: [UInt8](repeating: 0, count: 48)))), asymmetric,
             "tensor '\(name).weight': shape [12, 4], but 4-bit asymmetric weights [12, 10] in 3 groups need [12, 5]"),
            (with(".weight_codebook", .float(Tensor.zeros([3, 16]))), asymmetric,
             "tensor '\(name).weight_codebook': present, but the declared scheme is asymmetric"),
            (stored, LowBitSpec(bits: 4, groups: 3, scheme: .symmetric),
             "tensor '\(name).weight_zero_point': present, but the declared scheme is symmetric"),
            (stored, LowBitSpec(bits: 4, groups: 4, scheme: .asymmetric),
             "tensor '\(name).weight_scale': shape [3], but 4-bit asymmetric weights [12, 10] in 4 groups need [4]"),
            (stored, LowBitSpec(bits: 3, groups: 3, scheme: .asymmetric),
             "tensor '\(name).weight': shape [12, 5], but 3-bit asymmetric weights [12, 10] in 3 groups need [12, 4]"),
            (stored, LowBitSpec(bits: 4, groups: 5, scheme: .asymmetric), "\(name): groups 5 does not divide the 12 rows"),
            (stored, LowBitSpec(bits: 5, groups: 3, scheme: .asymmetric), "\(name): bits 5 is not one of 2, 3, 4, 8"),
            (with(".weight_zero_point", nil), asymmetric, "no tensor named '\(name).weight_zero_point'"),
            (with(".weight_scale", .uint8(IntegerArray(shape: [3], scalars: [1, 2, 3]))), asymmetric,
             "tensor '\(name).weight_scale' is U8, not a float tensor"),
            (with(".weight", .int8(IntegerArray(shape: [12, 5], scalars: [Int8](repeating: 0, count: 60)))), asymmetric,
             "tensor '\(name).weight' is I8, not U8"),
        ]
        for c in cases {
            let message = failure(c.values, spec: c.spec)
            #expect(message.hasSuffix(c.expected), "got: \(message)")
        }
    }

    @Test("a codebook tensor of the wrong size or with non-finite entries is refused by name")
    func codebookMismatches() throws {
        let spec = LowBitSpec(bits: 2, groups: 2, scheme: .codebook)
        var stored = try weight(spec).storedTensors(name: name)
        stored[name + ".weight_codebook"] = .float(Tensor.zeros([2, 8]))
        #expect(failure(stored, spec: spec).hasSuffix(
            "tensor '\(name).weight_codebook': shape [2, 8], but 2-bit codebook weights [12, 10] in 2 groups need [2, 4]"))
        stored[name + ".weight_codebook"] = .float(Tensor(shape: [2, 4], scalars: [0, 1, .infinity, 2, 0, 1, 2, 3]))
        #expect(failure(stored, spec: spec).hasSuffix("tensor '\(name).weight_codebook': centroids must be finite"))
        stored[name + ".weight_codebook"] = nil
        stored[name + ".weight_scale"] = .float(Tensor.ones([2]))
        #expect(failure(stored, spec: spec).hasSuffix("tensor '\(name).weight_scale': present, but the declared scheme is codebook"))
    }

    @Test("in-memory weights are checked too")
    func inMemory() {
        let spec = LowBitSpec(bits: 2, groups: 1, scheme: .symmetric)
        #expect(throws: LowBitError.invalidTensor(path: "", tensor: "weight", reason: "code 4 does not fit in 2 bits")) {
            try LowBitWeight(codes: [0, 4], shape: [1, 2], spec: spec, scales: [1])
        }
        #expect(throws: LowBitError.invalidTensor(path: "", tensor: "weight_scale", reason: "0 values, the declared 1 groups need 1")) {
            try LowBitWeight(codes: [0, 3], shape: [1, 2], spec: spec)
        }
    }

    @Test("weights sharing an input stack into one, row blocks and their parameters in order",
          arguments: [LowBitSpec(bits: 3, groups: 2, scheme: .asymmetric), LowBitSpec(bits: 2, groups: 1, scheme: .codebook)])
    func stacked(spec: LowBitSpec) throws {
        let parts = try (0..<3).map { i -> LowBitWeight in
            let w = testValues([4 * spec.groups, 10], seed: UInt64(i + 1))
            return spec.scheme == .codebook ? try quantizeKMeans(w, spec: spec, seed: 1) : try quantizeGroupwise(w, spec: spec)
        }
        let stacked = try LowBitWeight.stacked(parts, name: "qkv")
        #expect(stacked.shape == [12 * spec.groups, 10] && stacked.spec.groups == 3 * spec.groups)
        #expect(stacked.dequantized().scalars == parts.flatMap { $0.dequantized().scalars })
        let other = try quantizeGroupwise(testValues([4, 10], seed: 9), spec: LowBitSpec(bits: 4, groups: 1, scheme: .asymmetric))
        #expect { try LowBitWeight.stacked([parts[0], other], name: "qkv") } throws: { "\($0)".contains("must share columns, bits, scheme") }
    }
}
