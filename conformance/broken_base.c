#include "broken_base.h"

unsigned char *bb_initial_end;

hb_heap *bb_create(void *block, size_t len, const struct hb_config *cfg)
{
    bb_initial_end = (unsigned char *)block + len;
    return hb_heap_firstfit.create(block, len, cfg);
}
void *bb_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return hb_heap_firstfit.alloc(h, size, align, tag);
}
int bb_free(hb_heap *h, void *ptr)
{
    return hb_heap_firstfit.free(h, ptr);
}
int bb_expand(hb_heap *h, void *block, size_t len)
{
    return hb_heap_firstfit.expand(h, block, len);
}
size_t bb_contract(hb_heap *h)
{
    return hb_heap_firstfit.contract(h);
}
void bb_stats(const hb_heap *h, struct hb_stats *out)
{
    hb_heap_firstfit.stats(h, out);
}
int bb_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    return hb_heap_firstfit.walk(h, fn, ctx);
}
int bb_check(const hb_heap *h, char *msg, size_t msg_len)
{
    return hb_heap_firstfit.check(h, msg, msg_len);
}
size_t bb_usable_size(const hb_heap *h, const void *ptr)
{
    return hb_heap_firstfit.usable_size(h, ptr);
}
