// The machine's FMA ceiling, measured (so benchmarks report achieved GFLOP/s against it).
#ifndef SLIM_PEAK_H
#define SLIM_PEAK_H
#ifdef __cplusplus
extern "C" {
#endif
/// Runs independent FMA chains on every worker of the pool for about `seconds` and
/// returns the total GFLOP/s (AVX-512 where the CPU has it, else AVX2+FMA).
double slim_fma_peak_gflops(double seconds);
#ifdef __cplusplus
}
#endif
#endif
