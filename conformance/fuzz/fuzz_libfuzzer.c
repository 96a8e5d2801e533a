/*
 * fuzz_libfuzzer.c - the libFuzzer entry point (`make fuzz`, built with
 * clang -fsanitize=fuzzer,address,undefined).  The heap is HB_FUZZ_HEAP
 * (any name hb_find_heap knows, debug:NAME too), or the input's first byte
 * selects a registered heap.  A disagreement with the shadow model is
 * printed and aborts, so libFuzzer keeps the input as a crash.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_ops.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct hb_heap_ops *named;
    static int looked;
    const char *name = getenv("HB_FUZZ_HEAP");
    if (name && !looked) {
        looked = 1;
        named = hb_fuzz_pick_heap(name, NULL, 0);
        if (!named) {
            fprintf(stderr, "hb_fuzz: HB_FUZZ_HEAP: unknown heap '%s'; registered heaps: ", name);
            hb_print_heap_names(stderr);
            fprintf(stderr, "\n");
            exit(2);
        }
    }
    const struct hb_heap_ops *ops = name ? named : hb_fuzz_pick_heap(NULL, data, size);
    char why[512];
    if (ops && hb_fuzz_run(ops, data, size, why, sizeof why) != 0) {
        fprintf(stderr, "hb_fuzz: %s\n", why);
        abort();
    }
    return 0;
}
