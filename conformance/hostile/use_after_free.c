/* Reads host memory it already freed, in alloc(24, ...): a fault only the
   sanitizers see (host build); their report must appear under the case. */
#include <stdlib.h>

#include "../broken_base.h"

static void *uaf_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size == 24) {
        unsigned char *volatile scratch = malloc(32);
        if (scratch) {
            scratch[3] = 1;
            free(scratch);
            if (scratch[3] == 0x5a) /* the read after free, on purpose: NOLINT(clang-analyzer-unix.Malloc) */
                size++;
        }
    }
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"hostile_use_after_free",
                                       "use after free in alloc",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       uaf_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_hostile_use_after_free = {&ops, "reads freed host memory in alloc(24, ...)", ""};
