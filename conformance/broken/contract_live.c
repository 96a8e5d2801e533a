/* Bug: contract tests the wrong block for emptiness and gives back a block
   that still holds a live allocation.  The wrapper keeps its record of the
   blocks it grew by in front of the sound heap, in the initial block, and
   hands the sound heap a config whose memory manager is that record. */
#include "../broken_base.h"
#include "mm.h"

#define MAX_GROWN 64

struct record {
    void *mm; /* the real memory manager */
    size_t n;
    struct {
        unsigned char *block;
        size_t pages;
    } grown[MAX_GROWN];
};

#define RECORD_BYTES hb_align_up(sizeof(struct record), HB_DEFAULT_ALIGN)

static struct record *record_of(const hb_heap *h)
{
    return (struct record *)(void *)((char *)h - RECORD_BYTES);
}

static void *rec_get_pages(void *ctx, size_t npages)
{
    struct record *r = ctx;
    unsigned char *b = hb_mm_get_pages(r->mm, npages);
    if (b && r->n < MAX_GROWN) {
        r->grown[r->n].block = b;
        r->grown[r->n++].pages = npages;
    }
    return b;
}

static void rec_put_pages(void *ctx, void *block, size_t npages)
{
    struct record *r = ctx;
    for (size_t i = 0; i < r->n; i++)
        if (r->grown[i].block == block)
            r->grown[i] = r->grown[--r->n];
    hb_mm_put_pages(r->mm, block, npages);
}

static hb_heap *rec_create(void *block, size_t len, const struct hb_config *cfg)
{
    if (len < RECORD_BYTES + 512)
        return NULL;
    struct record *r = block;
    r->mm = cfg->mm;
    r->n = 0;
    struct hb_config c = *cfg;
    c.mm = r;
    c.get_pages = rec_get_pages;
    c.put_pages = rec_put_pages;
    return bb_create((char *)block + RECORD_BYTES, len - RECORD_BYTES, &c);
}

struct find {
    unsigned char *lo, *hi;
    int found;
};

static int in_range(const struct hb_block_info *info, void *ctx)
{
    struct find *f = ctx;
    f->found |= (unsigned char *)info->ptr >= f->lo && (unsigned char *)info->ptr < f->hi;
    return f->found;
}

static size_t wrong_contract(hb_heap *h)
{
    struct record *r = record_of(h);
    for (size_t i = r->n; i-- > 0;) {
        struct find f = {r->grown[i].block, r->grown[i].block + r->grown[i].pages * HB_PAGE_SIZE, 0};
        bb_walk(h, in_range, &f);
        if (f.found) { /* the bug: this block is not empty */
            size_t bytes = r->grown[i].pages * HB_PAGE_SIZE;
            rec_put_pages(r, r->grown[i].block, r->grown[i].pages);
            return bytes;
        }
    }
    return bb_contract(h);
}

/* The record is global data too. */
static void rec_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->pool_bytes += RECORD_BYTES;
    s->meta_bytes += RECORD_BYTES;
}

static const struct hb_heap_ops ops = {"broken_contract_live",
                                       "contract returns a live block",
                                       BB_CAPS,
                                       1u << 20,
                                       sizeof(struct record) + HB_DEFAULT_ALIGN + 512, /* >= RECORD_BYTES + 512 */
                                       rec_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       wrong_contract,
                                       rec_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_contract_live = {&ops, "contract gives back a block that holds a live allocation",
                                                       "expansion.contract_keeps_live expansion.contract_contiguous"};
