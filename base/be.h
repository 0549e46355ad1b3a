/*
 * be: big-endian integers in keys and frames (LMDB keys sort bytewise, so
 * sequences and times are stored big-endian). n is the width in bytes, 1..8.
 * Thread: any; pure.
 */
#ifndef CARENET_BE_H
#define CARENET_BE_H

#include <stdint.h>

static inline void be_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void be_put64(uint8_t *p, uint64_t v) { be_put(p, v, 8); }
static inline uint64_t be_get64(const uint8_t *p) { return be_get(p, 8); }
static inline void be_put32(uint8_t *p, uint32_t v) { be_put(p, v, 4); }
static inline uint32_t be_get32(const uint8_t *p) { return (uint32_t)be_get(p, 4); }

#endif
