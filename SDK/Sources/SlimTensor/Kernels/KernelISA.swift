internal import CSlimKernels

/// The instruction-set level SlimTensor's own loops and oneDNN run at: what the CPU has,
/// capped for the whole process by the environment variable `BERTSLIM_MAX_ISA` (read once,
/// before oneDNN's first kernel, and passed on to oneDNN), and per thread by
/// ``withCap(_:_:)``.
///
/// The levels are ordered; a CPU supports a set of them (AVX-512 VNNI without AVX-VNNI, for
/// example), and a cap picks the highest supported level not above it.
public enum KernelISA: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Baseline x86-64 (SSE2) or another architecture: portable C.
    case baseline
    /// x86-64-v3: AVX2, FMA.
    case avx2
    /// AVX2 with AVX-VNNI (exact int8 dot products in oneDNN).
    case avx2VNNI
    /// x86-64-v4: AVX-512 F, BW, DQ, VL.
    case avx512
    /// AVX-512 with VNNI.
    case avx512VNNI
    /// AVX-512 VNNI with AMX int8 tiles.
    case amx

    /// The name `BERTSLIM_MAX_ISA` takes: `baseline`, `avx2`, `avx2_vnni`, `avx512`, `avx512_vnni`, `amx`.
    public var description: String { String(cString: slim_isa_name(slim_isa(UInt32(rawValue)))) }

    /// Whether this CPU can run code of this level.
    public var isSupported: Bool { slim_isa_supported(slim_isa(UInt32(rawValue))) != 0 }

    /// The highest level this CPU supports.
    public static var detected: KernelISA { KernelISA(rawValue: Int(slim_isa_detected().rawValue))! }

    /// This process's level: the CPU's, capped by `BERTSLIM_MAX_ISA`.
    public static var process: KernelISA { KernelISA(rawValue: Int(slim_isa_process().rawValue))! }

    /// The level loops started from this thread run at (the process level, capped by ``withCap(_:_:)``).
    public static var current: KernelISA { KernelISA(rawValue: Int(slim_isa_current().rawValue))! }

    /// `BERTSLIM_MAX_ISA`'s value when it names no level (it is then ignored), else nil.
    public static var invalidCap: String? { slim_isa_invalid_cap().map { String(cString: $0) } }

    /// The ISA oneDNN dispatches on, in its own words (e.g. `avx512_core_vnni`).
    public static var oneDNN: String { String(cString: slim_isa_onednn_name()) }

    /// Whether oneDNN's int8 matmul is exact in this process (it has VNNI or AMX); where it is
    /// not, int8 layers run BertSlim's own int16-product GEMM.
    public static var oneDNNInt8IsExact: Bool { slim_isa_onednn_int8_exact() != 0 }

    /// Runs `body` with this thread's loops capped at `cap`: the way to run, and test, every
    /// variant of a kernel on one machine. oneDNN's own kernels keep the process level, and
    /// int8 layers made inside `body` keep the kernel chosen for the cap.
    public static func withCap<R>(_ cap: KernelISA, _ body: () throws -> R) rethrows -> R {
        let previous = slim_isa_set_thread_cap(slim_isa(UInt32(cap.rawValue)))
        defer { slim_isa_set_thread_cap(previous) }
        return try body()
    }

    public static func < (a: KernelISA, b: KernelISA) -> Bool { a.rawValue < b.rawValue }
}
