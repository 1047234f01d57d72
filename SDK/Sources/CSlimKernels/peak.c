// Twelve independent FMA chains per worker: enough to cover FMA latency on current x86
// cores, so the rate is the FMA units' throughput, the ceiling a GEMM can approach.
#include "slim_isa.h"
#include "slim_kernels.h"
#include "slim_peak.h"

#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS(T, SET1, FMA)                                                          \
    T a0 = SET1(1.0f), a1 = SET1(1.1f), a2 = SET1(1.2f), a3 = SET1(1.3f), a4 = SET1(1.4f), \
      a5 = SET1(1.5f), a6 = SET1(1.6f), a7 = SET1(1.7f), a8 = SET1(1.8f), a9 = SET1(1.9f), \
      a10 = SET1(2.1f), a11 = SET1(2.2f), b = SET1(0.999999f), c = SET1(1e-7f);     \
    for (long i = 0; i < iters; i++) {                                                \
        __asm__ volatile("" : "+v"(b));                                               \
        a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);   \
        a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);   \
        a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c); \
    }                                                                                 \
    T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                \
    float out[sizeof(T) / 4];                                                         \
    __builtin_memcpy(out, &s, sizeof s);                                              \
    return out[0];

__attribute__((target("avx512f,fma"))) static float chains512(long iters) {
    CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps)
}
__attribute__((target("avx2,fma"))) static float chains256(long iters) {
    CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps)
}

struct peak_job { long iters; int wide; double seconds[256]; volatile float sink; };

static void peak_range(void *ctx, int64_t lo, int64_t hi) {
    struct peak_job *job = ctx;
    for (int64_t w = lo; w < hi; w++) {
        double start = now();
        job->sink = job->wide ? chains512(job->iters) : chains256(job->iters);
        job->seconds[w % 256] = now() - start;
    }
}

#endif

double slim_fma_peak_gflops(double seconds) {
#if !defined(__x86_64__)
    (void)seconds;
    return 0;  // no FMA-chain kernel for this architecture: benchmarks print no ceiling
#else
    int workers = slim_num_threads();
    if (workers > 256) workers = 256;
    slim_isa level = slim_isa_current();
    struct peak_job job = {.iters = 1000000, .wide = level >= SLIM_ISA_AVX512};
    if (level < SLIM_ISA_AVX2) return 0;
    double lanes = job.wide ? 16 : 8;
    for (;;) {  // grow the run until it lasts long enough to time
        slim_parallel_for(workers, 1, peak_range, &job);
        double slowest = 0;
        for (int w = 0; w < workers; w++) slowest = job.seconds[w] > slowest ? job.seconds[w] : slowest;
        if (slowest >= seconds || job.iters > (1L << 34)) {
            double total = 0;
            for (int w = 0; w < workers; w++) total += job.iters * 12 * lanes * 2 / job.seconds[w];
            return total / 1e9;
        }
        job.iters *= 4;
    }
#endif
}
