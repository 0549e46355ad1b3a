/*
 * arr: the one growable-array idiom (git's ALLOC_GROW).
 *
 *   struct thing *v = NULL; size_t n = 0, cap = 0;
 *   if (ARR_GROW(v, n + 1, cap)) return CN_ENOMEM;
 *   v[n++] = x;
 *
 * ARR_GROW(ptr, need, cap) makes room for at least `need` elements of
 * *ptr, doubling (at least 16), and evaluates to 0 or CN_ENOMEM. On
 * failure ptr and cap are unchanged (the caller still owns and frees ptr).
 * New elements are not initialised. Thread: any.
 */
#ifndef CARENET_ARR_H
#define CARENET_ARR_H

#include <stddef.h>

int arr_grow(void **ptr, size_t elsize, size_t need, size_t *cap);

#define ARR_GROW(ptr, need, cap) arr_grow((void **)&(ptr), sizeof(*(ptr)), (need), &(cap))

#endif
