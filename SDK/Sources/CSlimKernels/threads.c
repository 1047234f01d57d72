// The worker pool: libgomp's, found at run time.
//
// Debian's oneDNN is built on OpenMP (libgomp), whose workers spin after each primitive.
// Running our own loops on that same pool (through libgomp's GOMP_parallel entry point)
// keeps one set of threads on the cores. Swift's bundled clang has no usable -fopenmp for
// libgomp, so the entry points are looked up with dlsym; libgomp is already loaded as a
// dependency of libdnnl. Without it, loops run serially (correct, just slower).
#include "slim_kernels.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);

static gomp_parallel_fn gomp_parallel;
static int (*omp_thread_num)(void);
static int (*omp_num_threads)(void);
static void (*omp_set_threads)(int);
static int worker_count = 1;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_pool(void) {
    void *gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    if (!gomp) gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (gomp) {
        gomp_parallel = (gomp_parallel_fn)dlsym(gomp, "GOMP_parallel");
        omp_thread_num = (int (*)(void))dlsym(gomp, "omp_get_thread_num");
        omp_num_threads = (int (*)(void))dlsym(gomp, "omp_get_num_threads");
        omp_set_threads = (void (*)(int))dlsym(gomp, "omp_set_num_threads");
        if (!omp_thread_num || !omp_num_threads || !omp_set_threads) gomp_parallel = NULL;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    worker_count = cores > 0 ? (int)cores : 1;
    const char *env = getenv("BERTSLIM_NUM_THREADS");
    if (env && atoi(env) > 0) worker_count = atoi(env);
    if (gomp_parallel) omp_set_threads(worker_count);
}

int slim_num_threads(void) {
    pthread_once(&init_once, init_pool);
    return worker_count;
}

void slim_set_num_threads(int n) {
    pthread_once(&init_once, init_pool);
    worker_count = n > 0 ? n : 1;
    if (gomp_parallel) omp_set_threads(worker_count);
}

int slim_uses_openmp(void) {
    pthread_once(&init_once, init_pool);
    return gomp_parallel != NULL;
}

struct range_job {
    slim_range_fn fn;
    void *ctx;
    int64_t n;
};

static void run_range_job(void *data) {
    struct range_job *job = data;
    int64_t t = omp_thread_num(), nt = omp_num_threads();
    int64_t begin = job->n * t / nt, end = job->n * (t + 1) / nt;
    if (begin < end) job->fn(job->ctx, begin, end);
}

void slim_parallel_for(int64_t n, int64_t grain, slim_range_fn fn, void *ctx) {
    if (n <= 0) return;
    pthread_once(&init_once, init_pool);
    int64_t chunks = grain > 0 ? (n + grain - 1) / grain : n;
    int64_t threads = chunks < worker_count ? chunks : worker_count;
    if (threads <= 1 || !gomp_parallel) {
        fn(ctx, 0, n);
        return;
    }
    struct range_job job = {fn, ctx, n};
    gomp_parallel(run_range_job, &job, (unsigned)threads, 0);
}
