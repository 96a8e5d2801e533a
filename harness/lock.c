/*
 * lock.c - the lock layer (lock.h): one lock around every operation of the
 * heap beneath it, with the interrupt policies none, masked and reserve.
 *
 * Tables: hb_heap_ops.create has no argument that says which heap lies
 * beneath, so each layered table gets its own create function.  A fixed
 * array of HB_LOCK_MAX_TABLES slots, each with a create trampoline generated
 * below, is filled on demand under a small spinlock; the same (kind, policy,
 * inner) finds the same slot again.  The other operations find everything
 * through the heap's state.
 *
 * State (struct hb_heap, at the front of the initial block):
 *   lock      spin: an atomic int, 0 free / 1 held (test-and-test-and-set,
 *             acquire on taking, release on giving back); mutex: a default
 *             pthread mutex.
 *   reserve   HB_IRQ_SLOTS slots of HB_IRQ_SLOT_BYTES, slot-aligned; an
 *             atomic bitmap says which are in use (set by compare-and-swap,
 *             cleared by fetch-and), so interrupt handlers on any thread,
 *             nested or not, take and give slots without a lock.
 *   deferred  HB_IRQ_DEFERRED atomic pointers: a free in interrupt context
 *             parks the pointer in an empty entry (compare-and-swap from
 *             NULL); every locked section outside interrupt context first
 *             frees what is parked (exchange to NULL, then the inner free).
 * Every counter is a 32-bit atomic: lock-free on every target (64-bit
 * atomics are not, on MIPS32), hence safe in a signal handler.
 *
 * Invariants: the inner heap is called only with the lock held; code in
 * interrupt context under the reserve policy never takes the lock; with the
 * masked policy every asynchronous signal is blocked from before the lock is
 * taken until after it is released (synchronous ones - SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGTRAP, SIGABRT - stay deliverable so a crash is still
 * reported as one).
 *
 * Costs per call: spin, uncontended: one atomic exchange and one release
 * store; mutex: the pthread fast path (two atomics);
 * masked: two pthread_sigmask system calls more; reserve: one thread-local
 * read, one range check and one atomic load (the deferred count).
 */
#define _DEFAULT_SOURCE /* sigset_t, pthread_sigmask with strict C11 */
#include "lock.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define NAME_LEN 128
#define SUMMARY_LEN 192

struct layer_table {
    struct hb_heap_ops ops; /* what callers see */
    const struct hb_heap_ops *inner;
    enum hb_lock_kind kind;
    enum hb_irq_policy policy;
    char name[NAME_LEN];
    char summary[SUMMARY_LEN];
};

struct hb_heap {
    const struct layer_table *table;
    hb_heap *inner;
    size_t front; /* bytes of the initial block the layer keeps */
    atomic_int spin;
    pthread_mutex_t mutex;
    /* reserve policy */
    unsigned char *reserve; /* HB_IRQ_SLOTS * HB_IRQ_SLOT_BYTES, or NULL */
    atomic_uint reserve_map;
    size_t reserve_req[HB_IRQ_SLOTS];
    _Atomic(uintptr_t) deferred[HB_IRQ_DEFERRED];
    atomic_int deferred_pending;
    atomic_uint n_reserve_allocs, n_reserve_frees, n_refused, n_deferred, n_overflow;
};

/* ---- interrupt context ---------------------------------------------------- */

static _Thread_local volatile sig_atomic_t irq_depth;

void hb_irq_enter(void)
{
    irq_depth = irq_depth + 1;
}
void hb_irq_exit(void)
{
    irq_depth = irq_depth - 1;
}
int hb_in_irq(void)
{
    return irq_depth > 0;
}

/* ---- the lock --------------------------------------------------------------- */

static sigset_t async_signals; /* filled once, before any table exists */

static void fill_async_signals(void)
{
    sigfillset(&async_signals);
    static const int sync[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT};
    for (size_t i = 0; i < sizeof sync / sizeof sync[0]; i++)
        sigdelset(&async_signals, sync[i]);
}

static void spin_acquire(atomic_int *l)
{
    for (;;) {
        if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(l, memory_order_relaxed))
            ;
    }
}

static void drain_deferred(hb_heap *h);

/* Takes the lock (masking first under the masked policy); *old receives the
   mask to restore. */
static void enter(hb_heap *h, sigset_t *old)
{
    if (h->table->policy == HB_IRQ_MASK)
        pthread_sigmask(SIG_BLOCK, &async_signals, old);
    if (h->table->kind == HB_LOCK_SPIN) {
        spin_acquire(&h->spin);
    } else {
        pthread_mutex_lock(&h->mutex);
    }
    if (h->table->policy == HB_IRQ_RESERVE && atomic_load_explicit(&h->deferred_pending, memory_order_acquire))
        drain_deferred(h);
}

static void leave(hb_heap *h, const sigset_t *old)
{
    if (h->table->kind == HB_LOCK_SPIN) {
        atomic_store_explicit(&h->spin, 0, memory_order_release);
    } else {
        pthread_mutex_unlock(&h->mutex);
    }
    if (h->table->policy == HB_IRQ_MASK)
        pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The lock word itself says whether the lock is held: for the spinlock a
   load; for the mutex a trylock (given back at once when it succeeds), since
   a flag kept beside the mutex would be wrong for the instructions between
   the mutex's own update and the flag's. */
static int lock_held(hb_heap *h)
{
    if (h->table->kind == HB_LOCK_SPIN)
        return atomic_load_explicit(&h->spin, memory_order_relaxed) != 0;
    if (pthread_mutex_trylock(&h->mutex) != 0)
        return 1;
    pthread_mutex_unlock(&h->mutex);
    return 0;
}

/* ---- the reserve (interrupt context) ------------------------------------------ */

static int in_irq_path(const hb_heap *h)
{
    return h->table->policy == HB_IRQ_RESERVE && hb_in_irq();
}

/* The slot p starts, or -1 if p does not lie in the reserve. */
static int reserve_slot(const hb_heap *h, const void *p)
{
    if (!h->reserve)
        return -1;
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)h->reserve;
    if (a < lo || a >= lo + (uintptr_t)HB_IRQ_SLOTS * HB_IRQ_SLOT_BYTES)
        return -1;
    return (int)((a - lo) / HB_IRQ_SLOT_BYTES);
}

static void *reserve_alloc(hb_heap *h, size_t size, size_t align)
{
    size_t a = hb_effective_align(align, h->table->ops.max_align);
    if (!a || a > HB_IRQ_SLOT_BYTES || size > HB_IRQ_SLOT_BYTES) {
        atomic_fetch_add(&h->n_refused, 1);
        return NULL;
    }
    unsigned map = atomic_load(&h->reserve_map);
    for (;;) {
        int i = 0;
        while (i < HB_IRQ_SLOTS && (map >> i & 1u))
            i++;
        if (i == HB_IRQ_SLOTS) {
            atomic_fetch_add(&h->n_refused, 1);
            return NULL;
        }
        if (atomic_compare_exchange_weak(&h->reserve_map, &map, map | 1u << i)) {
            h->reserve_req[i] = size ? size : 1;
            atomic_fetch_add(&h->n_reserve_allocs, 1);
            return h->reserve + (size_t)i * HB_IRQ_SLOT_BYTES;
        }
    }
}

static int reserve_free(hb_heap *h, int slot, const void *p)
{
    if ((const unsigned char *)p != h->reserve + (size_t)slot * HB_IRQ_SLOT_BYTES)
        return HB_EBADPTR;
    unsigned bit = 1u << slot;
    if (!(atomic_fetch_and(&h->reserve_map, ~bit) & bit))
        return HB_EBADPTR; /* was not in use: a double free */
    atomic_fetch_add(&h->n_reserve_frees, 1);
    return HB_OK;
}

static int defer_free(hb_heap *h, void *p)
{
    for (int i = 0; i < HB_IRQ_DEFERRED; i++) {
        uintptr_t expect = 0;
        if (atomic_compare_exchange_strong(&h->deferred[i], &expect, (uintptr_t)p)) {
            atomic_fetch_add_explicit(&h->deferred_pending, 1, memory_order_release);
            return HB_OK;
        }
    }
    atomic_fetch_add(&h->n_overflow, 1);
    return HB_ENOTSUP;
}

/* Lock held, outside interrupt context. */
static void drain_deferred(hb_heap *h)
{
    for (int i = 0; i < HB_IRQ_DEFERRED; i++) {
        uintptr_t p = atomic_exchange(&h->deferred[i], 0);
        if (p) {
            h->table->inner->free(h->inner, (void *)p);
            atomic_fetch_add(&h->n_deferred, 1);
            atomic_fetch_sub(&h->deferred_pending, 1);
        }
    }
}

/* ---- the operations ------------------------------------------------------------- */

static void *layer_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (in_irq_path(h))
        return reserve_alloc(h, size, align);
    sigset_t old;
    enter(h, &old);
    void *p = h->table->inner->alloc(h->inner, size, align, tag);
    leave(h, &old);
    return p;
}

static int layer_free(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    int slot = reserve_slot(h, ptr);
    if (slot >= 0)
        return reserve_free(h, slot, ptr);
    if (in_irq_path(h))
        return defer_free(h, ptr);
    sigset_t old;
    enter(h, &old);
    int rc = h->table->inner->free(h->inner, ptr);
    leave(h, &old);
    return rc;
}

static int layer_expand(hb_heap *h, void *block, size_t len)
{
    if (in_irq_path(h))
        return HB_ENOTSUP;
    sigset_t old;
    enter(h, &old);
    int rc = h->table->inner->expand(h->inner, block, len);
    leave(h, &old);
    return rc;
}

static size_t layer_contract(hb_heap *h)
{
    if (in_irq_path(h))
        return 0;
    sigset_t old;
    enter(h, &old);
    size_t n = h->table->inner->contract(h->inner);
    leave(h, &old);
    return n;
}

/* The reserve's slots are the layer's metadata while free and live
   allocations while in use. */
static void add_reserve_stats(const hb_heap *h, struct hb_stats *s)
{
    unsigned map = atomic_load(&((hb_heap *)h)->reserve_map);
    for (int i = 0; i < HB_IRQ_SLOTS; i++) {
        if (!(map >> i & 1u))
            continue;
        s->meta_bytes -= HB_IRQ_SLOT_BYTES;
        s->granted_bytes += HB_IRQ_SLOT_BYTES;
        if (h->table->ops.caps & HB_CAP_REQUESTED)
            s->requested_bytes += h->reserve_req[i];
        s->live++;
    }
    s->allocs += atomic_load(&((hb_heap *)h)->n_reserve_allocs);
    s->frees += atomic_load(&((hb_heap *)h)->n_reserve_frees);
    s->failures += atomic_load(&((hb_heap *)h)->n_refused);
}

static void layer_stats(const hb_heap *ch, struct hb_stats *out)
{
    hb_heap *h = (hb_heap *)ch; /* the lock is the one mutable part */
    sigset_t old;
    enter(h, &old);
    h->table->inner->stats(h->inner, out);
    leave(h, &old);
    out->pool_bytes += h->front;
    out->meta_bytes += h->front;
    add_reserve_stats(h, out);
}

static int layer_walk(const hb_heap *ch, hb_walk_fn fn, void *ctx)
{
    hb_heap *h = (hb_heap *)ch;
    sigset_t old;
    enter(h, &old);
    int rc = h->table->inner->walk(h->inner, fn, ctx);
    leave(h, &old);
    return rc;
}

static int layer_check(const hb_heap *ch, char *msg, size_t msg_len)
{
    hb_heap *h = (hb_heap *)ch;
    sigset_t old;
    enter(h, &old);
    int rc = h->table->inner->check(h->inner, msg, msg_len);
    leave(h, &old);
    return rc;
}

static size_t layer_usable_size(const hb_heap *ch, const void *ptr)
{
    hb_heap *h = (hb_heap *)ch;
    if (reserve_slot(h, ptr) >= 0)
        return HB_IRQ_SLOT_BYTES;
    sigset_t old;
    enter(h, &old);
    size_t n = h->table->inner->usable_size(h->inner, ptr);
    leave(h, &old);
    return n;
}

/* ---- create ------------------------------------------------------------------------ */

/* Bytes of the state (and reserve) at the front, before page rounding. */
static size_t state_bytes(enum hb_irq_policy policy)
{
    size_t n = hb_align_up(sizeof(struct hb_heap), HB_DEFAULT_ALIGN);
    if (policy == HB_IRQ_RESERVE)
        n = hb_align_up(n, HB_IRQ_SLOT_BYTES) + (size_t)HB_IRQ_SLOTS * HB_IRQ_SLOT_BYTES;
    return n;
}

static hb_heap *layer_create(const struct layer_table *t, void *block, size_t len, const struct hb_config *cfg)
{
    uintptr_t b = (uintptr_t)block;
    size_t front = state_bytes(t->policy);
    if (!block || b % HB_DEFAULT_ALIGN || len < front || b + len < b)
        return NULL;
    /* A page-aligned block stays page-aligned for the heap beneath. */
    size_t page = cfg && hb_is_pow2(cfg->page_size) ? cfg->page_size : HB_PAGE_SIZE;
    size_t whole = hb_align_up(front, page);
    if (b % page == 0 && len > t->inner->min_initial && len - t->inner->min_initial >= whole)
        front = whole;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->table = t;
    h->front = front;
    atomic_init(&h->spin, 0);
    atomic_init(&h->reserve_map, 0u);
    atomic_init(&h->deferred_pending, 0);
    for (int i = 0; i < HB_IRQ_DEFERRED; i++)
        atomic_init(&h->deferred[i], 0);
    if (t->policy == HB_IRQ_RESERVE)
        h->reserve = (unsigned char *)hb_align_up(b + sizeof *h, HB_IRQ_SLOT_BYTES);
    if (t->kind == HB_LOCK_MUTEX && pthread_mutex_init(&h->mutex, NULL) != 0)
        return NULL;
    h->inner = t->inner->create((unsigned char *)block + front, len - front, cfg);
    if (!h->inner) {
        if (t->kind == HB_LOCK_MUTEX)
            pthread_mutex_destroy(&h->mutex);
        return NULL;
    }
    return h;
}

/* ---- the tables ---------------------------------------------------------------------- */

static struct layer_table tables[HB_LOCK_MAX_TABLES];
static atomic_uint n_tables; /* only grows; a table is filled before it is counted */
static atomic_int tables_lock;

/* create_<hi>_<lo> serves tables[8 * hi + lo]. */
#define TRAMPOLINE(hi, lo)                                                                                             \
    static hb_heap *create_##hi##_##lo(void *block, size_t len, const struct hb_config *cfg)                           \
    {                                                                                                                  \
        return layer_create(&tables[8 * (hi) + (lo)], block, len, cfg);                                                \
    }
#define TRAMPOLINES8(hi)                                                                                               \
    TRAMPOLINE(hi, 0)                                                                                                  \
    TRAMPOLINE(hi, 1)                                                                                                  \
    TRAMPOLINE(hi, 2)                                                                                                  \
    TRAMPOLINE(hi, 3) TRAMPOLINE(hi, 4) TRAMPOLINE(hi, 5) TRAMPOLINE(hi, 6) TRAMPOLINE(hi, 7)
TRAMPOLINES8(0)
TRAMPOLINES8(1)
TRAMPOLINES8(2)
TRAMPOLINES8(3)
TRAMPOLINES8(4)
TRAMPOLINES8(5)
TRAMPOLINES8(6)
TRAMPOLINES8(7)
#define CREATE8(hi)                                                                                                    \
    create_##hi##_0, create_##hi##_1, create_##hi##_2, create_##hi##_3, create_##hi##_4, create_##hi##_5,              \
        create_##hi##_6, create_##hi##_7
static hb_heap *(*const creates[HB_LOCK_MAX_TABLES])(void *, size_t, const struct hb_config *) = {
    CREATE8(0), CREATE8(1), CREATE8(2), CREATE8(3), CREATE8(4), CREATE8(5), CREATE8(6), CREATE8(7)};
_Static_assert(HB_LOCK_MAX_TABLES == 64, "one create trampoline per table: 8 x 8 above");

static const char *const kind_names[] = {"spin", "mutex"};
static const char *const policy_suffixes[] = {"", "-masked", "-reserve"};
static const char *const kind_words[] = {"a spinlock", "a pthread mutex"};
static const char *const policy_words[] = {"", " (interrupts masked in the heap call)",
                                           " (a reserve for interrupt context)"};

static void fill_table(struct layer_table *t, unsigned i, enum hb_lock_kind kind, enum hb_irq_policy policy,
                       const struct hb_heap_ops *inner)
{
    memset(t, 0, sizeof *t);
    t->inner = inner;
    t->kind = kind;
    t->policy = policy;
    snprintf(t->name, sizeof t->name, "locked-%s%s:%s", kind_names[kind], policy_suffixes[policy], inner->name);
    snprintf(t->summary, sizeof t->summary, "%s behind %s%s", inner->name, kind_words[kind], policy_words[policy]);
    struct hb_heap_ops *o = &t->ops;
    o->name = t->name;
    o->summary = t->summary;
    o->caps = inner->caps | HB_CAP_THREAD_SAFE;
    o->max_align = inner->max_align;
    o->min_initial = inner->min_initial + state_bytes(policy);
    o->create = creates[i];
    o->alloc = layer_alloc;
    o->free = layer_free;
    o->stats = layer_stats;
    o->expand = inner->expand ? layer_expand : NULL;
    o->contract = inner->contract ? layer_contract : NULL;
    o->walk = inner->walk ? layer_walk : NULL;
    o->check = inner->check ? layer_check : NULL;
    o->usable_size = inner->usable_size ? layer_usable_size : NULL;
}

const struct hb_heap_ops *hb_lock_wrap(enum hb_lock_kind kind, enum hb_irq_policy policy,
                                       const struct hb_heap_ops *inner)
{
    if (!inner || (unsigned)kind > HB_LOCK_MUTEX || (unsigned)policy > HB_IRQ_RESERVE)
        return NULL;
    spin_acquire(&tables_lock);
    const struct hb_heap_ops *found = NULL;
    unsigned n = atomic_load(&n_tables);
    for (unsigned i = 0; i < n && !found; i++)
        if (tables[i].inner == inner && tables[i].kind == kind && tables[i].policy == policy)
            found = &tables[i].ops;
    if (!found && n < HB_LOCK_MAX_TABLES) {
        if (n == 0)
            fill_async_signals();
        fill_table(&tables[n], n, kind, policy, inner);
        found = &tables[n].ops;
        atomic_store(&n_tables, n + 1);
    }
    atomic_store_explicit(&tables_lock, 0, memory_order_release);
    return found;
}

const struct hb_heap_ops *hb_lock_layer(const char *layer, const struct hb_heap_ops *inner)
{
    for (int k = HB_LOCK_SPIN; k <= HB_LOCK_MUTEX; k++)
        for (int p = HB_IRQ_NONE; p <= HB_IRQ_RESERVE; p++) {
            char name[32];
            snprintf(name, sizeof name, "locked-%s%s", kind_names[k], policy_suffixes[p]);
            if (strcmp(layer, name) == 0)
                return hb_lock_wrap((enum hb_lock_kind)k, (enum hb_irq_policy)p, inner);
        }
    return NULL;
}

/* Lock-free (async-signal-safe): tables are counted only once filled. */
int hb_lock_is_layer(const struct hb_heap_ops *ops)
{
    unsigned n = atomic_load(&n_tables);
    for (unsigned i = 0; i < n; i++)
        if (&tables[i].ops == ops)
            return 1;
    return 0;
}

int hb_lock_policy(const struct hb_heap_ops *ops)
{
    return hb_lock_is_layer(ops) ? (int)((const struct layer_table *)ops)->policy : -1;
}

int hb_lock_info(const struct hb_heap_ops *ops, const hb_heap *ch, struct hb_lock_info *out)
{
    if (!hb_lock_is_layer(ops))
        return -1;
    hb_heap *h = (hb_heap *)ch;
    memset(out, 0, sizeof *out);
    out->held = lock_held(h);
    unsigned map = atomic_load(&h->reserve_map);
    for (int i = 0; i < HB_IRQ_SLOTS; i++)
        out->reserve_in_use += map >> i & 1u;
    out->reserve_allocs = atomic_load(&h->n_reserve_allocs);
    out->reserve_refused = atomic_load(&h->n_refused);
    out->deferred_frees = atomic_load(&h->n_deferred);
    out->deferred_overflow = atomic_load(&h->n_overflow);
    return 0;
}
