#define _GNU_SOURCE
#include "bertslim_mpi.h"

#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One rank's identity, exchanged at start: a wait checks the ranks on its own host by pid. */
typedef struct {
    char host[64];
    int32_t pid;
} peer;

static int world_rank = -1, world_size = 0;
static peer *peers;
static char this_host[64];
/* Set once a collective failed: MPI_Finalize would wait for it forever, so exit skips it. */
static int broken;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Reports `message` and marks MPI as broken. */
static int fail(char *error, size_t size, const char *message) {
    snprintf(error, size, "%s", message);
    broken = 1;
    return -1;
}

static int mpi_failed(int code, char *error, size_t size) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    snprintf(error, size, "MPI error: %.*s", length, text);
    broken = 1;
    return -1;
}

/* Whether process `pid` of this host is gone (or a zombie its launcher has not reaped yet). */
static int gone(int32_t pid) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return 1;
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file) return 0;
    size_t n = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[n] = 0;
    const char *close = strrchr(text, ')');
    return close && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X');
}

/* The first rank on this host whose process has ended, or -1. */
static int dead_rank(void) {
    if (!peers) return -1;
    for (int r = 0; r < world_size; r++) {
        if (r == world_rank || strncmp(peers[r].host, this_host, sizeof this_host) != 0) continue;
        if (gone(peers[r].pid)) return r;
    }
    return -1;
}

/* Polls `request` until it completes: spins for 0.2 s (MPI progresses only while polled), then naps (up to 1 ms),
 * checking every 10 ms whether a rank of this host has died and giving up after `timeout`. */
static int wait_for(MPI_Request *request, double timeout, char *error, size_t size) {
    double start = now(), next_check = start + 0.001;
    long nap = 20000;
    for (;;) {
        int done = 0;
        int code = MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (code != MPI_SUCCESS) return mpi_failed(code, error, size);
        if (done) return 0;
        double t = now();
        if (t - start > 0.2) {
            struct timespec pause = {0, nap};
            nanosleep(&pause, NULL);
            if (nap < 1000000) nap += nap / 2;
        }
        if (t >= next_check) {
            next_check = t + 0.01;
            int dead = dead_rank();
            if (dead >= 0) {
                char text[160];
                snprintf(text, sizeof text, "rank %d (process %d on this host) has stopped, so the run cannot go on", dead, (int)peers[dead].pid);
                return fail(error, size, text);
            }
        }
        if (t - start > timeout) {
            char text[160];
            snprintf(text, sizeof text, "not every rank arrived within %.0f s (a rank on another host has stopped, or hangs)", timeout);
            return fail(error, size, text);
        }
    }
}

/* Waits for a collective just started (`code` is what starting it returned). */
static int finish(int code, MPI_Request *request, double timeout, char *error, size_t size) {
    if (code != MPI_SUCCESS) return mpi_failed(code, error, size);
    return wait_for(request, timeout, error, size);
}

/* After a failed collective MPI is in an unknown state: every later one fails at once. */
static int usable(char *error, size_t size) {
    return broken ? fail(error, size, "an earlier collective operation failed") : 0;
}

static void finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && !broken) MPI_Finalize();
}

int bs_mpi_init(int *rank, int *size, char *error, size_t error_size) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
        int provided = 0;
        int code = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
        if (code != MPI_SUCCESS) return mpi_failed(code, error, error_size);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        atexit(finalize);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    peer me;
    memset(&me, 0, sizeof me);
    gethostname(me.host, sizeof me.host - 1);
    memcpy(this_host, me.host, sizeof this_host);
    me.pid = (int32_t)getpid();
    peer *all = calloc((size_t)world_size, sizeof(peer));
    if (!all) return fail(error, error_size, "no memory for the ranks' table");
    MPI_Request request;
    int code = MPI_Iallgather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, MPI_COMM_WORLD, &request);
    if (finish(code, &request, 120, error, error_size) != 0) return -1;
    peers = all;
    *rank = world_rank;
    *size = world_size;
    return 0;
}

int bs_mpi_allreduce(float *buffer, int64_t count, int mean, double timeout, char *error, size_t error_size) {
    if (usable(error, error_size) != 0) return -1;
    for (int64_t done = 0; done < count;) {
        int part = count - done > INT_MAX ? INT_MAX : (int)(count - done);
        MPI_Request request;
        int code = MPI_Iallreduce(MPI_IN_PLACE, buffer + done, part, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request);
        if (finish(code, &request, timeout, error, error_size) != 0) return -1;
        done += part;
    }
    if (mean) {
        float scale = 1.0f / (float)world_size;
        for (int64_t i = 0; i < count; i++) buffer[i] *= scale;
    }
    return 0;
}

int bs_mpi_broadcast(void *buffer, int64_t bytes, int root, double timeout, char *error, size_t error_size) {
    if (root < 0 || root >= world_size) return fail(error, error_size, "the root is not a rank");
    if (usable(error, error_size) != 0) return -1;
    for (int64_t done = 0; done < bytes;) {
        int part = bytes - done > (1 << 30) ? (1 << 30) : (int)(bytes - done);
        MPI_Request request;
        int code = MPI_Ibcast((char *)buffer + done, part, MPI_BYTE, root, MPI_COMM_WORLD, &request);
        if (finish(code, &request, timeout, error, error_size) != 0) return -1;
        done += part;
    }
    return 0;
}

int bs_mpi_allgather_lengths(int64_t bytes, int64_t *lengths, double timeout, char *error, size_t error_size) {
    if (usable(error, error_size) != 0) return -1;
    MPI_Request request;
    int code = MPI_Iallgather(&bytes, 1, MPI_INT64_T, lengths, 1, MPI_INT64_T, MPI_COMM_WORLD, &request);
    return finish(code, &request, timeout, error, error_size);
}

int bs_mpi_allgather(const void *value, const int64_t *lengths, void *out, double timeout, char *error, size_t error_size) {
    int *counts = calloc((size_t)world_size, sizeof(int)), *offsets = calloc((size_t)world_size, sizeof(int));
    if (!counts || !offsets) {
        free(counts);
        free(offsets);
        return fail(error, error_size, "no memory for the ranks' table");
    }
    int64_t total = 0;
    for (int r = 0; r < world_size; r++) {
        if (lengths[r] < 0 || lengths[r] > INT_MAX || total + lengths[r] > INT_MAX) {
            free(counts);
            free(offsets);
            return fail(error, error_size, "the values add up to more than 2 GiB (gather is for small values)");
        }
        counts[r] = (int)lengths[r];
        offsets[r] = (int)total;
        total += lengths[r];
    }
    int status = usable(error, error_size);
    if (status == 0) {
        MPI_Request request;
        int code = MPI_Iallgatherv(value, counts[world_rank], MPI_BYTE, out, counts, offsets, MPI_BYTE, MPI_COMM_WORLD, &request);
        status = finish(code, &request, timeout, error, error_size);
    }
    free(counts);
    free(offsets);
    return status;
}

int bs_mpi_barrier(double timeout, char *error, size_t error_size) {
    if (usable(error, error_size) != 0) return -1;
    MPI_Request request;
    int code = MPI_Ibarrier(MPI_COMM_WORLD, &request);
    return finish(code, &request, timeout, error, error_size);
}
