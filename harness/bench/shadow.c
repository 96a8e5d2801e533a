/*
 * shadow.c - the shadow check a heap passes before it gets any figure.
 *
 * The workload's sequence runs once on a fresh heap; every block the heap
 * returns is checked against a shadow of the live blocks:
 *   - it lies inside the page blocks the memory manager lent out now;
 *   - it is aligned as asked (align 0/1: the target's default alignment);
 *   - it overlaps no live block (size 0 counts as 1 byte, as heap.h says);
 *   - usable_size(p) >= size, where the heap reports usable sizes.
 * The shadow is one bit per byte, kept in 64 KiB chunks found through an
 * open-addressing hash table keyed by address / 64 KiB, so it costs
 * (bytes ever live) / 8 of memory and O(size / 64) word operations per
 * alloc and free, whatever the addresses.  The first violation ends the
 * check with a message naming the op, the block and what is wrong.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "bench.h"
#include "supervise.h"

#define CHUNK_SHIFT 16
#define CHUNK_BYTES ((uintptr_t)1 << CHUNK_SHIFT)
#define CHUNK_WORDS (CHUNK_BYTES / 64)

struct chunk {
    uintptr_t key; /* address >> CHUNK_SHIFT, plus 1 (0: empty slot) */
    uint64_t *bits;
};

struct shadow {
    struct chunk *tab;
    size_t cap, n; /* cap: a power of two */
};

static void shadow_free(struct shadow *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->tab[i].bits);
    free(s->tab);
    memset(s, 0, sizeof *s);
}

static struct chunk *slot_of(struct chunk *tab, size_t cap, uintptr_t key)
{
    size_t i = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 7) & (cap - 1);
    while (tab[i].key && tab[i].key != key)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static int grow(struct shadow *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct chunk *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->tab[i].key)
            *slot_of(t, cap, s->tab[i].key) = s->tab[i];
    free(s->tab);
    s->tab = t;
    s->cap = cap;
    return 0;
}

/* The bit words of the chunk holding address a; created when create. */
static uint64_t *chunk_bits(struct shadow *s, uintptr_t a, int create)
{
    uintptr_t key = (a >> CHUNK_SHIFT) + 1;
    if (s->cap) {
        struct chunk *c = slot_of(s->tab, s->cap, key);
        if (c->key || !create)
            return c->bits;
    }
    if (!create)
        return NULL;
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
        return NULL;
    struct chunk *c = slot_of(s->tab, s->cap, key);
    c->bits = calloc(CHUNK_WORDS, sizeof *c->bits);
    if (!c->bits)
        return NULL;
    c->key = key;
    s->n++;
    return c->bits;
}

enum range_op { RANGE_ANY, RANGE_SET, RANGE_CLEAR };

/* Over the bytes [a, a + len): RANGE_ANY returns 1 if any is marked;
   RANGE_SET and RANGE_CLEAR mark or unmark them (-1: out of memory). */
static int range(struct shadow *s, uintptr_t a, size_t len, enum range_op op)
{
    while (len) {
        uintptr_t off = a & (CHUNK_BYTES - 1);
        size_t n = CHUNK_BYTES - off < len ? (size_t)(CHUNK_BYTES - off) : len;
        uint64_t *bits = chunk_bits(s, a, op == RANGE_SET);
        if (!bits && op == RANGE_SET)
            return -1;
        for (size_t done = 0; bits && done < n;) {
            size_t bit = (size_t)off + done, w = bit / 64, b = bit % 64;
            size_t k = 64 - b < n - done ? 64 - b : n - done;
            uint64_t mask = (k == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << k) - 1)) << b;
            if (op == RANGE_ANY && (bits[w] & mask))
                return 1;
            if (op == RANGE_SET)
                bits[w] |= mask;
            else if (op == RANGE_CLEAR)
                bits[w] &= ~mask;
            done += k;
        }
        a += n;
        len -= n;
    }
    return 0;
}

/* The first rule block p (of op i) breaks, described in msg; 0 if none. */
static int check_block(struct hb_instance *in, struct shadow *s, size_t i, const struct hb_op *op, void *p, char *msg,
                       size_t msglen)
{
    const struct hb_heap_ops *ops = in->subject->ops;
    size_t len = op->size ? op->size : 1;
    size_t want = op->align > 1 ? op->align : HB_DEFAULT_ALIGN;
    uintptr_t a = (uintptr_t)p;
    const char *what = NULL;
    char extra[96] = "";
    if (!hb_mm_owns(in->mm, p, len))
        what = "lies outside the page blocks the memory manager lent";
    else if (a % want != 0) {
        what = "is not aligned as asked";
        snprintf(extra, sizeof extra, " (address mod %zu = %zu)", want, (size_t)(a % want));
    } else if (range(s, a, len, RANGE_ANY))
        what = "overlaps a live block";
    else if (ops->usable_size) {
        size_t u = ops->usable_size(in->h, p);
        if (u < op->size) {
            what = "has a usable size below the size asked";
            snprintf(extra, sizeof extra, " (usable_size %zu)", u);
        }
    }
    if (!what)
        return 0;
    snprintf(msg, msglen, "op %zu: alloc(size %zu, align %zu) returned %p, which %s%s", i, op->size, op->align, p, what,
             extra);
    return -1;
}

int hb_shadow_check(struct hb_instance *in, const struct hb_opseq *seq, char *msg, size_t msglen)
{
    const struct hb_heap_ops *ops = in->subject->ops;
    size_t ns = seq->nslots ? seq->nslots : 1;
    void **slots = calloc(ns, sizeof *slots);
    size_t *sizes = calloc(ns, sizeof *sizes);
    struct shadow s = {0};
    int rc = 0;
    if (!slots || !sizes) {
        snprintf(msg, msglen, "out of memory for %zu slots", ns);
        rc = -2;
    }
    for (size_t i = 0; rc == 0 && i < seq->n; i++) {
        const struct hb_op *op = &seq->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            hb_sv_note("alloc", op->size, op->align, NULL);
            void *p = ops->alloc(in->h, op->size, op->align, op->tag);
            slots[op->slot] = p;
            sizes[op->slot] = op->size ? op->size : 1;
            if (!p)
                continue;
            rc = check_block(in, &s, i, op, p, msg, msglen);
            if (rc == 0 && range(&s, (uintptr_t)p, sizes[op->slot], RANGE_SET) != 0) {
                snprintf(msg, msglen, "out of memory for the shadow");
                rc = -2;
            }
        } else if (slots[op->slot]) {
            hb_sv_note("free", sizes[op->slot], 0, slots[op->slot]);
            range(&s, (uintptr_t)slots[op->slot], sizes[op->slot], RANGE_CLEAR);
            ops->free(in->h, slots[op->slot]);
            slots[op->slot] = NULL;
        }
    }
    shadow_free(&s);
    free(slots);
    free(sizes);
    return rc;
}
