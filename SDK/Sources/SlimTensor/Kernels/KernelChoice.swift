internal import CSlimKernels

/// Which kernels run on this thread: the instruction-set level and the implementations chosen
/// for a float GEMM, an int8 GEMM and inference attention at BERT's shapes. Benchmarks print
/// it and runs log it, so every number says what produced it.
public struct KernelChoice: Codable, Sendable, CustomStringConvertible {
    /// The level in use (``KernelISA/current``).
    public var isa: String
    /// The CPU's own level (``KernelISA/detected``).
    public var cpu: String
    /// The ISA oneDNN dispatches on.
    public var oneDNN: String
    /// The float GEMM's implementation (oneDNN's name, e.g. `brg:avx512_core`).
    public var floatMatmul: String
    /// The int8 GEMM's (e.g. `brg:avx512_core_vnni`, `bertslim:s16_avx2`).
    public var int8Matmul: String
    /// Inference attention's (e.g. `bertslim:fused_avx512`).
    public var attention: String

    /// The choices for `rows` × `features` GEMMs and heads of `headSize`.
    public init(rows: Int = 1024, features: Int = 384, headSize: Int = 32) {
        isa = KernelISA.current.description
        cpu = KernelISA.detected.description
        oneDNN = KernelISA.oneDNN
        floatMatmul = String(cString: slim_matmul_impl_name(Int64(rows), Int64(features), Int64(features)))
        let weight = IntegerArray<Int8>(shape: [features, features], scalars: [Int8](repeating: 1, count: features * features))
        int8Matmul = Int8Linear(weight: weight, weightScales: [Float](repeating: 1, count: features), bias: nil)?
            .implementationName(rows: rows) ?? "unavailable"
        attention = attentionImplementationName(headSize: headSize)
    }

    public var description: String {
        "isa \(isa) (cpu \(cpu), oneDNN \(oneDNN)); f32 matmul \(floatMatmul), int8 matmul \(int8Matmul), attention \(attention)"
    }

    enum CodingKeys: String, CodingKey {
        case isa, cpu, oneDNN = "onednn", floatMatmul = "f32_matmul", int8Matmul = "int8_matmul", attention
    }
}
