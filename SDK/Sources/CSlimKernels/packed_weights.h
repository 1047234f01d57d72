// Internal: what another primitive needs to read float weights packed by slim_pack_weights
// (matmul.c), so that a cached packing serves more than the Linear layer that made it.
#ifndef SLIM_PACKED_WEIGHTS_H
#define SLIM_PACKED_WEIGHTS_H

#include <dnnl.h>

#include "slim_kernels.h"

// The packed layout of the (K, N) operand of C = A·W, for weights given as (N, K).
const dnnl_memory_desc_t *slim_packed_weights_layout(const slim_packed_weights *w);
// The packed values.
void *slim_packed_weights_data(const slim_packed_weights *w);

#endif
