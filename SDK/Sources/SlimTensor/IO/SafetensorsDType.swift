/// The element types BertSlim reads from and writes to safetensors files.
///
/// Float types are widened to Float32 on load, because every SlimTensor op computes in
/// Float32; integer types stay integers (ids, quantized weights, masks).
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i8 = "I8"
    case u8 = "U8"
    case u16 = "U16"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .u16: return 2
        case .i8, .u8: return 1
        }
    }

    /// Whether values load as a Float32 ``Tensor`` (otherwise as an ``IntegerArray``).
    public var isFloatingPoint: Bool { self == .f32 || self == .f16 || self == .bf16 }

    /// Whether ``SafetensorsFile/write(_:metadata:to:)`` can produce this dtype. Half
    /// precision is read-only: nothing in BertSlim trains or stores weights in it.
    public var isWritable: Bool { self != .f16 && self != .bf16 }
}

/// IEEE 754 binary16 bits to Float32, exactly (every half value is representable).
/// Written out rather than using `Float16`, which is unavailable on macOS on Intel.
@inline(__always)
func floatFromHalfBits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1f
    let mantissa = UInt32(h & 0x3ff)
    if exponent == 0x1f {
        // Infinity, or NaN with its payload kept.
        return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
    }
    if exponent == 0 {
        // Zero or subnormal: mantissa · 2⁻²⁴ is exact in Float32.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// bfloat16 bits to Float32: bfloat16 is the upper half of a Float32.
@inline(__always)
func floatFromBFloat16Bits(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}
