// Compile-time guards on the ABI in bertslim_plugin.h. This file defines no symbols: the host
// links this target for the header alone, so nothing here may exist twice in a process.
#include "bertslim_plugin.h"

_Static_assert(offsetof(bertslim_plugin_descriptor, abi_version) == 0, "abi_version moved");
_Static_assert(offsetof(bertslim_plugin_descriptor, struct_size) == 4, "struct_size moved");
_Static_assert(BERTSLIM_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0 ==
                   offsetof(bertslim_plugin_descriptor, context) + sizeof(void *),
               "the 1.0 minimum must end with the 1.0 descriptor's last field");
_Static_assert(BERTSLIM_COMPONENT_MIN_SIZE_1_0 == offsetof(bertslim_component, summary) + sizeof(const char *),
               "the 1.0 minimum must end with the 1.0 component entry's last field");
