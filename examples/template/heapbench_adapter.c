/*
 * heapbench_adapter.c - TEMPLATE: plugs myheap into heapbench.
 *
 *   make test PLUGIN=path/to/your/folder
 *   make bench PLUGIN=path/to/your/folder
 *
 * 1. Point the three glue functions at your heap's init, alloc and free
 *    (they only convert types).
 * 2. Fill in HB_ADAPTER's numbers: your heap's own alignment, the largest
 *    alignment heapbench may ask (above your own, adapter.h emulates it and
 *    the results say so), the smallest region your init accepts.
 * 3. Name the heap: .name is how tests, tables and --heap call it.
 * If your heap can take more memory or check itself, see
 * examples/listheap/heapbench_adapter.c (.add_pool, .check).
 */
#include <heapbench/adapter.h>

#include "myheap.h"

static void *glue_init(void *region, size_t size)
{
    return my_init(region, size);
}
static void *glue_alloc(void *heap, size_t size)
{
    return my_alloc(heap, size);
}
static void glue_free(void *heap, void *ptr)
{
    my_free(heap, ptr);
}

static const struct hb_adapter myheap_adapter = {
    .init = glue_init,
    .alloc = glue_alloc,
    .free = glue_free,
};

/*         descriptor      own alignment  max align  min initial  extra capabilities */
HB_ADAPTER(myheap_adapter, MYHEAP_ALIGN, 4096, 1024, 0)

const struct hb_heap_ops myheap_heapbench = {
    .name = "my-heap",
    .summary = "template plug-in: a chunk map standing in for your heap",
    HB_ADAPTER_OPS(myheap_adapter),
};
