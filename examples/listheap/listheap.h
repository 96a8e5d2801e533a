/*
 * listheap.h - a small first-fit heap over regions the caller gives it.
 *
 * This is the example heap of heapbench's docs/plugging-in.md: it knows
 * nothing of heapbench (heapbench_adapter.c, beside it, plugs it in), as a
 * heap from another project would not.
 */
#ifndef LISTHEAP_H
#define LISTHEAP_H

#include <stddef.h>

/* Every pointer lh_alloc returns is aligned to this many bytes. */
#define LISTHEAP_ALIGN 8

struct listheap;

/* A heap over [region, region+size), its state at the start; NULL when the
   region is too small to hold the state and one block. */
struct listheap *lh_init(void *region, size_t size);
/* Gives the heap another region; 0 when taken, -1 when too small. */
int lh_add_region(struct listheap *h, void *region, size_t size);
/* At least size bytes, LISTHEAP_ALIGN-aligned; NULL when nothing fits. */
void *lh_alloc(struct listheap *h, size_t size);
/* ptr from lh_alloc, or NULL (ignored). */
void lh_free(struct listheap *h, void *ptr);
/* 0 when the free list is sound, -1 when not. */
int lh_check(const struct listheap *h);

#endif
