"""Instruction-set caps for side-by-side benchmarks: `--isa LEVEL` runs BertSlim and the
reference engines at the same level on one machine (e.g. an AVX2-only CPU simulated on an
AVX-512 one).

Import this module before torch: `apply_from_argv()` sets the environment each engine reads
at start-up and re-executes the script once so that every library loads under it:
BertSlim's BERTSLIM_MAX_ISA (which also caps its oneDNN), ONEDNN_MAX_CPU_ISA and
DNNL_MAX_CPU_ISA for PyTorch's oneDNN, MKL_ENABLE_INSTRUCTIONS for MKL and
ATEN_CPU_CAPABILITY for PyTorch's own vectorised kernels. ONNX Runtime's MLAS reads the CPU
with cpuid and has no such switch: it always runs at the machine's own level, which
`--isa` reports next to its numbers.
"""
import os
import sys

LEVELS = {  # BertSlim level: (oneDNN, MKL, ATen)
    "avx2": ("AVX2", "AVX2", "avx2"),
    "avx2_vnni": ("AVX2_VNNI", "AVX2", "avx2"),
    "avx512": ("AVX512_CORE", "AVX512", "avx512"),
    "avx512_vnni": ("AVX512_CORE_VNNI", "AVX512_E1", "avx512"),
}


def apply_from_argv():
    """Reads `--isa LEVEL` from sys.argv; sets the caps and re-executes once. Returns the level or None."""
    if "--isa" not in sys.argv:
        return None
    i = sys.argv.index("--isa")
    if i + 1 >= len(sys.argv) or sys.argv[i + 1] not in LEVELS:
        raise SystemExit(f"--isa takes one of {', '.join(LEVELS)}")
    level = sys.argv[i + 1]
    if os.environ.get("BERTSLIM_MAX_ISA") != level:
        onednn, mkl, aten = LEVELS[level]
        os.environ.update(BERTSLIM_MAX_ISA=level, ONEDNN_MAX_CPU_ISA=onednn, DNNL_MAX_CPU_ISA=onednn,
                          MKL_ENABLE_INSTRUCTIONS=mkl, ATEN_CPU_CAPABILITY=aten)
        os.execv(sys.executable, [sys.executable] + sys.argv)
    return level
