// Which instruction-set level SlimTensor's own loops and oneDNN run at.
//
// The level is what the CPU has, capped once per process by the environment variable
// BERTSLIM_MAX_ISA (baseline | avx2 | avx2_vnni | avx512 | avx512_vnni | amx), which also caps
// oneDNN before its first primitive, and capped further per thread by slim_isa_set_thread_cap
// (tests run every variant of a loop that way on one machine; oneDNN keeps the process level).
#ifndef SLIM_ISA_H
#define SLIM_ISA_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SLIM_ISA_BASELINE = 0,     // x86-64 (SSE2), or any other architecture: portable C
    SLIM_ISA_AVX2 = 1,         // x86-64-v3: AVX2, FMA, BMI2
    SLIM_ISA_AVX2_VNNI = 2,    // … plus AVX-VNNI (int8 dot products in 256-bit registers)
    SLIM_ISA_AVX512 = 3,       // x86-64-v4: AVX-512 F, BW, DQ, VL
    SLIM_ISA_AVX512_VNNI = 4,  // … plus AVX-512 VNNI
    SLIM_ISA_AMX = 5,          // … plus AMX int8 tiles
} slim_isa;

/// Whether this CPU (and its OS) can run code of `level`.
int slim_isa_supported(slim_isa level);
/// The highest level this CPU supports.
slim_isa slim_isa_detected(void);
/// The level of this process: the CPU's, capped by BERTSLIM_MAX_ISA.
slim_isa slim_isa_process(void);
/// The level the loops use on the calling thread: the process level, capped by the thread's cap.
slim_isa slim_isa_current(void);
/// Caps the calling thread's loops at `cap` (the highest supported level not above it);
/// SLIM_ISA_AMX lifts the cap. Returns the previous cap.
slim_isa slim_isa_set_thread_cap(slim_isa cap);
/// "baseline", "avx2", "avx2_vnni", "avx512", "avx512_vnni" or "amx".
const char *slim_isa_name(slim_isa level);
/// The value of BERTSLIM_MAX_ISA when it names no level (it is then ignored), else NULL.
const char *slim_isa_invalid_cap(void);
/// The level oneDNN dispatches on, as its own name (e.g. "avx512_core_vnni").
const char *slim_isa_onednn_name(void);
/// Whether oneDNN's int8 matmul has VNNI (or AMX) here, i.e. is exact for full-range int8.
int slim_isa_onednn_int8_exact(void);

#ifdef __cplusplus
}
#endif
#endif
