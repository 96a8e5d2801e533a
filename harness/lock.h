/*
 * lock.h - a lock layer that makes any heap usable from several threads,
 * and the two ways it can be made safe against interrupts.
 *
 * Most heaps are not thread-safe (the FlingOS "Heaps" article, "Extended
 * information - Threading & Interrupts"): two threads inside alloc at once
 * can be handed the same block or break the free lists.  The layer puts one
 * lock around every operation of the heap beneath it.  It is a heap like any
 * other (same ops table), found by name through the registry as
 * "<layer>:<heap>":
 *
 *   locked-spin:tlsf          a spinlock (C11 atomics, test-and-test-and-set)
 *   locked-mutex:tlsf         a pthread mutex (the waiter sleeps)
 *
 * A plain lock is not interrupt-safe.  If an interrupt arrives while its own
 * CPU (here: thread) holds the heap lock and the handler allocates, the
 * handler waits for a lock that only the code it interrupted can release:
 * a deadlock (the article: "it will get stuck on the lock indefinitely").
 * The layer offers the article's remedies as two more policies, selected by
 * a suffix on the layer name:
 *
 *   locked-spin-masked:tlsf   interrupts (asynchronous signals) are masked
 *                             for the whole locked section, so a handler runs
 *                             only after the lock is released.  Cost: two
 *                             signal-mask system calls per heap call.
 *   locked-spin-reserve:tlsf  memory reserved ahead of time for interrupt
 *                             context: code that runs in interrupt context
 *                             (between hb_irq_enter and hb_irq_exit) never
 *                             takes the heap lock; it allocates from a small
 *                             pool of fixed slots set aside when the heap was
 *                             created, and its frees of heap blocks are
 *                             deferred to the next call made outside
 *                             interrupt context.  Cost outside interrupts:
 *                             one thread-local read and one range check per
 *                             call.
 *
 * (and the same with -mutex).  Interrupt context is what the handler
 * declares with hb_irq_enter/hb_irq_exit, as a kernel's interrupt entry code
 * would; the layer with the plain or masked policy ignores it.
 *
 * Layout: the layer keeps its state (lock, inner heap, reserve, deferred
 * frees) at the front of the initial block, rounded up to a whole page when
 * the block is page-aligned, and builds the inner heap over the rest.  Its
 * stats are the inner heap's with that front part counted as pool and
 * metadata; reserve slots in use count as live allocations.
 *
 * Limits: the reserve serves requests up to HB_IRQ_SLOT_BYTES with alignment
 * up to HB_IRQ_SLOT_BYTES, HB_IRQ_SLOTS at a time; beyond that an alloc in
 * interrupt context returns NULL (counted).  At most HB_IRQ_DEFERRED frees
 * wait at once; a further free in interrupt context returns HB_ENOTSUP and
 * frees nothing (counted).  walk() holds the lock while it calls back: the
 * callback must not call the heap.  Layered tables are made on demand, at
 * most HB_LOCK_MAX_TABLES per process (the same arguments give the same
 * table).
 */
#ifndef HEAPBENCH_LOCK_H
#define HEAPBENCH_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HB_IRQ_SLOTS 16
#define HB_IRQ_SLOT_BYTES 128
#define HB_IRQ_DEFERRED 16
#define HB_LOCK_MAX_TABLES 64

enum hb_lock_kind { HB_LOCK_SPIN, HB_LOCK_MUTEX };
enum hb_irq_policy { HB_IRQ_NONE, HB_IRQ_MASK, HB_IRQ_RESERVE };

/* The table of inner behind a lock: named "locked-<kind>[-<policy>]:<inner
   name>", with inner's capabilities plus HB_CAP_THREAD_SAFE.  NULL when no
   table is left (HB_LOCK_MAX_TABLES). */
const struct hb_heap_ops *hb_lock_wrap(enum hb_lock_kind kind, enum hb_irq_policy policy,
                                       const struct hb_heap_ops *inner);
/* The same from a layer name ("locked-spin", "locked-mutex-reserve", ...);
   NULL for a name that is not a lock layer.  The registry calls this. */
const struct hb_heap_ops *hb_lock_layer(const char *layer, const struct hb_heap_ops *inner);
/* Is ops a table made by this layer? */
int hb_lock_is_layer(const struct hb_heap_ops *ops);
/* The interrupt policy of a table made by this layer; -1 for another table. */
int hb_lock_policy(const struct hb_heap_ops *ops);

/* Interrupt context of the calling thread (nestable; async-signal-safe). */
void hb_irq_enter(void);
void hb_irq_exit(void);
int hb_in_irq(void);

/* What the layer saw, for tests and the bench.  Reads are not synchronised
   with running calls: exact only when the heap is quiet. */
struct hb_lock_info {
    int held;                   /* the heap lock is held now (mutex: found by a trylock,
                                   which takes and gives back the lock when it is free) */
    unsigned reserve_in_use;    /* reserve slots allocated now */
    uint64_t reserve_allocs;    /* allocs served from the reserve */
    uint64_t reserve_refused;   /* allocs in interrupt context refused (too big, or the reserve full) */
    uint64_t deferred_frees;    /* frees in interrupt context deferred, then done */
    uint64_t deferred_overflow; /* frees in interrupt context refused: no room to defer */
};
/* Fills *out for a heap made by a layered table; -1 if ops is not one. */
int hb_lock_info(const struct hb_heap_ops *ops, const hb_heap *h, struct hb_lock_info *out);

#ifdef __cplusplus
}
#endif

#endif
