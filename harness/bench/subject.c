/*
 * subject.c - what the bench measures: a registered heap over the simulated
 * memory manager, the C library's malloc (host speed baseline), or the
 * empty operation (harness overhead).  Every heap is fed the same way: one
 * contiguous arena sized from the workload, an initial block of 64 KiB (or
 * --initial-bytes; at least the heap's min_initial) for heaps that expand,
 * the whole arena for those that cannot.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "bench.h"
#include "pathlen.h"

static void *malloc_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)h;
    (void)tag;
    if (align <= HB_DEFAULT_ALIGN)
        return malloc(size ? size : 1);
    void *p;
    return posix_memalign(&p, align, size ? size : 1) == 0 ? p : NULL;
}

static int malloc_free(hb_heap *h, void *p)
{
    (void)h;
    free(p);
    return 0;
}

static char empty_block[HB_PAGE_SIZE];

static void *empty_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)size;
    (void)align;
    (void)tag;
    return h;
}

static int empty_free(hb_heap *h, void *p)
{
    (void)h;
    (void)p;
    return 0;
}

const struct hb_subject hb_subject_malloc = {"malloc",
                                             "the C library's malloc/free: host speed baseline, "
                                             "not a kernel heap",
                                             HB_SUBJECT_MALLOC, 0, NULL};
const struct hb_subject hb_subject_empty = {"(empty)", "an empty operation: the harness overhead", HB_SUBJECT_EMPTY, 0,
                                            NULL};

#define MIB ((size_t)1024 * 1024)

size_t hb_arena_bytes(const struct hb_subject *s, const struct hb_opseq *seq)
{
    if (s->kind != HB_SUBJECT_HEAP)
        return 0;
    /* Room for 4x the live set plus generous per-allocation overhead (buddy
       rounding, headers, page-aligned carving), and the biggest request twice. */
    size_t need =
        4 * (seq->peak_live_bytes + 64 * seq->peak_live_count) + 2 * (seq->max_size + seq->max_align) + 4 * MIB;
    if (!(s->ops->caps & HB_CAP_FREE)) { /* no reuse before a full drain: the total counts */
        size_t total = seq->total_bytes + (HB_DEFAULT_ALIGN + 64) * seq->nallocs;
        if (total / 2 > need / 2)
            need = total + total / 4 + 4 * MIB;
    }
    if (need > HB_ARENA_CAP)
        need = HB_ARENA_CAP;
    return hb_align_up(need, HB_PAGE_SIZE);
}

/* Under the path-length meter, the memory manager's work is bracketed by
   its own markers, so the plugin leaves it out of the heap's count. */
int hb_pathlen_mark_mm;
static void *(*mm_get)(void *, size_t);
static void (*mm_put)(void *, void *, size_t);

static void *marked_get_pages(void *mm, size_t npages)
{
    hb_mark_mm_begin();
    void *p = mm_get(mm, npages);
    hb_mark_mm_end();
    return p;
}

static void marked_put_pages(void *mm, void *block, size_t npages)
{
    hb_mark_mm_begin();
    mm_put(mm, block, npages);
    hb_mark_mm_end();
}

static int create_heap(struct hb_instance *in, char *err, size_t errlen)
{
    const struct hb_heap_ops *ops = in->subject->ops;
    in->initial = hb_mm_get_pages(in->mm, in->initial_pages);
    if (!in->initial) {
        snprintf(err, errlen, "memory manager refused the initial block of %zu pages", in->initial_pages);
        return -1;
    }
    struct hb_config cfg = hb_mm_config(in->mm, 0);
    if (hb_pathlen_mark_mm) {
        mm_get = cfg.get_pages;
        mm_put = cfg.put_pages;
        cfg.get_pages = marked_get_pages;
        cfg.put_pages = marked_put_pages;
    }
    in->h = ops->create(in->initial, in->initial_pages * HB_PAGE_SIZE, &cfg);
    if (!in->h) {
        snprintf(err, errlen, "%s: create refused a %zu-byte initial block", ops->name,
                 in->initial_pages * HB_PAGE_SIZE);
        return -1;
    }
    return 0;
}

size_t hb_initial_bytes(const struct hb_subject *s, const struct hb_opseq *seq, size_t asked)
{
    if (s->kind != HB_SUBJECT_HEAP)
        return 0;
    if (!(s->ops->caps & HB_CAP_EXPAND))
        return hb_arena_bytes(s, seq);
    size_t initial = asked ? asked : HB_INITIAL_BYTES;
    if (initial < s->ops->min_initial)
        initial = s->ops->min_initial;
    return hb_align_up(initial, HB_PAGE_SIZE);
}

int hb_instance_open(struct hb_instance *in, const struct hb_subject *s, const struct hb_opseq *seq,
                     size_t initial_bytes, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    in->subject = s;
    if (s->kind == HB_SUBJECT_MALLOC) {
        in->alloc = malloc_alloc;
        in->free = malloc_free;
        return 0;
    }
    if (s->kind == HB_SUBJECT_EMPTY) {
        in->alloc = empty_alloc;
        in->free = empty_free;
        in->h = (hb_heap *)(void *)empty_block;
        return 0;
    }
    const struct hb_heap_ops *ops = s->ops;
    in->alloc = ops->alloc;
    in->free = ops->free;
    in->arena_pages = hb_arena_bytes(s, seq) / HB_PAGE_SIZE;
    in->initial_pages = hb_initial_bytes(s, seq, initial_bytes) / HB_PAGE_SIZE;
    if (in->initial_pages > in->arena_pages)
        in->arena_pages = in->initial_pages;
    in->mm = hb_mm_create(in->arena_pages, 0, HB_MM_CONTIGUOUS);
    if (!in->mm) {
        snprintf(err, errlen, "cannot create a memory manager of %zu pages", in->arena_pages);
        return -1;
    }
    return create_heap(in, err, errlen);
}

int hb_instance_reset(struct hb_instance *in, char *err, size_t errlen)
{
    if (in->subject->kind != HB_SUBJECT_HEAP)
        return 0;
    if (in->subject->ops->contract)
        in->subject->ops->contract(in->h);
    hb_mm_put_pages(in->mm, in->initial, in->initial_pages);
    struct hb_mm_counters c;
    hb_mm_counters(in->mm, &c);
    if (c.blocks_out != 0) { /* the heap kept blocks: start over with a new manager */
        hb_mm_destroy(in->mm);
        in->mm = hb_mm_create(in->arena_pages, 0, HB_MM_CONTIGUOUS);
        in->mm_recreated++;
        if (!in->mm) {
            snprintf(err, errlen, "cannot create a memory manager of %zu pages", in->arena_pages);
            return -1;
        }
    }
    return create_heap(in, err, errlen);
}

void hb_instance_close(struct hb_instance *in)
{
    if (in->mm)
        hb_mm_destroy(in->mm);
    memset(in, 0, sizeof *in);
}
