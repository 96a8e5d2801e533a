/*
 * mm.c - the simulated memory manager (see mm.h).
 *
 * The arena is one allocation of arena_pages pages plus one guard page at
 * each end.  page_len[i] is the length in pages of the block lent out that
 * starts at page i (0 elsewhere); page_used[i] marks every page lent out.
 * Both are O(pages) to scan, which is fine for a test and bench harness:
 * the heaps under test call get_pages rarely, and it is outside every timed
 * or counted region.
 */
#include "mm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hb_mm {
    unsigned char *base; /* first page of the arena (after the low guard) */
    unsigned char *raw;  /* what malloc returned */
    size_t pages;
    size_t page_size;
    size_t max_bytes;
    enum hb_mm_placement placement;
    unsigned char *page_used;
    size_t *page_len;
    /* Search hints: no run can start below low_hint (contiguous placement),
       and no isolated run can start at or above high_hint (scattered).  A
       get moves them past what it lent when it skipped nothing on the way; a
       put moves them back to cover what it freed.  They keep a long run of grants from rescanning the arena. */
    size_t low_hint, high_hint;
    struct hb_mm_counters c;
    hb_mm_return_hook return_hook;
    void *return_ctx;
};

static void mm_die(const hb_mm *mm, const char *what, const void *p, size_t n)
{
    if (mm->return_hook) {
        mm->return_hook(mm->return_ctx, p, n, what);
        return;
    }
    fprintf(stderr, "memory manager: %s (block %p, %zu pages)\n", what, p, n);
    fflush(stderr);
    abort();
}

hb_mm *hb_mm_create(size_t arena_pages, size_t max_bytes, enum hb_mm_placement placement)
{
    hb_mm *mm = calloc(1, sizeof *mm);
    if (!mm)
        return NULL;
    mm->page_size = HB_PAGE_SIZE;
    mm->pages = arena_pages;
    mm->max_bytes = max_bytes;
    mm->placement = placement;
    size_t bytes = (arena_pages + 3) * mm->page_size;
    mm->raw = malloc(bytes);
    mm->page_used = calloc(arena_pages ? arena_pages : 1, 1);
    mm->page_len = calloc(arena_pages ? arena_pages : 1, sizeof *mm->page_len);
    if (!mm->raw || !mm->page_used || !mm->page_len) {
        hb_mm_destroy(mm);
        return NULL;
    }
    memset(mm->raw, HB_MM_GUARD_BYTE, bytes);
    mm->base = (unsigned char *)hb_align_up((uintptr_t)mm->raw, mm->page_size) + mm->page_size;
    mm->low_hint = 0;
    mm->high_hint = arena_pages;
    return mm;
}

void hb_mm_destroy(hb_mm *mm)
{
    if (!mm)
        return;
    free(mm->raw);
    free(mm->page_used);
    free(mm->page_len);
    free(mm);
}

static int run_is_free(const hb_mm *mm, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        if (mm->page_used[i])
            return 0;
    return 1;
}

/* Lowest run of n free pages; SIZE_MAX if none. */
static size_t find_lowest_run(const hb_mm *mm, size_t n)
{
    for (size_t s = mm->low_hint; s + n <= mm->pages; s++)
        if (run_is_free(mm, s, n))
            return s;
    return SIZE_MAX;
}

/* Highest run of n free pages with a free page (or the arena edge) on both
   sides, so that the block touches no other lent block. */
static size_t find_highest_isolated_run(const hb_mm *mm, size_t n)
{
    size_t top = mm->high_hint < mm->pages - n + 1 ? mm->high_hint : mm->pages - n + 1;
    for (size_t s = top; s-- > 0;) {
        int below_ok = s == 0 || !mm->page_used[s - 1];
        int above_ok = s + n == mm->pages || !mm->page_used[s + n];
        if (below_ok && above_ok && run_is_free(mm, s, n))
            return s;
    }
    return SIZE_MAX;
}

static int within_max(const hb_mm *mm, size_t npages)
{
    return npages != 0 && npages <= mm->pages &&
           !(mm->max_bytes && npages > (mm->max_bytes - mm->c.bytes_out) / mm->page_size) &&
           !(mm->max_bytes && mm->c.bytes_out > mm->max_bytes);
}

static size_t find_run(const hb_mm *mm, size_t npages)
{
    return mm->placement == HB_MM_SCATTERED ? find_highest_isolated_run(mm, npages) : find_lowest_run(mm, npages);
}

int hb_mm_could_grant(const hb_mm *mm, size_t npages)
{
    return within_max(mm, npages) && find_run(mm, npages) != SIZE_MAX;
}

void hb_mm_set_return_hook(hb_mm *mm, hb_mm_return_hook hook, void *ctx)
{
    mm->return_hook = hook;
    mm->return_ctx = ctx;
}

void *hb_mm_get_pages(void *vmm, size_t npages)
{
    hb_mm *mm = vmm;
    if (!within_max(mm, npages)) {
        mm->c.refusals++;
        return NULL;
    }
    size_t s = find_run(mm, npages);
    if (s == SIZE_MAX) {
        mm->c.refusals++;
        return NULL;
    }
    memset(mm->page_used + s, 1, npages);
    mm->page_len[s] = npages;
    if (mm->placement == HB_MM_SCATTERED && s + npages + 1 >= mm->high_hint)
        mm->high_hint = s; /* nothing was skipped between this run and the old hint */
    else if (s == mm->low_hint)
        mm->low_hint = s + npages;
    mm->c.bytes_out += npages * mm->page_size;
    mm->c.blocks_out++;
    mm->c.grants++;
    if (mm->c.bytes_out > mm->c.peak_bytes_out)
        mm->c.peak_bytes_out = mm->c.bytes_out;
    return mm->base + s * mm->page_size;
}

void hb_mm_put_pages(void *vmm, void *block, size_t npages)
{
    hb_mm *mm = vmm;
    unsigned char *p = block;
    if (p < mm->base || p >= mm->base + mm->pages * mm->page_size || (size_t)(p - mm->base) % mm->page_size != 0) {
        mm_die(mm, "put_pages of an address that is no block start", block, npages);
        return;
    }
    size_t s = (size_t)(p - mm->base) / mm->page_size;
    if (mm->page_len[s] == 0) {
        mm_die(mm, "put_pages of a block that is not lent out", block, npages);
        return;
    }
    if (mm->page_len[s] != npages) {
        mm_die(mm, "put_pages with a page count other than the block's", block, npages);
        return;
    }
    if (mm->return_hook)
        mm->return_hook(mm->return_ctx, block, npages, NULL);
    memset(mm->page_used + s, 0, npages);
    mm->page_len[s] = 0;
    if (s < mm->low_hint)
        mm->low_hint = s;
    if (s + npages + 1 > mm->high_hint) /* with the guard page above it */
        mm->high_hint = s + npages + 1 < mm->pages ? s + npages + 1 : mm->pages;
    memset(p, HB_MM_GUARD_BYTE, npages * mm->page_size);
    mm->c.bytes_out -= npages * mm->page_size;
    mm->c.blocks_out--;
    mm->c.returns++;
}

struct hb_config hb_mm_config(hb_mm *mm, size_t param)
{
    struct hb_config cfg = {hb_mm_get_pages, hb_mm_put_pages, mm, mm->page_size, param};
    return cfg;
}

void hb_mm_counters(const hb_mm *mm, struct hb_mm_counters *out)
{
    *out = mm->c;
}

size_t hb_mm_page_size(const hb_mm *mm)
{
    return mm->page_size;
}

void hb_mm_set_max(hb_mm *mm, size_t max_bytes)
{
    mm->max_bytes = max_bytes;
}

int hb_mm_owns(const hb_mm *mm, const void *vp, size_t len)
{
    const unsigned char *p = vp;
    const unsigned char *end = mm->base + mm->pages * mm->page_size;
    if (p < mm->base || p >= end || len > (size_t)(end - p))
        return 0;
    /* Every page the range touches must be lent out; a heap may merge
       blocks that happen to be adjacent, so the range may span several. */
    size_t first = (size_t)(p - mm->base) / mm->page_size;
    size_t last = (size_t)(p + (len ? len - 1 : 0) - mm->base) / mm->page_size;
    for (size_t i = first; i <= last; i++)
        if (!mm->page_used[i])
            return 0;
    return 1;
}

static int bytes_are_guard(const unsigned char *p, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != HB_MM_GUARD_BYTE) {
            *bad = i;
            return 0;
        }
    return 1;
}

int hb_mm_check_guard_edges(const hb_mm *mm, size_t edge, char *msg, size_t msg_len)
{
    size_t bad;
    if (edge > mm->page_size)
        edge = mm->page_size;
    for (size_t i = 0; i < mm->pages; i++) {
        if (!mm->page_used[i])
            continue;
        const unsigned char *start = mm->base + i * mm->page_size, *end = start + mm->page_size;
        int first = i == 0 || !mm->page_used[i - 1], last = i + 1 == mm->pages || !mm->page_used[i + 1];
        if (first && !bytes_are_guard(start - edge, edge, &bad)) {
            snprintf(msg, msg_len, "guard bytes overwritten at %p, %zu bytes before the block starting at %p",
                     (const void *)(start - edge + bad), edge - bad, (const void *)start);
            return -1;
        }
        if (last && !bytes_are_guard(end, edge, &bad)) {
            snprintf(msg, msg_len, "guard bytes overwritten at %p, %zu bytes past the end of the block ending at %p",
                     (const void *)(end + bad), bad, (const void *)end);
            return -1;
        }
    }
    return 0;
}

int hb_mm_check_guards(const hb_mm *mm, char *msg, size_t msg_len)
{
    size_t bad;
    const unsigned char *low = mm->base - mm->page_size;
    const unsigned char *high = mm->base + mm->pages * mm->page_size;
    if (!bytes_are_guard(low, mm->page_size, &bad)) {
        snprintf(msg, msg_len, "guard page below the arena overwritten at %p", (const void *)(low + bad));
        return -1;
    }
    if (!bytes_are_guard(high, mm->page_size, &bad)) {
        snprintf(msg, msg_len, "guard page above the arena overwritten at %p (%zu bytes past the last page)",
                 (const void *)(high + bad), bad);
        return -1;
    }
    for (size_t i = 0; i < mm->pages; i++) {
        const unsigned char *page = mm->base + i * mm->page_size;
        if (mm->page_used[i] || bytes_are_guard(page, mm->page_size, &bad))
            continue;
        /* Say where it lies relative to the nearest lent block below. */
        size_t j = i;
        while (j > 0 && !mm->page_used[j - 1])
            j--;
        if (j > 0)
            snprintf(msg, msg_len,
                     "guard bytes overwritten at %p: page not lent out, %zu bytes past the end of the block "
                     "ending at %p",
                     (const void *)(page + bad), (size_t)(page + bad - (mm->base + j * mm->page_size)),
                     (const void *)(mm->base + j * mm->page_size));
        else
            snprintf(msg, msg_len, "guard bytes overwritten at %p: page not lent out", (const void *)(page + bad));
        return -1;
    }
    return 0;
}
