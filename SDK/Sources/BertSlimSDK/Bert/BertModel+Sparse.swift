internal import Foundation

/// BERT folders with pruned weights.
///
/// A weight with a pruning mask (``Parameter/mask``, set by weight pruners through
/// ``WeightMaskable``) is saved in compressed sparse row form, in `model.sparse.safetensors`
/// instead of `model.safetensors`, so that transformers refuses the folder (no weights file it
/// knows) rather than loading it with weights missing; `bertslim export --dense` writes the
/// Hugging Face folder. For a weight `W` (its Hugging Face name, e.g.
/// `bert.encoder.layer.0.intermediate.dense.weight`, ``BertConfig/exportedName(of:classifier:)``) the file holds
///
/// | tensor | dtype | shape |
/// |---|---|---|
/// | `W.csr_shape` | I64 | `[2]`: rows, columns |
/// | `W.csr_offsets` | I32 | `[rows + 1]` |
/// | `W.csr_columns` | U16 | `[stored]` |
/// | `W.csr_values` | F32 | `[stored]` |
///
/// (``SparseMatrix``); every other tensor is stored dense under its own name. The stored
/// entries are the mask: loading sets each weight's value and its mask again, so fine-tuning
/// and further pruning continue from it.
extension BertModel {
    /// The weights file of a BERT folder with pruned weights.
    public static let sparseWeightsFile = "model.sparse.safetensors"

    /// The weights file of the BERT folder `directory`: `model.safetensors`, or
    /// `model.sparse.safetensors` when only that exists.
    public static func weightsFile(in directory: String) -> String {
        let dense = (directory as NSString).appendingPathComponent("model.safetensors")
        let sparse = (directory as NSString).appendingPathComponent(sparseWeightsFile)
        return !FileManager.default.fileExists(atPath: dense) && FileManager.default.fileExists(atPath: sparse) ? sparse : dense
    }

    /// Whether any weight carries a pruning mask (the folder is then saved sparse).
    public var hasMasks: Bool { namedParameters.contains { $0.parameter.mask != nil } }

    /// The tensors of `model.sparse.safetensors`: masked weights in CSR form, the rest dense.
    func sparseTensors() -> [String: SafetensorsValue] {
        var values: [String: SafetensorsValue] = [:]
        for (name, parameter) in exportedParameters {
            let value = parameter.value
            guard let mask = parameter.mask else {
                values[name] = .float(value)
                continue
            }
            let matrix = SparseMatrix(value, mask: mask)
            values[name + ".csr_shape"] = .int64(IntegerArray(shape: [2], scalars: [Int64(matrix.rows), Int64(matrix.columns)]))
            values[name + ".csr_offsets"] = .int32(IntegerArray(shape: [matrix.rowOffsets.count], scalars: matrix.rowOffsets))
            values[name + ".csr_columns"] = .uint16(IntegerArray(shape: [matrix.storedCount], scalars: matrix.columnIndices))
            values[name + ".csr_values"] = .float(Tensor(shape: [matrix.storedCount], scalars: matrix.values))
        }
        return values
    }

    /// The dense shape of a weight stored in CSR form under `name` (nil: not stored so).
    static func csrShape(_ name: String, in file: SafetensorsFile) throws -> [Int]? {
        guard file.entry(named: name + ".csr_shape") != nil else { return nil }
        let shape = try file.integers(named: name + ".csr_shape", as: Int64.self)
        guard shape.scalars.count == 2, shape.scalars.allSatisfy({ (1...Int64(Int32.max)).contains($0) }) else {
            throw BertError.unreadable(file: file.path, reason: "tensor '\(name).csr_shape' must hold two positive sizes, found \(shape.scalars)")
        }
        return shape.scalars.map { Int($0) }
    }

    /// Reads the weight stored in CSR form under `stored` into `parameter`, with its mask.
    func loadSparse(_ parameter: Parameter, stored: String, from file: SafetensorsFile) throws {
        guard let shape = try Self.csrShape(stored, in: file) else { throw BertError.missingTensor(file: file.path, name: stored) }
        guard shape == parameter.shape else {
            throw BertError.shapeMismatch(file: file.path, name: stored, expected: parameter.shape, found: shape)
        }
        let matrix: SparseMatrix
        do {
            matrix = try SparseMatrix(rows: shape[0], columns: shape[1],
                                      rowOffsets: try file.integers(named: stored + ".csr_offsets", as: Int32.self).scalars,
                                      columnIndices: try file.integers(named: stored + ".csr_columns", as: UInt16.self).scalars,
                                      values: try file.tensor(named: stored + ".csr_values").scalars)
        } catch let error as SparseMatrixError {
            throw BertError.unreadable(file: file.path, reason: "tensor '\(stored)' (CSR): \(error.reason)")
        }
        parameter.mask = nil
        parameter.value = matrix.dense()
        parameter.mask = matrix.mask()
    }
}
