// A library constructor that misbehaves when the plugin is opened, for the child-process
// probe's cases. Built by the tests together with fake_descriptor.c and one of:
//   -DFIXTURE_EXIT         exit(0): the process ends "successfully" mid-command
//   -DFIXTURE_FAKE_REPORT  prints a passing probe report on stdout, then _exit(0)
//   -DFIXTURE_HANG         ignores SIGTERM and blocks forever
//   -DFIXTURE_ABORT        abort() (SIGABRT) while being opened
//   -DFIXTURE_COUNT        appends a line to $BERTSLIM_FIXTURE_LOG each time it is opened
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void fixture_constructor(void) {
#if defined(FIXTURE_EXIT)
    exit(0);
#elif defined(FIXTURE_FAKE_REPORT)
    Dl_info info;
    dladdr((void *)&fixture_constructor, &info);
    printf("{\"file\":\"%s\",\"settings\":{}}", info.dli_fname);
    fflush(stdout);
    _exit(0);
#elif defined(FIXTURE_HANG)
    signal(SIGTERM, SIG_IGN);
    for (;;) pause();
#elif defined(FIXTURE_ABORT)
    abort();
#elif defined(FIXTURE_COUNT)
    const char *log = getenv("BERTSLIM_FIXTURE_LOG");
    if (log) {
        FILE *file = fopen(log, "a");
        if (file) {
            fprintf(file, "opened by %d\n", (int)getpid());
            fclose(file);
        }
    }
#endif
}
