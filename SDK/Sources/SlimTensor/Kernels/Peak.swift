internal import CSlimKernels

/// Measures the FMA throughput of all workers together, in GFLOP/s: the ceiling a GEMM on
/// this machine can approach. Takes about `seconds` (a few tenths is enough).
public func measuredFMAPeakGFLOPs(seconds: Double = 0.3) -> Double {
    slim_fma_peak_gflops(seconds)
}
