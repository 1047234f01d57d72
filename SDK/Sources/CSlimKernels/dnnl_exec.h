// Internal: every oneDNN primitive in this target runs through slim_dnnl_execute.
#ifndef SLIM_DNNL_EXEC_H
#define SLIM_DNNL_EXEC_H

#include <dnnl.h>

// Executes `primitive` on `stream` and waits, holding one process-wide lock. Debian's oneDNN is
// built without DNNL_ENABLE_CONCURRENT_EXEC, so all primitives share one library scratchpad:
// two executions at once from different threads (two models run from two Swift tasks, tests
// running in parallel) overwrite each other's scratch and give wrong results. Each execution
// is itself parallel on the OpenMP pool, so serialising them costs little.
dnnl_status_t slim_dnnl_execute(const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs,
                                const dnnl_exec_arg_t *args);

// Copies `from` (layout `from_md`) into `to` (layout `to_md`, e.g. a matmul's packed weights) with
// a one-off reorder primitive on `engine`; returns 1 on success.
int slim_dnnl_reorder(dnnl_engine_t engine, dnnl_stream_t stream, const dnnl_memory_desc_t *from_md,
                      const void *from, const dnnl_memory_desc_t *to_md, void *to);

#endif
