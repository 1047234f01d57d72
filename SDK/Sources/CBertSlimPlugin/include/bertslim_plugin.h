/*
 * The BertSlim plugin ABI: the one C door between the host and a plugin (DESIGN.md §2).
 *
 * A plugin is a shared library that exports one symbol, `bertslim_plugin_entry`, returning a
 * pointer to a `bertslim_plugin_descriptor` that lives as long as the process. The host reads
 * `abi_version` and `struct_size` before anything else; everything after them may only grow
 * at the end, and the host reads a field only if `struct_size` covers it.
 *
 * Swift plugins never fill this struct by hand: `PluginDefinition` in BertSlimSDK does it.
 * The objects themselves (losses, students, ...) are Swift objects behind Swift protocols;
 * only discovery and the handshake are C.
 */
#ifndef BERTSLIM_PLUGIN_H
#define BERTSLIM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: major in the high 16 bits, minor in the low 16. A host loads a plugin whose
 * major equals its own; minors only add fields at the end of the tables. */
#define BERTSLIM_PLUGIN_ABI_MAJOR 1
#define BERTSLIM_PLUGIN_ABI_MINOR 3
#define BERTSLIM_PLUGIN_ABI_VERSION \
    ((uint32_t)(((uint32_t)BERTSLIM_PLUGIN_ABI_MAJOR << 16) | (uint32_t)BERTSLIM_PLUGIN_ABI_MINOR))

/* Name of the symbol every plugin exports: `const bertslim_plugin_descriptor *entry(void)`. */
#define BERTSLIM_PLUGIN_ENTRY_SYMBOL "bertslim_plugin_entry"

/* A symbol only libBertSlimSDK.so defines. A plugin that defines it too carries its own copy
 * of the SDK, and its Swift types would not be the host's (casts fail). */
#define BERTSLIM_SDK_ANCHOR_SYMBOL "bertslim_sdk_anchor"

/* What a component is. New kinds are appended; a host skips kinds it does not know. */
enum {
    BERTSLIM_COMPONENT_TEACHER = 1,
    BERTSLIM_COMPONENT_STUDENT = 2,
    BERTSLIM_COMPONENT_LOSS = 3,
    BERTSLIM_COMPONENT_QUANTIZER = 4,
    BERTSLIM_COMPONENT_PRUNER = 5,
    BERTSLIM_COMPONENT_MODEL = 6,      /* SDK 1.1: a model a saved folder rebuilds */
    BERTSLIM_COMPONENT_AUGMENTER = 7,  /* SDK 1.2: makes new training texts from old ones */
    BERTSLIM_COMPONENT_COMMUNICATOR = 8, /* SDK 1.6: the processes a run is spread over (MPI) */
};

/* One entry of the component table. The table's stride is the descriptor's
 * `component_size`, so entries too may grow at the end. */
typedef struct bertslim_component {
    uint32_t kind;           /* BERTSLIM_COMPONENT_* */
    uint32_t reserved;       /* 0 */
    const char *name;        /* what recipes write, e.g. "mse-logits"; unique per kind */
    const char *summary;     /* one line for `bertslim plugins list/inspect` */
} bertslim_component;

struct bertslim_plugin_descriptor;

/* Makes the factory of component `index`: a Swift `ComponentFactory` (BertSlimSDK) passed
 * retained (`Unmanaged.passRetained(...).toOpaque()`); the caller takes ownership.
 * NULL when `index` is out of range. */
typedef void *(*bertslim_component_factory_fn)(
    const struct bertslim_plugin_descriptor *descriptor, uint32_t index);

typedef struct bertslim_plugin_descriptor {
    /* Fixed forever: these two fields never move. */
    uint32_t abi_version;    /* BERTSLIM_PLUGIN_ABI_VERSION the plugin was compiled against */
    uint32_t struct_size;    /* sizeof(bertslim_plugin_descriptor) as laid out by its builder */

    /* ABI 1.0 */
    const char *sdk_version; /* SDK the plugin was compiled against, "1.0.0" */
    const char *build_id;    /* toolchain and SDK, e.g. "swift-6.3.1+sdk-1.0.0" */
    const char *plugin_id;   /* reverse-DNS id, e.g. "org.example.cosine-distillation" */
    const char *name;        /* human name */
    const char *version;     /* the plugin's own version */
    const char *license;     /* SPDX expression, e.g. "Apache-2.0" */
    uint32_t component_count;
    uint32_t component_size; /* stride of `components`, >= sizeof(bertslim_component) in 1.0 */
    const bertslim_component *components;
    bertslim_component_factory_fn make_factory;
    const void *sdk_image;   /* base of the image whose SDK code built this descriptor */
    void *context;           /* private to the builder (passed back through make_factory) */
} bertslim_plugin_descriptor;

/* The smallest descriptor an ABI 1.x host accepts: everything up to `context` (LP64). */
#define BERTSLIM_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0 96

/* The smallest component entry an ABI 1.x host accepts (LP64). */
#define BERTSLIM_COMPONENT_MIN_SIZE_1_0 24

/* The signature of `bertslim_plugin_entry`. */
typedef const bertslim_plugin_descriptor *(*bertslim_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* BERTSLIM_PLUGIN_H */
