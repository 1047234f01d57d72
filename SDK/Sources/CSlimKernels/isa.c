// The instruction-set level: detected once, capped by BERTSLIM_MAX_ISA for the process
// (oneDNN included) and by a per-thread cap for tests. See slim_isa.h.
#include "slim_isa.h"

#include <dnnl.h>
#include <dnnl_debug.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"baseline", "avx2", "avx2_vnni", "avx512", "avx512_vnni", "amx"};

int slim_isa_supported(slim_isa level) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int v3 = __builtin_cpu_supports("x86-64-v3"), v4 = __builtin_cpu_supports("x86-64-v4");
    switch (level) {
    case SLIM_ISA_BASELINE: return 1;
    case SLIM_ISA_AVX2: return v3;
    case SLIM_ISA_AVX2_VNNI: return v3 && __builtin_cpu_supports("avxvnni");
    case SLIM_ISA_AVX512: return v4;
    case SLIM_ISA_AVX512_VNNI: return v4 && __builtin_cpu_supports("avx512vnni");
    case SLIM_ISA_AMX: return v4 && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("amx-int8");
    }
    return 0;
#else
    return level == SLIM_ISA_BASELINE;
#endif
}

// The highest supported level not above `cap`.
static slim_isa highest_up_to(slim_isa cap) {
    for (int level = cap; level > SLIM_ISA_BASELINE; level--)
        if (slim_isa_supported((slim_isa)level)) return (slim_isa)level;
    return SLIM_ISA_BASELINE;
}

slim_isa slim_isa_detected(void) { return highest_up_to(SLIM_ISA_AMX); }

static slim_isa process_level = SLIM_ISA_BASELINE;
static const char *invalid_cap = NULL;
static pthread_once_t once = PTHREAD_ONCE_INIT;

// oneDNN's cap for each level (it must be set before oneDNN makes its first kernel).
static dnnl_cpu_isa_t onednn_cap(slim_isa level) {
    switch (level) {
    case SLIM_ISA_BASELINE: return dnnl_cpu_isa_sse41;
    case SLIM_ISA_AVX2: return dnnl_cpu_isa_avx2;
    case SLIM_ISA_AVX2_VNNI: return dnnl_cpu_isa_avx2_vnni;
    case SLIM_ISA_AVX512: return dnnl_cpu_isa_avx512_core;
    case SLIM_ISA_AVX512_VNNI: return dnnl_cpu_isa_avx512_core_vnni;
    case SLIM_ISA_AMX: return dnnl_cpu_isa_all;
    }
    return dnnl_cpu_isa_all;
}

static void init_level(void) {
    process_level = slim_isa_detected();
    const char *cap = getenv("BERTSLIM_MAX_ISA");
    if (!cap || !*cap) return;
    for (int level = SLIM_ISA_BASELINE; level <= SLIM_ISA_AMX; level++)
        if (strcmp(cap, names[level]) == 0) {
            process_level = highest_up_to((slim_isa)level);
            dnnl_set_max_cpu_isa(onednn_cap(process_level));
            return;
        }
    invalid_cap = cap;
}

slim_isa slim_isa_process(void) {
    pthread_once(&once, init_level);
    return process_level;
}

static _Thread_local slim_isa thread_cap = SLIM_ISA_AMX;

slim_isa slim_isa_current(void) {
    slim_isa level = slim_isa_process();
    return thread_cap < level ? highest_up_to(thread_cap) : level;
}

slim_isa slim_isa_set_thread_cap(slim_isa cap) {
    slim_isa previous = thread_cap;
    thread_cap = cap < SLIM_ISA_BASELINE ? SLIM_ISA_BASELINE : (cap > SLIM_ISA_AMX ? SLIM_ISA_AMX : cap);
    return previous;
}

const char *slim_isa_name(slim_isa level) {
    return level >= SLIM_ISA_BASELINE && level <= SLIM_ISA_AMX ? names[level] : "unknown";
}

const char *slim_isa_invalid_cap(void) {
    slim_isa_process();
    return invalid_cap;
}

const char *slim_isa_onednn_name(void) {
    slim_isa_process();
    return dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
}

int slim_isa_onednn_int8_exact(void) {
    slim_isa_process();
    // VNNI's vpdpbusd sums four u8·s8 products into int32 without the int16 saturation of
    // vpmaddubsw, which oneDNN's kernels use on CPUs without it (see int8_gemm.c).
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
    unsigned vnni_bits = (unsigned)dnnl_cpu_isa_avx512_core_vnni & ~(unsigned)dnnl_cpu_isa_avx512_core;
    unsigned avx2_vnni_bits = (unsigned)dnnl_cpu_isa_avx2_vnni & ~(unsigned)dnnl_cpu_isa_avx2;
    return (isa & (vnni_bits | avx2_vnni_bits)) != 0;
}
