#include "bertslim_plugin.h"
