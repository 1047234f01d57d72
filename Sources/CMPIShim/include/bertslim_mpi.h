/*
 * The few MPI calls the `mpi` communicator makes (Plugins/MPICommunicator), in C because Open
 * MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are macros Swift cannot import.
 *
 * Every collective is started non-blocking (MPI_Iallreduce, ...) and then polled: a rank that
 * never joins, or that dies part-way, ends the wait with an error instead of a hang. While waiting, the caller's thread
 * sleeps in short naps after a brief spin, so a waiting rank does not take a core from one
 * that is still working. Each function returns 0, or -1 with a message in `error`.
 */
#ifndef BERTSLIM_MPI_H
#define BERTSLIM_MPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises MPI (once per process; MPI_THREAD_SERIALIZED) and learns every rank's host and
 * process id, so that a wait can tell which rank on this host has died. */
int bs_mpi_init(int *rank, int *size, char *error, size_t error_size);

/* Sum (mean = 0) or mean (mean = 1) of `count` floats over all ranks, in place. */
int bs_mpi_allreduce(float *buffer, int64_t count, int mean, double timeout_seconds, char *error, size_t error_size);

/* Rank `root`'s `bytes` bytes into every rank's `buffer`. */
int bs_mpi_broadcast(void *buffer, int64_t bytes, int root, double timeout_seconds, char *error, size_t error_size);

/* Every rank's `bytes` (one int64 per rank) into `lengths`. */
int bs_mpi_allgather_lengths(int64_t bytes, int64_t *lengths, double timeout_seconds, char *error, size_t error_size);

/* Every rank's `value` (`lengths[r]` bytes from rank r), one after the other in rank order,
 * into `out` (sum of `lengths` bytes). */
int bs_mpi_allgather(const void *value, const int64_t *lengths, void *out, double timeout_seconds, char *error, size_t error_size);

int bs_mpi_barrier(double timeout_seconds, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
