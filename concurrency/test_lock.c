/*
 * test_lock.c - the lock layer's own rules (harness/lock.h), one thread, no
 * signals: names the registry resolves and refuses, the capability, the
 * layout (a page-aligned heap beneath, the stats identity), and every limit
 * of the reserve: slots, sizes and alignments refused and counted, a double
 * free of a slot caught, frees in interrupt context deferred until the next
 * call outside it, and refused when no entry is left.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "common.h"
#include "lock.h"
#include "registry.h"

static void expect_identity(const struct hb_cc_heap *c, const char *when)
{
    struct hb_stats s;
    c->ops->stats(c->heap, &s);
    size_t sum = s.meta_bytes + s.header_bytes + s.padding_bytes + s.granted_bytes + s.free_bytes;
    EXPECT(sum == s.pool_bytes, "%s: %s: pool %zu != meta+header+padding+granted+free %zu", c->ops->name, when,
           s.pool_bytes, sum);
}

static void test_names(void)
{
    const struct hb_heap_ops *tlsf = hb_find_heap("tlsf");
    const struct hb_heap_ops *spin = hb_find_heap("locked-spin:tlsf");
    EXPECT(tlsf && spin, "tlsf and locked-spin:tlsf are found");
    if (!tlsf || !spin)
        return;
    EXPECT(strcmp(spin->name, "locked-spin:tlsf") == 0, "the table is named %s", spin->name);
    EXPECT(spin == hb_find_heap("locked-spin:tlsf"), "the same name gives the same table");
    EXPECT(spin == hb_lock_wrap(HB_LOCK_SPIN, HB_IRQ_NONE, tlsf), "hb_lock_wrap gives the registry's table");
    EXPECT((spin->caps & HB_CAP_THREAD_SAFE) && !(tlsf->caps & HB_CAP_THREAD_SAFE),
           "the layer adds HB_CAP_THREAD_SAFE to the heap's capabilities");
    EXPECT((spin->caps & ~(unsigned)HB_CAP_THREAD_SAFE) == tlsf->caps, "and keeps the others");
    EXPECT(hb_lock_policy(hb_find_heap("locked-mutex-reserve:tlsf")) == HB_IRQ_RESERVE, "the -reserve policy");
    EXPECT(hb_lock_policy(hb_find_heap("locked-spin-masked:buddy")) == HB_IRQ_MASK, "the -masked policy");
    EXPECT(hb_lock_policy(tlsf) == -1, "a heap that is not a layer has no policy");
    EXPECT(hb_find_heap("locked-spin:debug-nope") == NULL, "an unknown heap beneath is refused");
    EXPECT(hb_find_heap("locked-bolt:tlsf") == NULL, "an unknown lock layer is refused");
    EXPECT(hb_find_heap("locked-spin:") == NULL, "an empty heap name is refused");
    const struct hb_heap_ops *two = hb_find_heap("locked-mutex:locked-spin:firstfit");
    EXPECT(two && strcmp(two->name, "locked-mutex:locked-spin:firstfit") == 0, "layers stack");
    char msg[256];
    EXPECT(hb_validate_ops(spin, msg, sizeof msg) == 0, "the table is sound: %s", msg);
}

static void test_layout(void)
{
    struct hb_cc_heap c;
    char msg[256];
    const struct hb_heap_ops *ops = hb_find_heap("locked-spin:buddy");
    if (hb_cc_create(&c, ops, 16, 64, msg, sizeof msg) != 0) {
        EXPECT(0, "%s", msg);
        return;
    }
    EXPECT(c.fresh.pool_bytes == 16 * HB_PAGE_SIZE, "pool %zu: the layer's page counts as pool", c.fresh.pool_bytes);
    EXPECT(c.fresh.meta_bytes >= HB_PAGE_SIZE, "meta %zu: the layer's page counts as metadata", c.fresh.meta_bytes);
    expect_identity(&c, "fresh");
    void *p = ops->alloc(c.heap, 4096, 4096, "t");
    EXPECT(p && (uintptr_t)p % 4096 == 0, "a page-aligned alloc through the layer: %p", p);
    expect_identity(&c, "one block live");
    EXPECT(ops->free(c.heap, p) == HB_OK, "its free");
    EXPECT(hb_cc_check_back_to_start(&c, 1, 1, msg, sizeof msg) == 0, "%s", msg);
    hb_mm_destroy(c.mm);
}

static void test_reserve(void)
{
    struct hb_cc_heap c;
    char msg[256];
    const struct hb_heap_ops *ops = hb_find_heap("locked-spin-reserve:tlsf");
    if (hb_cc_create(&c, ops, 16, 64, msg, sizeof msg) != 0) {
        EXPECT(0, "%s", msg);
        return;
    }
    void *heap_block = ops->alloc(c.heap, 40, 0, "normal");
    void *slot[HB_IRQ_SLOTS];
    hb_irq_enter();
    for (int i = 0; i < HB_IRQ_SLOTS; i++) {
        slot[i] = ops->alloc(c.heap, i ? HB_IRQ_SLOT_BYTES : 0, i % 2 ? HB_IRQ_SLOT_BYTES : 0, "irq");
        EXPECT(slot[i] && (uintptr_t)slot[i] % HB_IRQ_SLOT_BYTES == 0, "slot %d: %p", i, slot[i]);
    }
    EXPECT(ops->alloc(c.heap, 1, 0, "irq") == NULL, "a 17th alloc in interrupt context is refused");
    hb_irq_exit();
    expect_identity(&c, "every slot in use");
    struct hb_stats s;
    ops->stats(c.heap, &s);
    EXPECT(s.live == HB_IRQ_SLOTS + 1, "live %zu: the slots count as live allocations", s.live);
    hb_irq_enter();
    EXPECT(ops->free(c.heap, slot[3]) == HB_OK, "a slot freed in interrupt context");
    EXPECT(ops->free(c.heap, slot[3]) == HB_EBADPTR, "and again: a double free, caught");
    EXPECT(ops->free(c.heap, (char *)slot[4] + 8) == HB_EBADPTR, "a pointer inside a slot is not a slot");
    EXPECT(ops->alloc(c.heap, HB_IRQ_SLOT_BYTES + 1, 0, "irq") == NULL, "larger than a slot: refused");
    EXPECT(ops->alloc(c.heap, 8, (size_t)2 * HB_IRQ_SLOT_BYTES, "irq") == NULL, "aligned beyond a slot: refused");
    EXPECT(ops->free(c.heap, heap_block) == HB_OK, "a heap block freed in interrupt context is deferred");
    struct hb_lock_info li;
    hb_lock_info(ops, c.heap, &li);
    EXPECT(li.deferred_frees == 0, "not done yet: %" PRIu64, li.deferred_frees);
    EXPECT(li.reserve_refused == 3, "three refusals counted: %" PRIu64, li.reserve_refused);
    hb_irq_exit();
    for (int i = 0; i < HB_IRQ_SLOTS; i++)
        if (i != 3)
            EXPECT(ops->free(c.heap, slot[i]) == HB_OK, "slot %d freed outside interrupt context", i);
    void *q = ops->alloc(c.heap, 8, 0, "normal"); /* takes the lock: the deferred free happens first */
    hb_lock_info(ops, c.heap, &li);
    EXPECT(li.deferred_frees == 1 && li.reserve_in_use == 0, "deferred frees %" PRIu64 ", slots in use %u",
           li.deferred_frees, li.reserve_in_use);
    EXPECT(ops->free(c.heap, q) == HB_OK, "free");
    /* No entry left: the 17th deferred free is refused and frees nothing. */
    void *b[HB_IRQ_DEFERRED + 1];
    for (int i = 0; i <= HB_IRQ_DEFERRED; i++)
        b[i] = ops->alloc(c.heap, 24, 0, "normal");
    hb_irq_enter();
    for (int i = 0; i < HB_IRQ_DEFERRED; i++)
        EXPECT(ops->free(c.heap, b[i]) == HB_OK, "deferred free %d", i);
    EXPECT(ops->free(c.heap, b[HB_IRQ_DEFERRED]) == HB_ENOTSUP, "no room to defer: HB_ENOTSUP");
    hb_irq_exit();
    EXPECT(ops->free(c.heap, b[HB_IRQ_DEFERRED]) == HB_OK, "the refused one, freed outside interrupt context");
    hb_lock_info(ops, c.heap, &li);
    EXPECT(li.deferred_overflow == 1, "the refusal is counted: %" PRIu64, li.deferred_overflow);
    uint64_t allocs = 1 + HB_IRQ_SLOTS + 1 + HB_IRQ_DEFERRED + 1, frees = allocs;
    EXPECT(hb_cc_check_back_to_start(&c, allocs, frees, msg, sizeof msg) == 0, "%s", msg);
    hb_mm_destroy(c.mm);
}

int main(void)
{
    test_names();
    test_layout();
    test_reserve();
    printf("%s: the lock layer's rules\n", hb_expect_failures ? "FAIL" : "PASS");
    return hb_expect_failures != 0;
}
