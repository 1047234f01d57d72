// The one oneDNN engine and stream of the C target, the lock every execution takes, and
// one-off reorders (dnnl_exec.h).
#include "dnnl_exec.h"
#include "slim_isa.h"
#include "slim_kernels.h"

#include <pthread.h>

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t execute_lock = PTHREAD_MUTEX_INITIALIZER;

static void init_engine(void) {
    slim_num_threads();  // sets OpenMP's thread count before oneDNN reads it
    slim_isa_process();  // and BERTSLIM_MAX_ISA's cap before oneDNN makes its first kernel
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
}

dnnl_engine_t slim_dnnl_engine(void) {
    pthread_once(&engine_once, init_engine);
    return engine;
}

dnnl_status_t slim_dnnl_execute(const_dnnl_primitive_t primitive, int nargs, const dnnl_exec_arg_t *args) {
    pthread_once(&engine_once, init_engine);
    pthread_mutex_lock(&execute_lock);
    dnnl_status_t status = dnnl_primitive_execute(primitive, stream, nargs, args);
    if (status == dnnl_success) status = dnnl_stream_wait(stream);
    pthread_mutex_unlock(&execute_lock);
    return status;
}

int slim_dnnl_reorder(const dnnl_memory_desc_t *from_md, const void *from, const dnnl_memory_desc_t *to_md, void *to) {
    dnnl_engine_t on = slim_dnnl_engine();
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    dnnl_memory_t source, target;
    dnnl_memory_create(&source, from_md, on, (void *)from);
    dnnl_memory_create(&target, to_md, on, to);
    int ok = dnnl_reorder_primitive_desc_create(&rpd, from_md, on, to_md, on, NULL) == dnnl_success &&
             dnnl_primitive_create(&reorder, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, target}};
        ok = slim_dnnl_execute(reorder, 2, args) == dnnl_success;
        dnnl_primitive_destroy(reorder);
        dnnl_primitive_desc_destroy(rpd);
    }
    dnnl_memory_destroy(source);
    dnnl_memory_destroy(target);
    return ok;
}
