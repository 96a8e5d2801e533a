/* Bug: an endless loop in the fit search at the largest alignment (a scan
   that jumps past its stop position, as in public copies of the bitmap
   heap).  Only the cases that ask for the heap's maximum alignment hang,
   and they do on every target.  The
   runner must report the hang as a timeout and go on with the next case. */
#include "../broken_base.h"

static void *hang_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (align == (size_t)1 << 20)
        for (volatile int spin = 1; spin;)
            ;
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {
    "broken_hang", "hangs on one size", BB_CAPS,     1u << 20, 512,  bb_create, hang_alloc,
    bb_free,       bb_expand,           bb_contract, bb_stats, NULL, bb_check,  bb_usable_size};

const struct hb_broken_heap hb_broken_hang = {&ops, "loops forever on alloc(size, 1 MiB alignment)",
                                              "alignment.powers alignment.nearly_full overflow.huge_sizes"};
