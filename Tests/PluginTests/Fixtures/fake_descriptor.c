// A plugin written in C with a hand-made descriptor, for the handshake's rejection cases.
// Built by the tests with one of: -DFIXTURE_ABI_MAJOR=2, -DFIXTURE_TINY, -DFIXTURE_NO_ENTRY,
// -DFIXTURE_CRASH.
#include <stdint.h>
#include "bertslim_plugin.h"

#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR BERTSLIM_PLUGIN_ABI_MAJOR
#endif

static const bertslim_component components[] = {
    {BERTSLIM_COMPONENT_LOSS, 0, "fake-loss", "never made"},
};

static const bertslim_plugin_descriptor descriptor = {
    .abi_version = ((uint32_t)FIXTURE_ABI_MAJOR << 16) | 3u,
#ifdef FIXTURE_TINY
    .struct_size = 8,
#else
    .struct_size = sizeof(bertslim_plugin_descriptor),
#endif
    .sdk_version = "1.0.0",
    .build_id = "c-fixture",
    .plugin_id = "org.bertslim.fixture.fake",
    .name = "Fake",
    .version = "0.0.1",
    .license = "MIT",
    .component_count = 1,
    .component_size = sizeof(bertslim_component),
    .components = components,
};

#ifdef FIXTURE_NO_ENTRY
const bertslim_plugin_descriptor *not_the_entry_symbol(void) { return &descriptor; }
#else
const bertslim_plugin_descriptor *bertslim_plugin_entry(void) {
#ifdef FIXTURE_CRASH
    // A plugin bug: a write through a bad pointer (SIGSEGV) before returning anything.
    volatile int *bad = (volatile int *)(uintptr_t)8;
    *bad = 1;
#endif
    return &descriptor;
}
#endif
