/// A row-major array of integers with a shape: what a safetensors integer tensor loads as.
public struct IntegerArray<Scalar: SafetensorsInteger>: Equatable, Sendable {
    /// Dimensions, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    /// The values in row-major order.
    public var scalars: [Scalar]

    /// An array holding `scalars` with `shape`.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Number of values.
    public var count: Int { scalars.count }
}

/// An integer type with a safetensors dtype.
public protocol SafetensorsInteger: FixedWidthInteger, Sendable {
    /// The dtype this type is stored as.
    static var safetensorsDType: SafetensorsDType { get }
}

extension Int64: SafetensorsInteger { public static var safetensorsDType: SafetensorsDType { .i64 } }
extension Int32: SafetensorsInteger { public static var safetensorsDType: SafetensorsDType { .i32 } }
extension Int8: SafetensorsInteger { public static var safetensorsDType: SafetensorsDType { .i8 } }
extension UInt8: SafetensorsInteger { public static var safetensorsDType: SafetensorsDType { .u8 } }
extension UInt16: SafetensorsInteger { public static var safetensorsDType: SafetensorsDType { .u16 } }

/// One tensor of a safetensors file, whatever its dtype.
public enum SafetensorsValue: Equatable {
    /// Float32 values (loaded from F32, F16 or BF16; always written as F32).
    case float(Tensor)
    case int64(IntegerArray<Int64>)
    case int32(IntegerArray<Int32>)
    case int8(IntegerArray<Int8>)
    case uint8(IntegerArray<UInt8>)
    case uint16(IntegerArray<UInt16>)

    /// Dimensions of the value.
    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int64(let a): return a.shape
        case .int32(let a): return a.shape
        case .int8(let a): return a.shape
        case .uint8(let a): return a.shape
        case .uint16(let a): return a.shape
        }
    }

    /// The dtype the value is written as.
    public var dtype: SafetensorsDType {
        switch self {
        case .float: return .f32
        case .int64: return .i64
        case .int32: return .i32
        case .int8: return .i8
        case .uint8: return .u8
        case .uint16: return .u16
        }
    }

    /// The Float32 tensor, when this is a float value.
    public var tensor: Tensor? {
        if case .float(let t) = self { return t }
        return nil
    }

    /// Whether two values have the same dtype, shape and bits (NaNs with equal payloads
    /// compare equal, which is what a round trip must preserve).
    public static func == (a: SafetensorsValue, b: SafetensorsValue) -> Bool {
        switch (a, b) {
        case (.float(let x), .float(let y)):
            return x.shape == y.shape && x.scalars.map(\.bitPattern) == y.scalars.map(\.bitPattern)
        case (.int64(let x), .int64(let y)): return x == y
        case (.int32(let x), .int32(let y)): return x == y
        case (.int8(let x), .int8(let y)): return x == y
        case (.uint8(let x), .uint8(let y)): return x == y
        case (.uint16(let x), .uint16(let y)): return x == y
        default: return false
        }
    }

    /// Raw little-endian bytes of the values, as stored in the file.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .float(let t): return try t.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .int64(let a): return try a.scalars.withUnsafeBytes(body)
        case .int32(let a): return try a.scalars.withUnsafeBytes(body)
        case .int8(let a): return try a.scalars.withUnsafeBytes(body)
        case .uint8(let a): return try a.scalars.withUnsafeBytes(body)
        case .uint16(let a): return try a.scalars.withUnsafeBytes(body)
        }
    }
}
