/*
 * replay.c - record, shrink, write and replay the heap calls of a failing
 * case (see replay.h for the design and the file format).
 *
 * The log lives in the supervisor's shared result area: a header (count,
 * overflow flag, interned tag texts) and fixed-size entries.  The recorder
 * maps block addresses to allocation ids with an open-addressing hash table
 * in the child's own memory (O(1) per call); a pointer that is no live block
 * is placed by a binary search of the fixture's shadow (O(log n)).
 *
 * Replay keeps id -> pointer for the blocks it allocated, and plays each
 * operation through the fixture function the case used, so it checks what
 * the case checked, where the case checked it: the cost of a replay is the
 * cost of the case's own operations.  While replaying, the child writes the
 * number of the operation under way into the result area, so the shrinker
 * knows where a sequence failed and drops what follows.
 *
 * Runs: a group of up to 4 operations repeated at least 16 times, with
 * every block id moved by the same step each time, is bisected on its
 * number of repetitions (O(log n) trials, where ddmin over 131 000
 * operations would need thousands), and written as the group and one
 * repeat line.
 */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPS (1u << 19)
#define MAX_TAGS 64
#define TAG_LEN 48
#define NO_TAG 0       /* tag index 0: NULL */
#define RUN_MIN 16     /* repetitions that make a run worth bisecting */
#define RUN_PERIOD 4   /* the longest group of operations a run repeats */
#define MAX_FIXTURES 8 /* fixtures (heaps) one case may set up */

enum kind {
    RP_SETUP,
    RP_CREATE,
    RP_ALLOC,
    RP_FREE,
    RP_FREE_NULL,
    RP_FREE_AGAIN,
    RP_BADFREE_IN,
    RP_BADFREE_INITIAL,
    RP_BADFREE_ABS,
    RP_EXPAND,
    RP_CONTRACT,
    RP_VERIFY,
    RP_POKE_CHECK,
    RP_SNAPSHOT,
    RP_CHECK_LOOKS,
    RP_MM_LIMIT,
    RP_EXPECT_COUNTERS,
    RP_EXPECT_DRAINED
};

struct op {
    uint8_t kind;
    uint8_t tag;   /* ALLOC: tag index; SETUP: placement */
    uint8_t flag;  /* SETUP: checked_ops; EXPAND: 1 when it succeeded; ALLOC, FREE: raw; CONTRACT: all */
    uint8_t fx;    /* the fixture (heap) it applies to, in order of setup */
    uint32_t id;   /* ALLOC, FREE, FREE_AGAIN, BADFREE_IN, POKE_CHECK: allocation id */
    uint64_t a, b; /* ALLOC: size, align; SETUP: initial, max; CREATE: length; EXPAND, MM_LIMIT: bytes;
                      BADFREE_ABS: address */
    int64_t c;     /* SETUP: arena pages; BADFREE_*, POKE_CHECK: offset */
};

struct log {
    uint32_t n, overflow, ntags;
    uint32_t at; /* replaying: the operation under way, from 1 */
    char tags[MAX_TAGS][TAG_LEN];
    struct op ops[];
};

struct hb_replay {
    struct op *ops;
    size_t n;
    char (*tags)[TAG_LEN];
    size_t ntags;
    uint64_t seed;
};

size_t hb_replay_log_bytes(void)
{
    return sizeof(struct log) + (size_t)MAX_OPS * sizeof(struct op);
}

void hb_replay_log_clear(struct hb_sv *sv)
{
    size_t len;
    struct log *l = hb_sv_result_area(sv, &len);
    if (l && len >= sizeof *l)
        memset(l, 0, sizeof *l);
}

/* ---- recording (child) ---------------------------------------------------- */

struct slot {
    uintptr_t key; /* 0: empty */
    uint32_t id;
    uint32_t live;
};

static struct {
    struct log *log;
    const struct hb_heap_ops *real;
    struct hb_heap_ops proxy;
    struct fx *f;
    const char *tag_ptr[MAX_TAGS];
    struct slot *map;
    size_t map_cap, map_used;
    uint32_t next_id;
    unsigned nfix;                     /* fixtures set up so far */
    int pending;                       /* the fixture whose setup's create comes next, or -1 */
    const hb_heap *heap[MAX_FIXTURES]; /* each fixture's heap handle */
    const void *initial[MAX_FIXTURES]; /* and initial block */
    int mark;                          /* hb_replay_mark_next, for the next call */
} rec;

void hb_replay_mark_next(int flags)
{
    rec.mark = flags;
}

/* The mark for this call, cleared. */
static uint8_t take_mark(void)
{
    uint8_t m = (uint8_t)rec.mark;
    rec.mark = 0;
    return m;
}

/* The fixture a heap handle belongs to (0 if unknown). */
static uint8_t fixture_of(const hb_heap *h)
{
    for (unsigned i = 0; i < rec.nfix; i++)
        if (rec.heap[i] == h)
            return (uint8_t)i;
    return 0;
}

static struct op *append(enum kind k)
{
    struct log *l = rec.log;
    if (l->n >= MAX_OPS) {
        l->overflow = 1;
        return NULL;
    }
    struct op *o = &l->ops[l->n];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)k;
    return o;
}

static void commit(void)
{
    rec.log->n++;
}

static size_t slot_of(uintptr_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (rec.map_cap - 1);
}

static struct slot *map_find(uintptr_t key)
{
    if (!rec.map)
        return NULL;
    for (size_t i = slot_of(key);; i = (i + 1) & (rec.map_cap - 1)) {
        if (rec.map[i].key == key)
            return &rec.map[i];
        if (rec.map[i].key == 0)
            return NULL;
    }
}

static void map_put(uintptr_t key, uint32_t id)
{
    if (key == 0)
        return;
    struct slot *s = map_find(key);
    if (s) {
        s->id = id;
        s->live = 1;
        return;
    }
    if (2 * (rec.map_used + 1) > rec.map_cap) {
        size_t old_cap = rec.map_cap;
        struct slot *old = rec.map;
        rec.map_cap = old_cap ? 2 * old_cap : 1024;
        rec.map = calloc(rec.map_cap, sizeof *rec.map);
        if (!rec.map)
            hb_sv_fail("replay recorder: out of host memory");
        rec.map_used = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key) {
                struct slot *d = &rec.map[slot_of(old[i].key)];
                while (d->key)
                    d = d + 1 < rec.map + rec.map_cap ? d + 1 : rec.map;
                *d = old[i];
                rec.map_used++;
            }
        free(old);
    }
    size_t i = slot_of(key);
    while (rec.map[i].key)
        i = (i + 1) & (rec.map_cap - 1);
    rec.map[i] = (struct slot){key, id, 1};
    rec.map_used++;
}

static uint8_t intern_tag(const char *tag)
{
    if (!tag)
        return NO_TAG;
    for (uint32_t i = 1; i < rec.log->ntags; i++)
        if (rec.tag_ptr[i] == tag)
            return (uint8_t)i;
    if (rec.log->ntags < 1)
        rec.log->ntags = 1;
    if (rec.log->ntags >= MAX_TAGS)
        return MAX_TAGS - 1; /* shares the last tag's text */
    uint32_t i = rec.log->ntags++;
    rec.tag_ptr[i] = tag;
    size_t k = 0;
    for (; tag[k] && k + 1 < TAG_LEN; k++)
        rec.log->tags[i][k] = tag[k];
    rec.log->tags[i][k] = '\0';
    return (uint8_t)i;
}

/* The live shadow block that holds p, if any. */
static const struct shadow *shadow_holding(const struct fx *f, const void *p)
{
    size_t lo = 0, hi = f->nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((const void *)f->live[mid].ptr <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct shadow *s = &f->live[lo - 1];
    return (const unsigned char *)p < s->ptr + s->span ? s : NULL;
}

/* The create of fx_setup is part of its setup line; a later create over a
   fixture's initial block rebuilds that fixture's heap. */
static hb_heap *rec_create(void *block, size_t len, const struct hb_config *cfg)
{
    unsigned k = 0;
    if (rec.pending >= 0) {
        k = (unsigned)rec.pending;
        rec.pending = -1;
        rec.initial[k] = block;
    } else {
        while (k < rec.nfix && rec.initial[k] != block)
            k++;
        k = k < rec.nfix ? k : 0;
        struct op *o = append(RP_CREATE);
        if (o) {
            o->fx = (uint8_t)k;
            o->a = len;
            commit();
        }
    }
    hb_heap *h = rec.real->create(block, len, cfg);
    if (k < MAX_FIXTURES)
        rec.heap[k] = h;
    return h;
}

static void *rec_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    struct op *o = append(RP_ALLOC);
    uint32_t id = ++rec.next_id;
    uint8_t flags = take_mark();
    if (o) {
        o->flag = flags;
        o->fx = fixture_of(h);
        o->id = id;
        o->a = size;
        o->b = align;
        o->tag = intern_tag(tag);
        commit();
    }
    void *p = rec.real->alloc(h, size, align, tag);
    map_put((uintptr_t)p, id);
    return p;
}

static int rec_free(hb_heap *h, void *ptr)
{
    uint8_t k = fixture_of(h);
    uint8_t raw = take_mark();
    struct slot *s = ptr ? map_find((uintptr_t)ptr) : NULL;
    const struct shadow *in = ptr && !(s && s->live) ? shadow_holding(rec.f, ptr) : NULL;
    struct slot *owner = in ? map_find((uintptr_t)in->ptr) : NULL;
    struct op *o;
    if (!ptr)
        o = append(RP_FREE_NULL);
    else if (s && s->live) {
        o = append(RP_FREE);
        if (o) {
            o->id = s->id;
            o->flag = raw & HB_REPLAY_RAW;
        }
    } else if (owner && owner->live) {
        o = append(RP_BADFREE_IN);
        if (o) {
            o->id = owner->id;
            o->c = (int64_t)((const unsigned char *)ptr - in->ptr);
        }
    } else if (s) {
        o = append(RP_FREE_AGAIN);
        if (o)
            o->id = s->id;
    } else {
        intptr_t off = (intptr_t)((uintptr_t)ptr - (uintptr_t)rec.initial[k]);
        if (off > -(intptr_t)(1 << 30) && off < (intptr_t)(1 << 30)) {
            o = append(RP_BADFREE_INITIAL);
            if (o)
                o->c = off;
        } else {
            o = append(RP_BADFREE_ABS);
            if (o)
                o->a = (uint64_t)(uintptr_t)ptr;
        }
    }
    if (o) {
        o->fx = k;
        commit();
    }
    int rc = rec.real->free(h, ptr);
    if (rc == HB_OK && s && s->live && o && o->kind == RP_FREE)
        s->live = 0;
    return rc;
}

static int rec_expand(hb_heap *h, void *block, size_t len)
{
    struct op *o = append(RP_EXPAND);
    if (o) {
        o->fx = fixture_of(h);
        o->a = len;
        commit();
    }
    int rc = rec.real->expand(h, block, len);
    if (o && rc == HB_OK)
        o->flag = 1;
    return rc;
}

static size_t rec_contract(hb_heap *h)
{
    struct op *o = append(RP_CONTRACT);
    uint8_t all = take_mark();
    if (o) {
        o->flag = all & HB_REPLAY_ALL;
        o->fx = fixture_of(h);
        commit();
    }
    return rec.real->contract(h);
}

const struct hb_heap_ops *hb_replay_record_start(const struct hb_heap_ops *real, struct fx *f)
{
    size_t len;
    struct log *l = hb_sv_result(&len);
    if (!l || len < hb_replay_log_bytes())
        return real;
    memset(l, 0, sizeof *l);
    l->ntags = 1;
    rec.log = l;
    rec.real = real;
    rec.f = f;
    rec.next_id = 0;
    rec.nfix = 0;
    rec.pending = -1;
    rec.mark = 0;
    rec.proxy = *real;
    rec.proxy.create = rec_create;
    rec.proxy.alloc = rec_alloc;
    rec.proxy.free = rec_free;
    rec.proxy.expand = real->expand ? rec_expand : NULL;
    rec.proxy.contract = real->contract ? rec_contract : NULL;
    return &rec.proxy;
}

void hb_replay_note_setup(const struct fx_opts *o)
{
    if (!rec.log)
        return;
    if (rec.nfix == MAX_FIXTURES) {
        rec.log->overflow = 2; /* not replayable: more heaps than the replay keeps */
        return;
    }
    struct op *e = append(RP_SETUP);
    if (!e)
        return;
    e->fx = (uint8_t)rec.nfix;
    rec.pending = (int)rec.nfix++;
    e->a = o->initial_bytes;
    e->b = o->max_bytes;
    e->c = (int64_t)o->arena_pages;
    e->tag = (uint8_t)o->placement;
    e->flag = (uint8_t)(o->checked_ops != 0);
    commit();
}

void hb_replay_note_action(const struct fx *f, enum hb_replay_action a, const void *block, int64_t arg)
{
    static const enum kind kinds[] = {RP_VERIFY,   RP_POKE_CHECK,      RP_SNAPSHOT,      RP_CHECK_LOOKS,
                                      RP_MM_LIMIT, RP_EXPECT_COUNTERS, RP_EXPECT_DRAINED};
    if (!rec.log || (unsigned)a >= sizeof kinds / sizeof kinds[0])
        return;
    struct op *o = append(kinds[a]);
    if (!o)
        return;
    o->fx = fixture_of(f->h);
    if (a == HB_RA_POKE_CHECK) {
        struct slot *s = map_find((uintptr_t)block);
        if (!s || !s->live)
            return; /* no block the replay knows */
        o->id = s->id;
        o->c = arg;
    } else if (a == HB_RA_MM_LIMIT)
        o->a = (uint64_t)arg;
    commit();
}

/* ---- sequences -------------------------------------------------------------- */

static struct hb_replay *new_replay(size_t n, size_t ntags, uint64_t seed)
{
    struct hb_replay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ops = malloc((n ? n : 1) * sizeof *r->ops);
    r->tags = calloc(ntags ? ntags : 1, sizeof *r->tags);
    if (!r->ops || !r->tags) {
        hb_replay_free(r);
        return NULL;
    }
    r->ntags = ntags ? ntags : 1;
    r->seed = seed;
    return r;
}

void hb_replay_free(struct hb_replay *r)
{
    if (!r)
        return;
    free(r->ops);
    free(r->tags);
    free(r);
}

size_t hb_replay_length(const struct hb_replay *r)
{
    return r->n;
}

uint64_t hb_replay_seed(const struct hb_replay *r)
{
    return r->seed;
}

struct hb_replay *hb_replay_from_log(struct hb_sv *sv, uint64_t seed, char *why, size_t why_len)
{
    size_t len;
    const struct log *l = hb_sv_result_area(sv, &len);
    if (!l || len < hb_replay_log_bytes() || l->n == 0) {
        snprintf(why, why_len, "no heap call was recorded");
        return NULL;
    }
    if (l->overflow) {
        if (l->overflow == 2)
            snprintf(why, why_len, "the case set up more than %d heaps", MAX_FIXTURES);
        else
            snprintf(why, why_len, "the case made more than %u recorded heap calls", MAX_OPS);
        return NULL;
    }
    if (l->ops[0].kind != RP_SETUP || l->ntags > MAX_TAGS) {
        snprintf(why, why_len, "the recording does not start with the fixture's setup");
        return NULL;
    }
    struct hb_replay *r = new_replay(l->n, l->ntags, seed);
    if (!r) {
        snprintf(why, why_len, "out of host memory");
        return NULL;
    }
    memcpy(r->ops, l->ops, l->n * sizeof *r->ops);
    r->n = l->n;
    for (size_t i = 0; i < l->ntags; i++) {
        memcpy(r->tags[i], l->tags[i], TAG_LEN);
        r->tags[i][TAG_LEN - 1] = '\0';
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->ops[i].kind == RP_ALLOC && r->ops[i].tag >= r->ntags)
            r->ops[i].tag = NO_TAG;
    return r;
}

/* ---- replaying (child) ---------------------------------------------------------- */

struct play {
    const struct hb_heap_ops *ops;
    const struct hb_replay *r;
    const struct op *const *seq; /* the operations to replay, in order */
    size_t n;
};

/* Blocks by allocation id: where each one is, whether it is live (1) or was
   freed (2), and which fixture it belongs to. */
struct idmap {
    unsigned char **ptr;
    unsigned char *live;
    unsigned char *owner;
    size_t cap;
};

/* The fixture k set up again or rebuilt: its blocks are gone. */
static void forget_fixture(struct idmap *m, unsigned k)
{
    for (size_t id = 0; id < m->cap; id++)
        if (m->owner[id] == k) {
            m->ptr[id] = NULL;
            m->live[id] = 0;
        }
}

static int is_live_start(const struct fx *f, const void *p)
{
    const struct shadow *s = shadow_holding(f, p);
    return s && (const void *)s->ptr == p;
}

/* A bad free, unless it is undefined for this heap or the pointer became a
   live block in this shorter sequence. */
static void bad_free(struct fx *f, void *p, const char *what)
{
    if (fx_has(f, HB_CAP_DETECT_BAD_FREE) && !shadow_holding(f, p))
        fx_bad_free(f, p, what);
}

struct fixtures {
    struct fx f[MAX_FIXTURES];
    int up[MAX_FIXTURES];
    struct hb_stats fresh[MAX_FIXTURES]; /* each heap's stats right after its create */
};

/* Set up fixture k; creating a heap must leave the others as they were. */
static void play_setup(struct fixtures *x, const struct op *o)
{
    struct hb_stats before[MAX_FIXTURES];
    for (unsigned k = 0; k < MAX_FIXTURES; k++)
        if (x->up[k] && k != o->fx)
            fx_stats(&x->f[k], &before[k]);
    struct fx *f = &x->f[o->fx];
    if (x->up[o->fx])
        fx_teardown(f);
    struct fx_opts opts = {(size_t)o->a, (size_t)o->b, (size_t)o->c, (enum hb_mm_placement)o->tag, o->flag};
    fx_setup(f, &opts);
    x->up[o->fx] = 1;
    fx_stats(f, &x->fresh[o->fx]);
    for (unsigned k = 0; k < MAX_FIXTURES; k++)
        if (x->up[k] && k != o->fx)
            fx_expect_unchanged(&x->f[k], &before[k],
                                "creating a second heap (a heap that keeps state in static globals, not inside its "
                                "blocks)");
}

/* One operation on its fixture (set up, or skipped when its setup was not),
   through the fixture function the case used. */
static void play_one(struct fixtures *x, const struct hb_replay *r, const struct op *o, struct idmap *m)
{
    struct fx *f = &x->f[o->fx];
    unsigned char *p = o->id < m->cap ? m->ptr[o->id] : NULL;
    int live = o->id < m->cap && m->live[o->id] == 1;
    if (o->kind == RP_SETUP) {
        play_setup(x, o);
        forget_fixture(m, o->fx);
        return;
    }
    if (!x->up[o->fx])
        return;
    switch ((enum kind)o->kind) {
    case RP_SETUP:
        return;
    case RP_CREATE:
        if (o->a)
            fx_recreate_len(f, (size_t)o->a);
        else
            fx_recreate(f);
        fx_stats(f, &x->fresh[o->fx]);
        forget_fixture(m, o->fx);
        return;
    case RP_ALLOC: {
        const char *tag = o->tag ? r->tags[o->tag] : NULL;
        size_t size = (size_t)o->a, align = (size_t)o->b;
        unsigned char *q;
        if (o->flag & HB_REPLAY_RAW)
            q = fx_raw_alloc(f, size, align, tag, o->flag & HB_REPLAY_NOT_NULL);
        else if (o->flag & (HB_REPLAY_NOT_NULL | HB_REPLAY_NULL))
            q = fx_alloc_expect(f, size, align, tag, o->flag & HB_REPLAY_NOT_NULL, "as the case required");
        else
            q = fx_alloc(f, size, align, tag);
        if (q && o->id < m->cap) {
            m->ptr[o->id] = q;
            m->live[o->id] = 1;
            m->owner[o->id] = o->fx;
        }
        return;
    }
    case RP_FREE:
        if (live && m->owner[o->id] != o->fx)
            bad_free(f, p, "a live block of another heap of the same kind");
        else if (live) {
            if (o->flag)
                fx_raw_free(f, p);
            else
                fx_free(f, p);
            m->live[o->id] = 2;
        }
        return;
    case RP_FREE_NULL:
        fx_free_null(f);
        return;
    case RP_FREE_AGAIN:
        if (p && m->live[o->id] == 2)
            bad_free(f, p, "a double free");
        return;
    case RP_BADFREE_IN:
        if (live && !is_live_start(&x->f[m->owner[o->id]], p + o->c))
            bad_free(f, p + o->c, "a pointer inside a live block");
        return;
    case RP_BADFREE_INITIAL:
        bad_free(f, (unsigned char *)f->initial + o->c, "a pointer that is no live block");
        return;
    case RP_BADFREE_ABS:
        bad_free(f, (void *)(uintptr_t)o->a, "a pointer outside the heap");
        return;
    case RP_EXPAND:
        if (f->ops->expand && o->a % HB_PAGE_SIZE == 0)
            fx_expand(f, (size_t)o->a);
        return;
    case RP_CONTRACT:
        if (f->ops->contract)
            fx_contract(f, o->flag);
        return;
    case RP_VERIFY:
        fx_verify(f);
        return;
    case RP_POKE_CHECK:
        if (live && m->owner[o->id] == o->fx && fx_has(f, HB_CAP_CHECK))
            fx_expect_check_catches(f, p, (long)o->c,
                                    o->c < 0 ? "a write before the start of a block" : "a write past a block's start");
        return;
    case RP_SNAPSHOT:
        fx_snapshot(f);
        return;
    case RP_CHECK_LOOKS:
        if (fx_has(f, HB_CAP_CHECK))
            fx_check_looks(f, "the operations since the snapshot");
        return;
    case RP_MM_LIMIT:
        fx_mm_limit(f, (size_t)o->a);
        return;
    case RP_EXPECT_COUNTERS:
        fx_expect_counters(f);
        return;
    case RP_EXPECT_DRAINED:
        fx_expect_drained(f, &x->fresh[o->fx]);
        return;
    }
}

static void play_body(void *ctx)
{
    const struct play *pl = ctx;
    struct fixtures *x = calloc(1, sizeof *x);
    CHECK(x != NULL, "out of host memory");
    for (unsigned k = 0; k < MAX_FIXTURES; k++) {
        x->f[k].ops = pl->ops;
        x->f[k].seed = pl->r->seed + k;
    }
    uint32_t max_id = 0;
    for (size_t i = 0; i < pl->n; i++)
        if (pl->seq[i]->id > max_id)
            max_id = pl->seq[i]->id;
    struct idmap m = {calloc(max_id + 1, sizeof *m.ptr), calloc(max_id + 1, 1), calloc(max_id + 1, 1), max_id + 1};
    CHECK(m.ptr && m.live && m.owner, "out of host memory");
    size_t len;
    struct log *l = hb_sv_result(&len);
    if (len < sizeof *l)
        l = NULL;
    for (size_t i = 0; i < pl->n; i++) {
        if (l)
            l->at = (uint32_t)(i + 1);
        play_one(x, pl->r, pl->seq[i], &m);
    }
    for (unsigned k = 0; k < MAX_FIXTURES; k++)
        if (x->up[k])
            fx_teardown(&x->f[k]);
    free(x);
    free(m.ptr);
    free(m.live);
    free(m.owner);
}

static int play(struct hb_sv *sv, const struct hb_heap_ops *ops, const struct hb_replay *r, const struct op *const *seq,
                size_t n, double timeout, struct hb_sv_outcome *out)
{
    struct play pl = {ops, r, seq, n};
    struct hb_sv_opts o = {timeout, 1, 0};
    return hb_sv_run(sv, &o, play_body, &pl, out);
}

int hb_replay_run(struct hb_sv *sv, const struct hb_heap_ops *ops, const struct hb_replay *r, double timeout,
                  struct hb_sv_outcome *out)
{
    const struct op **seq = malloc((r->n ? r->n : 1) * sizeof(const struct op *));
    if (!seq) {
        memset(out, 0, sizeof *out);
        out->end = HB_SV_NOT_STARTED;
        snprintf(out->message, sizeof out->message, "out of host memory");
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        seq[i] = &r->ops[i];
    int rc = play(sv, ops, r, seq, r->n, timeout, out);
    free(seq);
    return rc;
}

/* ---- shrinking (parent) ------------------------------------------------------------ */

/* What makes two failures "the same": the check and its source line, the
   signal, the sanitizer's error (addresses left out), or the kind of end. */
void hb_replay_failure_kind(const struct hb_sv_outcome *o, char *buf, size_t len)
{
    switch (o->end) {
    case HB_SV_FAILED: {
        size_t n = strcspn(o->message, ")");
        snprintf(buf, len, "FAIL %.*s)", (int)(n < 100 ? n : 100), o->message);
        return;
    }
    case HB_SV_SIGNALED:
        snprintf(buf, len, "signal %d", o->signal);
        return;
    case HB_SV_STACK_OVERFLOW:
        snprintf(buf, len, "stack overflow");
        return;
    case HB_SV_EXITED:
        snprintf(buf, len, "exit %d", o->status);
        return;
    case HB_SV_TIMEOUT:
        snprintf(buf, len, "timeout");
        return;
    case HB_SV_SANITIZER: {
        const char *s = strstr(o->sanitizer_line, "Sanitizer: ");
        const char *u = strstr(o->sanitizer_line, "runtime error: ");
        if (s)
            snprintf(buf, len, "sanitizer %.*s", (int)strcspn(s + 11, " "), s + 11);
        else if (u)
            snprintf(buf, len, "sanitizer %.*s", (int)(u - o->sanitizer_line), o->sanitizer_line);
        else
            snprintf(buf, len, "sanitizer");
        return;
    }
    case HB_SV_DONE:
        snprintf(buf, len, "passes");
        return;
    case HB_SV_NOT_STARTED:
        snprintf(buf, len, "not started");
        return;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct trial_ctx {
    struct hb_sv *sv;
    const struct hb_heap_ops *ops;
    const struct hb_replay *r;
    struct hb_replay_shrink *s;
    double deadline;
    const struct op **buf;
};

/* Does the sequence made of the kept operations still fail the same way? */
static int still_fails(struct trial_ctx *t, const struct op *const *cand, size_t n)
{
    if (t->s->trials >= t->s->max_trials || now_s() >= t->deadline)
        return 0;
    /* Merge the setup lines back in, in recorded order (pointers into r->ops). */
    size_t k = 0, j = 0;
    for (size_t i = 0; i < t->r->n; i++) {
        const struct op *o = &t->r->ops[i];
        if (o->kind == RP_SETUP)
            t->buf[k++] = o;
        else if (j < n && cand[j] == o)
            t->buf[k++] = cand[j++];
    }
    double left = t->deadline - now_s();
    double limit = t->s->trial_timeout < left ? t->s->trial_timeout : left;
    /* A hang is only a hang when the trial had the whole time limit: a
       slow sequence cut short late in the budget would pass for one. */
    if (!strcmp(t->s->kind, "timeout") && limit < t->s->trial_timeout)
        return 0;
    struct hb_sv_outcome out;
    t->s->trials++;
    if (play(t->sv, t->ops, t->r, t->buf, k, limit > 0.05 ? limit : 0.05, &out) != 0)
        return 0;
    char kind[sizeof t->s->kind];
    hb_replay_failure_kind(&out, kind, sizeof kind);
    return strcmp(kind, t->s->kind) == 0;
}

/* ddmin: cur holds *n operations; shrink it while trials last. */
static void ddmin(struct trial_ctx *t, const struct op **cur, size_t *n)
{
    size_t parts = 2;
    const struct op **cand = malloc((*n ? *n : 1) * sizeof(const struct op *));
    if (!cand)
        return;
    while (*n >= 2) {
        size_t len = *n, chunk = (len + parts - 1) / parts;
        int reduced = 0;
        /* a subset alone */
        for (size_t start = 0; start < len && !reduced; start += chunk) {
            size_t m = start + chunk < len ? chunk : len - start;
            if (still_fails(t, cur + start, m)) {
                memmove(cur, cur + start, m * sizeof(const struct op *));
                *n = m;
                parts = 2;
                reduced = 1;
            }
        }
        /* everything but a subset */
        for (size_t start = 0; start < len && !reduced && parts > 2; start += chunk) {
            size_t m = start + chunk < len ? chunk : len - start, k = 0;
            for (size_t i = 0; i < len; i++)
                if (i < start || i >= start + m)
                    cand[k++] = cur[i];
            if (still_fails(t, cand, k)) {
                memcpy(cur, cand, k * sizeof(const struct op *));
                *n = k;
                parts = parts - 1 > 2 ? parts - 1 : 2;
                reduced = 1;
            }
        }
        if (reduced)
            continue;
        if (t->s->trials >= t->s->max_trials || now_s() >= t->deadline || parts >= len)
            break;
        parts = 2 * parts < len ? 2 * parts : len;
    }
    free(cand);
}

/* A run is a group of p operations repeated, each time with every
   allocation id moved by the same step: the file writes it once and a
   repeat line, the shrinker bisects its length.  Is y the operation x with
   its id moved by d? */
static int moved(const struct op *x, const struct op *y, int64_t d)
{
    struct op a = *x, b = *y;
    a.id = b.id = 0;
    if (memcmp(&a, &b, sizeof a) != 0 || (x->id == 0) != (y->id == 0))
        return 0;
    return x->id == 0 || (int64_t)y->id - (int64_t)x->id == d;
}

/* How many times (at least 1) the group seq[i .. i+p) occurs from i on;
 *step: how far the ids move from one repetition to the next. */
static size_t run_length(const struct op *const *seq, size_t n, size_t i, size_t p, int64_t *step)
{
    int64_t d = 0;
    for (size_t k = 0; k < p && i + p + k < n; k++)
        if (seq[i + k]->id) {
            d = (int64_t)seq[i + p + k]->id - (int64_t)seq[i + k]->id;
            break;
        }
    size_t reps = 1;
    while (i + (reps + 1) * p <= n) {
        for (size_t k = 0; k < p; k++)
            if (!moved(seq[i + k], seq[i + reps * p + k], d * (int64_t)reps))
                goto done;
        reps++;
    }
done:
    *step = d;
    return reps;
}

/* The longest run starting at i: its period (0: none worth it) and count. */
static size_t best_run(const struct op *const *seq, size_t n, size_t i, size_t min_reps, size_t *reps, int64_t *step)
{
    size_t best = 0, best_cover = 0;
    for (size_t p = 1; p <= RUN_PERIOD && i + p <= n; p++) {
        int64_t d;
        size_t r = run_length(seq, n, i, p, &d);
        if (r >= min_reps && r * p > best_cover) {
            best = p;
            best_cover = r * p;
            *reps = r;
            *step = d;
        }
    }
    return best;
}

/* A long run of repeated operations (65 536 allocations to wrap a counter)
   is too long for ddmin: bisect how many of its repetitions are needed. */
static void bisect_runs(struct trial_ctx *t, const struct op **cur, size_t *n)
{
    const struct op **cand = malloc((*n ? *n : 1) * sizeof(const struct op *));
    if (!cand)
        return;
    for (size_t i = 0; i < *n;) {
        size_t reps = 0;
        int64_t step = 0;
        size_t p = best_run(cur, *n, i, RUN_MIN, &reps, &step);
        if (!p) {
            i++;
            continue;
        }
        size_t lo = 0, hi = reps; /* hi repetitions fail; fewer than lo do not */
        int first = 1;            /* try none at all first: one trial drops a run not needed */
        while (lo < hi && t->s->trials < t->s->max_trials && now_s() < t->deadline) {
            size_t mid = first ? 0 : lo + (hi - lo) / 2;
            first = 0;
            size_t k = 0;
            for (size_t j = 0; j < *n; j++)
                if (j < i + mid * p || j >= i + reps * p)
                    cand[k++] = cur[j];
            if (still_fails(t, cand, k))
                hi = mid;
            else
                lo = mid + 1;
        }
        if (hi < reps) {
            memmove(cur + i + hi * p, cur + i + reps * p, (*n - (i + reps * p)) * sizeof(const struct op *));
            *n -= (reps - hi) * p;
        }
        i += hi * p > 0 ? hi * p : 1;
    }
    free(cand);
}

/* Operations on a block no kept alloc made are no-ops in a replay: drop
   them (no trial needed). */
static void drop_orphans(const struct op **cur, size_t *n)
{
    uint32_t max_id = 0;
    for (size_t i = 0; i < *n; i++)
        max_id = cur[i]->id > max_id ? cur[i]->id : max_id;
    unsigned char *made = calloc((size_t)max_id + 1, 1);
    if (!made)
        return;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const struct op *o = cur[i];
        if (o->kind == RP_ALLOC)
            made[o->id] = 1;
        if (o->kind == RP_ALLOC || o->id == 0 || made[o->id])
            cur[k++] = o;
    }
    *n = k;
    free(made);
}

/* The operation that failed is usually the last one, and often needs little
   before it: try the last 1, 2, 4, ... operations alone (cheap, short
   trials) before ddmin works on what remains. */
static void keep_failing_suffix(struct trial_ctx *t, const struct op **cur, size_t *n)
{
    for (size_t k = 1; k < *n / 2 + 1 && k < *n; k *= 2)
        if (still_fails(t, cur + (*n - k), k)) {
            memmove(cur, cur + (*n - k), k * sizeof(const struct op *));
            *n = k;
            return;
        }
}

void hb_replay_shrink(struct hb_sv *sv, const struct hb_heap_ops *ops, struct hb_replay *r, struct hb_replay_shrink *s)
{
    double t0 = now_s();
    s->original = s->final = r->n;
    s->trials = 0;
    s->reproduced = 0;
    s->kind[0] = '\0';
    struct hb_sv_outcome out;
    const struct op **all = malloc((r->n ? r->n : 1) * sizeof(const struct op *));
    for (size_t i = 0; all && i < r->n; i++)
        all[i] = &r->ops[i];
    int started = all && play(sv, ops, r, all, r->n, s->trial_timeout, &out) == 0;
    free(all);
    if (!started) {
        s->seconds = now_s() - t0;
        return;
    }
    s->trials = 1;
    hb_replay_failure_kind(&out, s->kind, sizeof s->kind);
    s->reproduced = out.end != HB_SV_DONE;
    if (!s->reproduced) {
        s->seconds = now_s() - t0;
        return;
    }
    /* The operations after the one that failed never ran (unless it was
       killed at the time limit: the sequence may only be slow there). */
    size_t len;
    const struct log *l = hb_sv_result_area(sv, &len);
    if (out.end != HB_SV_TIMEOUT && l && len >= sizeof *l && l->at >= 1 && l->at < r->n)
        r->n = l->at;
    const struct op **cur = malloc((r->n ? r->n : 1) * sizeof(const struct op *));
    const struct op **buf = malloc((r->n ? r->n : 1) * sizeof(const struct op *));
    size_t n = 0;
    if (cur && buf) {
        for (size_t i = 0; i < r->n; i++)
            if (r->ops[i].kind != RP_SETUP)
                cur[n++] = &r->ops[i];
        struct trial_ctx t = {sv, ops, r, s, t0 + s->budget, buf};
        bisect_runs(&t, cur, &n);
        keep_failing_suffix(&t, cur, &n);
        drop_orphans(cur, &n);
        ddmin(&t, cur, &n);
        drop_orphans(cur, &n);
        /* Rebuild r: setup lines and the kept operations, in order. */
        struct op *kept = malloc((r->n ? r->n : 1) * sizeof *kept);
        if (kept) {
            size_t k = 0, j = 0;
            for (size_t i = 0; i < r->n; i++) {
                const struct op *o = &r->ops[i];
                if (o->kind == RP_SETUP || (j < n && cur[j] == o)) {
                    if (o->kind != RP_SETUP)
                        j++;
                    kept[k++] = *o;
                }
            }
            free(r->ops);
            r->ops = kept;
            r->n = k;
        }
    }
    free(cur);
    free(buf);
    s->final = r->n;
    s->seconds = now_s() - t0;
}

/* ---- the text file --------------------------------------------------------------------- */

static void write_tag(FILE *fp, const char *tag)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)tag; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(fp, "\\%c", *c);
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(fp, "\\x%02x", *c);
        else
            fputc(*c, fp);
    }
    fputc('"', fp);
}

static void write_op(FILE *fp, const struct hb_replay *r, const struct op *o)
{
    switch ((enum kind)o->kind) {
    case RP_SETUP:
        fprintf(fp, "setup initial %" PRIu64 " max %" PRIu64 " arena %" PRId64 " placement %s checked %d", o->a, o->b,
                o->c, o->tag == HB_MM_SCATTERED ? "scattered" : "contiguous", o->flag);
        return;
    case RP_CREATE:
        if (o->a)
            fprintf(fp, "create %" PRIu64, o->a);
        else
            fprintf(fp, "create");
        return;
    case RP_ALLOC:
        fprintf(fp, "%salloc #%" PRIu32 " %" PRIu64 " %" PRIu64 " ", o->flag & HB_REPLAY_RAW ? "raw-" : "", o->id, o->a,
                o->b);
        if (o->tag == NO_TAG)
            fputc('-', fp);
        else
            write_tag(fp, r->tags[o->tag]);
        if (o->flag & (HB_REPLAY_NOT_NULL | HB_REPLAY_NULL))
            fprintf(fp, " %s", o->flag & HB_REPLAY_NOT_NULL ? "ok" : "null");
        return;
    case RP_FREE:
        fprintf(fp, "%sfree #%" PRIu32, o->flag ? "raw-" : "", o->id);
        return;
    case RP_FREE_NULL:
        fprintf(fp, "free-null");
        return;
    case RP_FREE_AGAIN:
        fprintf(fp, "free-again #%" PRIu32, o->id);
        return;
    case RP_BADFREE_IN:
        fprintf(fp, "bad-free #%" PRIu32 " %+" PRId64, o->id, o->c);
        return;
    case RP_BADFREE_INITIAL:
        fprintf(fp, "bad-free initial %+" PRId64, o->c);
        return;
    case RP_BADFREE_ABS:
        fprintf(fp, "bad-free abs %#" PRIx64, o->a);
        return;
    case RP_EXPAND:
        fprintf(fp, "expand %" PRIu64 " %s", o->a, o->flag ? "ok" : "failed");
        return;
    case RP_CONTRACT:
        fprintf(fp, "contract%s", o->flag ? " all" : "");
        return;
    case RP_VERIFY:
        fprintf(fp, "verify");
        return;
    case RP_POKE_CHECK:
        fprintf(fp, "poke-check #%" PRIu32 " %+" PRId64, o->id, o->c);
        return;
    case RP_SNAPSHOT:
        fprintf(fp, "snapshot");
        return;
    case RP_CHECK_LOOKS:
        fprintf(fp, "check-looks");
        return;
    case RP_MM_LIMIT:
        fprintf(fp, "mm-limit %" PRIu64, o->a);
        return;
    case RP_EXPECT_COUNTERS:
        fprintf(fp, "expect-counters");
        return;
    case RP_EXPECT_DRAINED:
        fprintf(fp, "expect-drained");
        return;
    }
}

int hb_replay_write(const struct hb_replay *r, const char *path, const char *header, char *why, size_t why_len)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        snprintf(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    for (const char *h = header; h && *h;) {
        size_t n = strcspn(h, "\n");
        fprintf(fp, "# %.*s\n", (int)n, h);
        h += n + (h[n] == '\n');
    }
    fprintf(fp, "seed %" PRIu64 "\n", r->seed);
    const struct op **seq = malloc((r->n ? r->n : 1) * sizeof(const struct op *));
    for (size_t i = 0; seq && i < r->n; i++)
        seq[i] = &r->ops[i];
    for (size_t i = 0; i < r->n;) {
        size_t reps = 1, p = 1;
        int64_t step = 0;
        if (seq)
            p = best_run(seq, r->n, i, 4, &reps, &step);
        p = p ? p : 1;
        for (size_t k = i; k < i + p; k++) {
            write_op(fp, r, &r->ops[k]);
            if (r->ops[k].fx)
                fprintf(fp, " @%u", r->ops[k].fx); /* the fixture, when not the first */
            fputc('\n', fp);
        }
        if (reps > 1)
            fprintf(fp, "repeat %zu %zu %+" PRId64 "\n", p, reps - 1, step);
        i += p * reps;
    }
    free(seq);
    int bad = ferror(fp) || !seq;
    if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(why, why_len, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------------ */

struct parser {
    const char *path;
    size_t line;
    char *why;
    size_t why_len;
    struct hb_replay *r;
    size_t cap;
};

static int perr(struct parser *p, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    snprintf(p->why, p->why_len, "%s:%zu: %s", p->path, p->line, msg);
    return -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!s || (*s != '+' && *s != '-'))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || *end || end == s + 1)
        return -1;
    *out = v;
    return 0;
}

static int parse_id(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!s || s[0] != '#' || parse_u64(s + 1, &v) || v == 0 || v >= (uint64_t)MAX_OPS * 2)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A quoted tag: its unescaped text interned into r's tag table. */
static int parse_tag(struct parser *p, const char *s, uint8_t *idx)
{
    if (!strcmp(s, "-")) {
        *idx = NO_TAG;
        return 0;
    }
    size_t n = strlen(s);
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return perr(p, "a tag is \"text\" or -, not %s", s);
    char text[TAG_LEN];
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (s[i + 1] == 'x' && i + 3 < n) {
                char hex[3] = {s[i + 2], s[i + 3], 0};
                c = (char)strtol(hex, NULL, 16);
                i += 3;
            } else if (i + 2 < n) {
                c = s[++i];
            } else
                return perr(p, "bad escape in tag %s", s);
        }
        if (k + 1 < TAG_LEN)
            text[k++] = c;
    }
    text[k] = '\0';
    for (size_t i = 1; i < p->r->ntags; i++)
        if (!strcmp(p->r->tags[i], text)) {
            *idx = (uint8_t)i;
            return 0;
        }
    if (p->r->ntags >= MAX_TAGS)
        return perr(p, "more than %s distinct tags", "63");
    memcpy(p->r->tags[p->r->ntags], text, k + 1);
    *idx = (uint8_t)p->r->ntags++;
    return 0;
}

static int parse_line(struct parser *p, char **w, size_t nw, struct op *o)
{
    memset(o, 0, sizeof *o);
    const char *k = w[0];
    uint64_t u;
    if (!strcmp(k, "setup")) {
        const char *names[] = {"initial", "max", "arena", "placement", "checked"};
        if (nw != 11)
            return perr(p, "%s", "setup wants: initial N max N arena N placement contiguous|scattered checked 0|1");
        for (size_t i = 0; i < 5; i++)
            if (strcmp(w[1 + 2 * i], names[i]) != 0)
                return perr(p, "setup: expected '%s'", names[i]);
        uint64_t arena, checked;
        if (parse_u64(w[2], &o->a) || parse_u64(w[4], &o->b) || parse_u64(w[6], &arena) || parse_u64(w[10], &checked) ||
            checked > 1)
            return perr(p, "%s", "setup: a number is malformed");
        if (!strcmp(w[8], "contiguous"))
            o->tag = HB_MM_CONTIGUOUS;
        else if (!strcmp(w[8], "scattered"))
            o->tag = HB_MM_SCATTERED;
        else
            return perr(p, "setup: placement '%s' is neither contiguous nor scattered", w[8]);
        o->kind = RP_SETUP;
        o->c = (int64_t)arena;
        o->flag = (uint8_t)checked;
        return 0;
    }
    if (!strcmp(k, "alloc") || !strcmp(k, "raw-alloc")) {
        int raw = k[0] == 'r';
        const char *want = nw == 6 ? w[5] : NULL;
        if ((nw != 5 && nw != 6) || parse_id(w[1], &o->id) || parse_u64(w[2], &o->a) || parse_u64(w[3], &o->b) ||
            (want && strcmp(want, "ok") != 0 && (raw || strcmp(want, "null") != 0)))
            return perr(p, "%s",
                        raw ? "raw-alloc wants: raw-alloc #ID SIZE ALIGN \"tag\"|- [ok]"
                            : "alloc wants: alloc #ID SIZE ALIGN \"tag\"|- [ok|null]");
        o->kind = RP_ALLOC;
        o->flag = (uint8_t)((raw ? HB_REPLAY_RAW : 0) |
                            (want ? !strcmp(want, "ok") ? HB_REPLAY_NOT_NULL : HB_REPLAY_NULL : 0));
        return parse_tag(p, w[4], &o->tag);
    }
    if (!strcmp(k, "free") || !strcmp(k, "raw-free") || !strcmp(k, "free-again")) {
        if (nw != 2 || parse_id(w[1], &o->id))
            return perr(p, "%s wants: #ID", k);
        o->kind = !strcmp(k, "free-again") ? RP_FREE_AGAIN : RP_FREE;
        o->flag = k[0] == 'r';
        return 0;
    }
    if (!strcmp(k, "poke-check")) {
        if (nw != 3 || parse_id(w[1], &o->id) || parse_i64(w[2], &o->c))
            return perr(p, "%s", "poke-check wants: #ID +|-OFFSET");
        o->kind = RP_POKE_CHECK;
        return 0;
    }
    if (!strcmp(k, "mm-limit")) {
        if (nw != 2 || parse_u64(w[1], &o->a))
            return perr(p, "%s", "mm-limit wants: BYTES");
        o->kind = RP_MM_LIMIT;
        return 0;
    }
    if (!strcmp(k, "contract")) {
        if (nw > 2 || (nw == 2 && strcmp(w[1], "all") != 0))
            return perr(p, "%s", "contract wants nothing, or all");
        o->kind = RP_CONTRACT;
        o->flag = nw == 2;
        return 0;
    }
    if (nw == 2 && !strcmp(k, "create")) {
        if (parse_u64(w[1], &o->a) || !o->a)
            return perr(p, "create wants: create [BYTES] (a positive length), not '%s'", w[1]);
        o->kind = RP_CREATE;
        return 0;
    }
    static const struct {
        const char *word;
        enum kind kind;
    } bare[] = {{"free-null", RP_FREE_NULL},
                {"create", RP_CREATE},
                {"verify", RP_VERIFY},
                {"snapshot", RP_SNAPSHOT},
                {"check-looks", RP_CHECK_LOOKS},
                {"expect-counters", RP_EXPECT_COUNTERS},
                {"expect-drained", RP_EXPECT_DRAINED}};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        if (!strcmp(k, bare[i].word)) {
            if (nw != 1)
                return perr(p, "%s takes no arguments", k);
            o->kind = (uint8_t)bare[i].kind;
            return 0;
        }
    if (!strcmp(k, "bad-free")) {
        if (nw == 3 && !strcmp(w[1], "initial") && !parse_i64(w[2], &o->c))
            o->kind = RP_BADFREE_INITIAL;
        else if (nw == 3 && !strcmp(w[1], "abs") && !parse_u64(w[2], &o->a))
            o->kind = RP_BADFREE_ABS;
        else if (nw == 3 && !parse_id(w[1], &o->id) && !parse_i64(w[2], &o->c))
            o->kind = RP_BADFREE_IN;
        else
            return perr(p, "%s", "bad-free wants: #ID +OFFSET, initial +|-OFFSET or abs ADDRESS");
        return 0;
    }
    if (!strcmp(k, "expand")) {
        if (nw != 3 || parse_u64(w[1], &o->a) || (strcmp(w[2], "ok") != 0 && strcmp(w[2], "failed") != 0))
            return perr(p, "%s", "expand wants: expand BYTES ok|failed");
        o->kind = RP_EXPAND;
        o->flag = !strcmp(w[2], "ok");
        return 0;
    }
    if (nw == 2 && !strcmp(k, "seed")) {
        if (parse_u64(w[1], &u))
            return perr(p, "seed '%s' is not a number", w[1]);
        p->r->seed = u;
        return 1; /* not an operation */
    } else
        return perr(p, "unknown operation '%s'", k);
    (void)u;
    return 0;
}

/* "repeat K N +D": the K operations above, N more times, every block id in
   them moved by D more each time. */
static int repeat(struct parser *p, char **w, size_t nw)
{
    uint64_t k, times;
    int64_t step;
    if (nw != 4 || parse_u64(w[1], &k) || parse_u64(w[2], &times) || parse_i64(w[3], &step) || k == 0)
        return perr(p, "%s", "repeat wants: LINES TIMES +|-STEP");
    size_t n = p->r->n;
    if (k > n || (n > 0 && k >= n && p->r->ops[0].kind == RP_SETUP))
        return perr(p, "repeat: there are not %s operations above (after the first setup)", w[1]);
    if (times > MAX_OPS || n + k * times > MAX_OPS)
        return perr(p, "repeat: more than %s operations in all", "524288");
    if (n + k * times > p->cap) {
        struct op *grown = realloc(p->r->ops, (n + k * times) * sizeof *grown);
        if (!grown)
            return perr(p, "%s", "out of host memory");
        p->r->ops = grown;
        p->cap = n + k * times;
    }
    struct op *ops = p->r->ops;
    for (uint64_t t = 1; t <= times; t++)
        for (size_t i = 0; i < k; i++) {
            struct op o = ops[n - k + i];
            if (o.id) {
                int64_t id = (int64_t)o.id + step * (int64_t)t;
                if (id <= 0 || id >= (int64_t)MAX_OPS * 2)
                    return perr(p, "repeat: a block id leaves 1..%s", "1048575");
                o.id = (uint32_t)id;
            }
            ops[p->r->n++] = o;
        }
    return 0;
}

struct hb_replay *hb_replay_load(const char *path, char *why, size_t why_len)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct parser p = {path, 0, why, why_len, new_replay(64, MAX_TAGS, 1), 64};
    if (!p.r) {
        fclose(fp);
        snprintf(why, why_len, "out of host memory");
        return NULL;
    }
    p.r->ntags = 1;
    char line[1024];
    int bad = 0;
    while (!bad && fgets(line, sizeof line, fp)) {
        p.line++;
        if (!strchr(line, '\n') && !feof(fp)) {
            bad = perr(&p, "%s", "line too long");
            break;
        }
        char *hash = line[0] == '#' ? line : NULL;
        if (hash)
            continue;
        char *w[12];
        size_t nw = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nw < 12; t = strtok(NULL, " \t\r\n"))
            w[nw++] = t;
        if (nw == 0)
            continue;
        unsigned fixture = 0;
        if (nw > 1 && w[nw - 1][0] == '@') {
            uint64_t k;
            if (parse_u64(w[nw - 1] + 1, &k) || k >= MAX_FIXTURES) {
                bad = perr(&p, "'%s' names no fixture (@0 to @7)", w[nw - 1]);
                break;
            }
            fixture = (unsigned)k;
            nw--;
        }
        if (!strcmp(w[0], "repeat")) {
            if (repeat(&p, w, nw) != 0)
                bad = 1;
            continue;
        }
        if (p.r->n == p.cap) {
            struct op *grown = realloc(p.r->ops, 2 * p.cap * sizeof *grown);
            if (!grown) {
                bad = perr(&p, "%s", "out of host memory");
                break;
            }
            p.r->ops = grown;
            p.cap *= 2;
        }
        int rc = parse_line(&p, w, nw, &p.r->ops[p.r->n]);
        if (rc < 0)
            bad = 1;
        else if (rc == 0) {
            p.r->ops[p.r->n].fx = (uint8_t)fixture;
            if (p.r->n == 0 && p.r->ops[0].kind != RP_SETUP)
                bad = perr(&p, "%s", "the first operation must be a setup line");
            p.r->n++;
        }
    }
    fclose(fp);
    if (!bad && p.r->n == 0) {
        snprintf(why, why_len, "%s: no operations", path);
        bad = 1;
    }
    if (bad) {
        hb_replay_free(p.r);
        return NULL;
    }
    return p.r;
}
