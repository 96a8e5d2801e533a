/*
 * common.c - heap set-up, fill patterns and the back-to-start check shared
 * by the concurrency programs (common.h).
 */
#include "common.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int hb_cc_create(struct hb_cc_heap *c, const struct hb_heap_ops *ops, size_t initial_pages, size_t arena_pages,
                 char *msg, size_t msg_len)
{
    memset(c, 0, sizeof *c);
    c->ops = ops;
    c->mm = hb_mm_create(arena_pages, 0, HB_MM_CONTIGUOUS);
    if (!c->mm) {
        snprintf(msg, msg_len, "cannot make a memory manager of %zu pages", arena_pages);
        return -1;
    }
    void *block = hb_mm_get_pages(c->mm, initial_pages);
    struct hb_config cfg = hb_mm_config(c->mm, 0);
    c->heap = block ? ops->create(block, initial_pages * HB_PAGE_SIZE, &cfg) : NULL;
    if (!c->heap) {
        snprintf(msg, msg_len, "heap '%s': create over %zu pages returned NULL", ops->name, initial_pages);
        return -1;
    }
    ops->stats(c->heap, &c->fresh);
    return 0;
}

unsigned hb_cc_pattern_byte(uint32_t stamp, size_t k)
{
    return (unsigned)((stamp >> (8 * (k & 3u))) + (k >> 2)) & 0xFFu;
}

void hb_cc_fill(void *p, size_t n, uint32_t stamp)
{
    unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        b[k] = (unsigned char)hb_cc_pattern_byte(stamp, k);
}

long hb_cc_verify(const void *p, size_t n, uint32_t stamp)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        if (b[k] != hb_cc_pattern_byte(stamp, k))
            return (long)k;
    return -1;
}

int hb_cc_check_back_to_start(struct hb_cc_heap *c, uint64_t allocs, uint64_t frees, char *msg, size_t msg_len)
{
    const struct hb_heap_ops *ops = c->ops;
    if (ops->caps & HB_CAP_CONTRACT)
        ops->contract(c->heap);
    struct hb_stats s, *f = &c->fresh;
    ops->stats(c->heap, &s);
    /* With the pool as it was, every figure is as it was; blocks the pool
       kept since bring their own free bytes, padding and metadata. */
    int same_pool = s.pool_bytes == f->pool_bytes;
    size_t want_free = same_pool ? f->free_bytes : s.pool_bytes - s.meta_bytes - s.padding_bytes;
    size_t want_pad = same_pool ? f->padding_bytes : s.padding_bytes;
    size_t want_meta = same_pool ? f->meta_bytes : s.meta_bytes;
    if (s.live != f->live || s.granted_bytes != f->granted_bytes || s.header_bytes != f->header_bytes ||
        s.requested_bytes != f->requested_bytes || s.padding_bytes != want_pad || s.meta_bytes != want_meta ||
        s.free_bytes != want_free) {
        snprintf(msg, msg_len,
                 "stats not back to the start after every block was freed: live %zu, granted %zu, header %zu, "
                 "requested %zu (fresh: %zu, %zu, %zu, %zu); free %zu bytes, padding %zu, meta %zu (want %zu, %zu, "
                 "%zu; pool %zu when fresh, %zu now)",
                 s.live, s.granted_bytes, s.header_bytes, s.requested_bytes, f->live, f->granted_bytes, f->header_bytes,
                 f->requested_bytes, s.free_bytes, s.padding_bytes, s.meta_bytes, want_free, want_pad, want_meta,
                 f->pool_bytes, s.pool_bytes);
        return -1;
    }
    if (s.allocs - f->allocs != allocs || s.frees - f->frees != frees) {
        snprintf(msg, msg_len,
                 "the heap counted %" PRIu64 " allocs and %" PRIu64 " frees; the threads made %" PRIu64 " and %" PRIu64,
                 s.allocs - f->allocs, s.frees - f->frees, allocs, frees);
        return -1;
    }
    char why[256] = "";
    if ((ops->caps & HB_CAP_CHECK) && ops->check(c->heap, why, sizeof why) != HB_OK) {
        snprintf(msg, msg_len, "check() after the run: %s", why);
        return -1;
    }
    if (hb_mm_check_guards(c->mm, why, sizeof why) != 0) {
        snprintf(msg, msg_len, "the heap wrote outside its blocks: %s", why);
        return -1;
    }
    return 0;
}

void hb_cc_print_output(const char *out, size_t len)
{
    const size_t keep = 2048;
    if (!len)
        return;
    printf("        its output%s:\n%.*s%s", len > keep ? " (the first 2 KiB)" : "", (int)(len > keep ? keep : len), out,
           len && out[(len > keep ? keep : len) - 1] != '\n' ? "\n" : "");
}
