/// A safetensors checkpoint opened for reading.
///
/// Opening maps the file and validates the whole header (see ``SafetensorsEntry``); no
/// tensor data is read until a tensor is asked for, so loading a few tensors from a large
/// file touches only their pages.
///
/// Float tensors are **copied** out of the mapping into SlimTensor's own 64-byte aligned
/// storage rather than viewed in place: the data section is only guaranteed 8-byte aligned,
/// parameters are updated in place by optimizers (a read-only mapping would copy anyway),
/// and a model that does not keep the file mapped lets the same checkpoint be rewritten
/// while the model lives. The copy is one `memcpy` per F32 tensor.
///
/// ```swift
/// let file = try SafetensorsFile(path: "model.safetensors")
/// let w = try file.tensor(named: "pooler.dense.weight")            // Tensor, shape [384, 384]
/// let ids = try file.integers(named: "embeddings.position_ids", as: Int64.self)
/// ```
public final class SafetensorsFile: @unchecked Sendable {
    /// The path the file was opened from (used in every error message).
    public let path: String
    /// The `__metadata__` strings (empty when the file has none).
    public let metadata: [String: String]
    /// Every tensor's description, in the order of their data in the file.
    public let entries: [SafetensorsEntry]

    private let mapping: MappedFile
    private let dataStart: Int
    private let index: [String: Int]

    /// Maps and validates the file at `path`.
    /// - Throws: ``SafetensorsError`` naming the file (and the tensor) when it cannot be
    ///   opened or its header is malformed.
    public init(path: String) throws {
        self.path = path
        mapping = try MappedFile(path: path)
        let header = try SafetensorsHeader(file: mapping.bytes, path: path)
        metadata = header.metadata
        entries = header.entries
        dataStart = header.dataStart
        index = Dictionary(uniqueKeysWithValues: header.entries.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// Names of the tensors, in data order.
    public var names: [String] { entries.map(\.name) }

    /// The description of tensor `name`, or nil when the file has none.
    public func entry(named name: String) -> SafetensorsEntry? { index[name].map { entries[$0] } }

    /// Tensor `name` as Float32 (F16 and BF16 are widened exactly).
    /// - Throws: ``SafetensorsError/missingTensor(path:tensor:)``, or
    ///   ``SafetensorsError/wrongDType(path:tensor:stored:requested:)`` for integer tensors.
    public func tensor(named name: String) throws -> Tensor {
        let entry = try lookup(name)
        guard entry.dtype.isFloatingPoint else {
            throw SafetensorsError.wrongDType(path: path, tensor: name, stored: entry.dtype, requested: "a float tensor")
        }
        var tensor = Tensor(uninitializedShape: entry.shape)
        let source = data(of: entry)
        tensor.withUnsafeMutableBufferPointer { out in
            switch entry.dtype {
            case .f32:
                if let base = source.baseAddress, let target = out.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: base, byteCount: source.count)
                }
            case .f16:
                for i in 0..<out.count {
                    out[i] = floatFromHalfBits(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<out.count {
                    out[i] = floatFromBFloat16Bits(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .i64, .i32, .i8, .u8, .u16:
                break  // excluded by the guard above
            }
        }
        return tensor
    }

    /// Tensor `name` as integers of type `T`, which must be its stored dtype exactly (no
    /// silent narrowing of ids or quantized weights).
    /// - Throws: ``SafetensorsError/missingTensor(path:tensor:)`` or
    ///   ``SafetensorsError/wrongDType(path:tensor:stored:requested:)``.
    public func integers<T: SafetensorsInteger>(named name: String, as type: T.Type = T.self) throws -> IntegerArray<T> {
        let entry = try lookup(name)
        guard entry.dtype == T.safetensorsDType else {
            throw SafetensorsError.wrongDType(path: path, tensor: name, stored: entry.dtype, requested: T.safetensorsDType.rawValue)
        }
        let source = data(of: entry)
        let scalars = [T](unsafeUninitializedCapacity: entry.count) { buffer, initialized in
            if let base = source.baseAddress, let target = buffer.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: base, byteCount: source.count)
            }
            initialized = entry.count
        }
        return IntegerArray(shape: entry.shape, scalars: scalars)
    }

    /// Tensor `name` in the form its dtype calls for.
    public func value(named name: String) throws -> SafetensorsValue {
        switch try lookup(name).dtype {
        case .f32, .f16, .bf16: return .float(try tensor(named: name))
        case .i64: return .int64(try integers(named: name))
        case .i32: return .int32(try integers(named: name))
        case .i8: return .int8(try integers(named: name))
        case .u8: return .uint8(try integers(named: name))
        case .u16: return .uint16(try integers(named: name))
        }
    }

    /// Every tensor, by name.
    public func values() throws -> [String: SafetensorsValue] {
        var result: [String: SafetensorsValue] = [:]
        for entry in entries { result[entry.name] = try value(named: entry.name) }
        return result
    }

    private func lookup(_ name: String) throws -> SafetensorsEntry {
        guard let entry = entry(named: name) else { throw SafetensorsError.missingTensor(path: path, tensor: name) }
        return entry
    }

    /// The entry's bytes inside the mapping (bounds were checked when the header was read).
    private func data(of entry: SafetensorsEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[(dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound)])
    }
}
