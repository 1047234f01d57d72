// Internal: every oneDNN primitive in this target is made for one engine and runs through
// slim_dnnl_execute on one stream.
#ifndef SLIM_DNNL_EXEC_H
#define SLIM_DNNL_EXEC_H

#include <dnnl.h>

// The CPU engine, created on first use (after OpenMP's thread count is set).
dnnl_engine_t slim_dnnl_engine(void);

// Executes `primitive` on the shared stream and waits, holding one process-wide lock. Debian's oneDNN is
// built without DNNL_ENABLE_CONCURRENT_EXEC, so all primitives share one library scratchpad:
// two executions at once from different threads (two models run from two Swift tasks, tests
// running in parallel) overwrite each other's scratch and give wrong results. Each execution
// is itself parallel on the OpenMP pool, so serialising them costs little.
dnnl_status_t slim_dnnl_execute(const_dnnl_primitive_t primitive, int nargs, const dnnl_exec_arg_t *args);

// Copies `from` (layout `from_md`) into `to` (layout `to_md`, e.g. a matmul's packed weights) with
// a one-off reorder primitive; returns 1 on success.
int slim_dnnl_reorder(const dnnl_memory_desc_t *from_md, const void *from, const dnnl_memory_desc_t *to_md, void *to);

#endif
