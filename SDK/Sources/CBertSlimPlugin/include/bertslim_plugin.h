// The BertSlim plugin ABI (see SDK/README.md). Placeholder until the plugin issue lands.
#ifndef BERTSLIM_PLUGIN_H
#define BERTSLIM_PLUGIN_H
#include <stdint.h>
#endif
