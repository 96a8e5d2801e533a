/*
 * broken_base.h - the sound heap that broken test heaps wrap (firstfit), as
 * pass-through functions.  A broken heap fills its ops table with these and
 * replaces the one operation that carries its bug.
 */
#ifndef HEAPBENCH_BROKEN_BASE_H
#define HEAPBENCH_BROKEN_BASE_H

#include "broken.h"

extern const struct hb_heap_ops hb_heap_firstfit;

/* The capabilities of the wrapped heap that survive pointer mangling. */
#define BB_CAPS (HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_CHECK)

hb_heap *bb_create(void *block, size_t len, const struct hb_config *cfg);
void *bb_alloc(hb_heap *h, size_t size, size_t align, const char *tag);
int bb_free(hb_heap *h, void *ptr);
int bb_expand(hb_heap *h, void *block, size_t len);
size_t bb_contract(hb_heap *h);
void bb_stats(const hb_heap *h, struct hb_stats *out);
int bb_walk(const hb_heap *h, hb_walk_fn fn, void *ctx);
int bb_check(const hb_heap *h, char *msg, size_t msg_len);
size_t bb_usable_size(const hb_heap *h, const void *ptr);

/* The end of the initial block of the heap created last (one heap per case). */
extern unsigned char *bb_initial_end;

#endif
