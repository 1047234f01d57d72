// Packed low-bit weights: packing codes into bit streams, and decoding rows of them to float
// (dequantized values or codebook entries) or to int8 (slim_lowbit.h has the layout). Every
// loop is written once and compiled per ISA level (LOOP / VARIANTS / PICK).
#include "kernels_internal.h"
#include "slim_lowbit.h"

#include <string.h>

#define CHUNK 512  // codes decoded at a time into a stack buffer (a multiple of 8: 3-bit rows align)

int64_t slim_lowbit_row_bytes(int64_t k, int bits) { return (k * bits + 7) / 8; }

// Code k of a row, read bit by bit (row ends and odd offsets).
static inline __attribute__((always_inline)) uint8_t code_at(const uint8_t *row, int bits, int64_t k) {
    int64_t bit = k * bits;
    int shift = (int)(bit & 7);
    unsigned v = row[bit >> 3] >> shift;
    if (shift + bits > 8) v |= (unsigned)row[(bit >> 3) + 1] << (8 - shift);
    return (uint8_t)(v & ((1u << bits) - 1));
}

// Codes [k0, k0 + count) of a row into c; k0 is a multiple of 8. Whole bytes (or, for 3 bits,
// whole 3-byte words) are split with constant shifts so the loops vectorise; the tail goes
// through code_at.
static inline __attribute__((always_inline)) void row_codes(const uint8_t *row, int bits, int64_t k0, int64_t count,
                                                            uint8_t *restrict c) {
    int64_t done = 0;
    if (bits == 8) {
        memcpy(c, row + k0, (size_t)count);
        return;
    } else if (bits == 4) {
        const uint8_t *s = row + k0 / 2;
        for (int64_t i = 0; i < count / 2; i++) { c[2 * i] = s[i] & 15; c[2 * i + 1] = s[i] >> 4; }
        done = count / 2 * 2;
    } else if (bits == 2) {
        const uint8_t *s = row + k0 / 4;
        for (int64_t i = 0; i < count / 4; i++) {
            uint8_t b = s[i];
            c[4 * i] = b & 3; c[4 * i + 1] = (b >> 2) & 3; c[4 * i + 2] = (b >> 4) & 3; c[4 * i + 3] = b >> 6;
        }
        done = count / 4 * 4;
    } else if (bits == 3) {
        const uint8_t *s = row + k0 / 8 * 3;
        for (int64_t i = 0; i < count / 8; i++) {
            uint32_t w = s[3 * i] | (uint32_t)s[3 * i + 1] << 8 | (uint32_t)s[3 * i + 2] << 16;
            for (int j = 0; j < 8; j++) c[8 * i + j] = (w >> (3 * j)) & 7;
        }
        done = count / 8 * 8;
    }
    for (int64_t i = done; i < count; i++) c[i] = code_at(row, bits, k0 + i);
}

/* ---- packing (a quantizer's output, once per conversion) ---------------------------------- */

struct pack_ctx { const uint8_t *codes; uint8_t *packed; int64_t k, row_bytes; int bits; };

LOOP pack_rows(void *c, int64_t lo, int64_t hi) {
    struct pack_ctx *p = c;
    int64_t k = p->k, rb = p->row_bytes;
    int bits = p->bits;
    for (int64_t r = lo; r < hi; r++) {
        const uint8_t *q = p->codes + r * k;
        uint8_t *row = p->packed + r * rb;
        memset(row, 0, (size_t)rb);
        for (int64_t i = 0; i < k; i++) {
            int64_t bit = i * bits;
            int shift = (int)(bit & 7);
            unsigned v = q[i] & ((1u << bits) - 1);
            row[bit >> 3] |= (uint8_t)(v << shift);
            if (shift + bits > 8) row[(bit >> 3) + 1] |= (uint8_t)(v >> (8 - shift));
        }
    }
}
VARIANTS(pack_rows)
void slim_lowbit_pack(const uint8_t *codes, uint8_t *packed, int64_t n, int64_t k, int bits) {
    struct pack_ctx p = {codes, packed, k, slim_lowbit_row_bytes(k, bits), bits};
    slim_parallel_for(n, ROW_GRAIN(k), PICK(pack_rows), &p);
}

LOOP unpack_rows(void *c, int64_t lo, int64_t hi) {
    struct pack_ctx *p = c;
    for (int64_t r = lo; r < hi; r++)
        row_codes(p->packed + r * p->row_bytes, p->bits, 0, p->k, (uint8_t *)p->codes + r * p->k);
}
VARIANTS(unpack_rows)
void slim_lowbit_unpack(const uint8_t *packed, uint8_t *codes, int64_t n, int64_t k, int bits) {
    struct pack_ctx p = {codes, (uint8_t *)packed, k, slim_lowbit_row_bytes(k, bits), bits};
    slim_parallel_for(n, ROW_GRAIN(k), PICK(unpack_rows), &p);
}

/* ---- decoding rows to float or int8 ------------------------------------------------------ */

struct decode_ctx { const slim_lowbit_weights *w; int64_t row0; void *out; };

// Float rows: a codebook lookup, or (q − z)·(1/scale) (the subtraction is exact in float).
LOOP decode_rows(void *c, int64_t lo, int64_t hi) {
    struct decode_ctx *d = c;
    const slim_lowbit_weights *w = d->w;
    int64_t k = w->k, rb = slim_lowbit_row_bytes(k, w->bits), per_group = w->n / w->groups;
    int bits = w->bits, levels = 1 << bits;
    uint8_t codes[CHUNK] __attribute__((aligned(64)));
    for (int64_t r = lo; r < hi; r++) {
        int64_t row = d->row0 + r, g = row / per_group;
        const uint8_t *src = w->codes + row * rb;
        float *restrict o = (float *)d->out + r * k;
        const float *table = w->codebook ? w->codebook + g * levels : NULL;
        float step = table ? 0 : 1.0f / w->scales[g];
        float zero = table ? 0 : (float)(w->zero_points ? w->zero_points[g] : levels / 2);
        for (int64_t k0 = 0; k0 < k; k0 += CHUNK) {
            int64_t count = k - k0 < CHUNK ? k - k0 : CHUNK;
            row_codes(src, bits, k0, count, codes);
            if (table)
                for (int64_t i = 0; i < count; i++) o[k0 + i] = table[codes[i]];
            else
                for (int64_t i = 0; i < count; i++) o[k0 + i] = ((float)codes[i] - zero) * step;
        }
    }
}
VARIANTS(decode_rows)
void slim_lowbit_decode(const slim_lowbit_weights *w, int64_t row0, int64_t rows, float *out) {
    struct decode_ctx d = {w, row0, out};
    slim_parallel_for(rows, ROW_GRAIN(w->k), PICK(decode_rows), &d);
}

// Int8 rows: the codes are written in place, then shifted (q − 2^(b−1)) or looked up.
LOOP unpack_s8_rows(void *c, int64_t lo, int64_t hi) {
    struct decode_ctx *d = c;
    const slim_lowbit_weights *w = d->w;
    int64_t k = w->k, rb = slim_lowbit_row_bytes(k, w->bits), per_group = w->n / w->groups;
    int bits = w->bits, levels = 1 << bits;
    uint8_t half = (uint8_t)(1u << (bits - 1));
    for (int64_t r = lo; r < hi; r++) {
        int64_t row = d->row0 + r;
        uint8_t *restrict o = (uint8_t *)d->out + r * k;
        row_codes(w->codes + row * rb, bits, 0, k, o);
        if (w->codebook_s8) {
            const uint8_t *table = (const uint8_t *)w->codebook_s8 + row / per_group * levels;
            for (int64_t i = 0; i < k; i++) o[i] = table[o[i]];
        } else {
            for (int64_t i = 0; i < k; i++) o[i] = (uint8_t)(o[i] - half);  // two's complement: q − half as int8
        }
    }
}
VARIANTS(unpack_s8_rows)
void slim_lowbit_unpack_s8(const slim_lowbit_weights *w, int64_t row0, int64_t rows, int8_t *out) {
    struct decode_ctx d = {w, row0, out};
    slim_parallel_for(rows, ROW_GRAIN(w->k), PICK(unpack_s8_rows), &d);
}
