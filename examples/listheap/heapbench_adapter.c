/*
 * heapbench_adapter.c - plugs listheap into heapbench through adapter.h.
 *
 *   make test PLUGIN=examples/listheap
 *
 * listheap has the usual three functions, a fixed 8-byte alignment, a way
 * to take more memory (lh_add_region) and a self-check (lh_check).  The
 * glue functions below only convert types; adapter.h supplies the rest of
 * the table: stats, alignments above 8 (emulated), expansion from the
 * memory manager's pages.
 */
#include <heapbench/adapter.h>

#include "listheap.h"

static void *glue_init(void *region, size_t size)
{
    return lh_init(region, size);
}
static void *glue_alloc(void *heap, size_t size)
{
    return lh_alloc(heap, size);
}
static void glue_free(void *heap, void *ptr)
{
    lh_free(heap, ptr);
}
static int glue_add_pool(void *heap, void *region, size_t size)
{
    return lh_add_region(heap, region, size);
}
static int glue_check(void *heap)
{
    return lh_check(heap);
}

static const struct hb_adapter listheap_adapter = {
    .init = glue_init,
    .alloc = glue_alloc,
    .free = glue_free,
    .add_pool = glue_add_pool,
    .check = glue_check,
};

/*         descriptor        own alignment   max align  min initial  extra capabilities */
HB_ADAPTER(listheap_adapter, LISTHEAP_ALIGN, 4096, 1024, HB_CAP_EXPAND | HB_CAP_CHECK)

const struct hb_heap_ops listheap_heapbench = {
    .name = "listheap",
    .summary = "example plug-in: first fit over an address-ordered free list (docs/plugging-in.md)",
    HB_ADAPTER_OPS(listheap_adapter),
};
/* Optional: a version string the results report beside the heap. */
HB_HEAP_VERSION(listheap_heapbench, "1.0");
