/*
 * workload.c - the generated workloads and the workload table.
 * See workload.h for the model and workloads/README.md for each workload.
 */
#include "workload.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "rng.h"

/* ---- sequences ---------------------------------------------------------- */

void hb_opseq_init(struct hb_opseq *s) { memset(s, 0, sizeof *s); }

void hb_opseq_free(struct hb_opseq *s)
{
    free(s->ops);
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s->strings);
    memset(s, 0, sizeof *s);
}

static int push(struct hb_opseq *s, const struct hb_op *op)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        struct hb_op *p = realloc(s->ops, cap * sizeof *p);
        if (!p)
            return -1;
        s->ops = p;
        s->cap = cap;
    }
    s->ops[s->n++] = *op;
    if (op->slot >= s->nslots)
        s->nslots = (size_t)op->slot + 1;
    return 0;
}

int hb_opseq_alloc(struct hb_opseq *s, uint32_t slot, size_t size, size_t align, const char *tag)
{
    struct hb_op op = {HB_OP_ALLOC, slot, size, align, tag};
    return push(s, &op);
}

int hb_opseq_free_op(struct hb_opseq *s, uint32_t slot)
{
    struct hb_op op = {HB_OP_FREE, slot, 0, 0, NULL};
    return push(s, &op);
}

int hb_opseq_finish(struct hb_opseq *s, char *err, size_t errlen)
{
    size_t *live = calloc(s->nslots ? s->nslots : 1, sizeof *live); /* size+1 when live */
    if (!live) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t bytes = 0, count = 0, n = s->n;
    s->nallocs = s->nfrees = s->peak_live_bytes = s->peak_live_count = 0;
    s->total_bytes = s->max_size = s->max_align = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hb_op *op = &s->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            if (live[op->slot]) {
                snprintf(err, errlen, "op %zu: alloc into slot %u, which is live", i, (unsigned)op->slot);
                free(live);
                return -1;
            }
            live[op->slot] = op->size + 1;
            bytes += op->size;
            count++;
            s->nallocs++;
            s->total_bytes += op->size;
            if (op->size > s->max_size)
                s->max_size = op->size;
            if (op->align > s->max_align)
                s->max_align = op->align;
            if (bytes > s->peak_live_bytes)
                s->peak_live_bytes = bytes;
            if (count > s->peak_live_count)
                s->peak_live_count = count;
        } else {
            if (!live[op->slot]) {
                snprintf(err, errlen, "op %zu: free of slot %u, which is not live", i, (unsigned)op->slot);
                free(live);
                return -1;
            }
            bytes -= live[op->slot] - 1;
            live[op->slot] = 0;
            count--;
            s->nfrees++;
        }
    }
    for (size_t slot = 0; slot < s->nslots; slot++)
        if (live[slot]) {
            if (hb_opseq_free_op(s, (uint32_t)slot) != 0) {
                free(live);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            s->nfrees++;
        }
    free(live);
    return 0;
}

/* ---- generators ---------------------------------------------------------- */

size_t hb_inverse_square_size(uint32_t r, size_t lo, size_t hi)
{
    /* P(size) ~ 1/size^2 on [lo, hi]; the inverse CDF is
       size = lo*hi / (hi - u*(hi-lo)) with u = r / 2^32. */
    uint64_t num = ((uint64_t)lo * hi) << 32;
    uint64_t den = ((uint64_t)hi << 32) - (uint64_t)r * (hi - lo);
    uint64_t s = num / den;
    return s < lo ? lo : s > hi ? hi : (size_t)s;
}

/* A set of live slots, for picking one at random in O(1). */
struct liveset {
    uint32_t *live;  /* the live slots, unordered */
    uint32_t *pos;   /* pos[slot]: index in live[] */
    uint32_t *spare; /* freed slots for reuse */
    size_t nlive, nspare, next;
};

static int liveset_init(struct liveset *ls, size_t max)
{
    memset(ls, 0, sizeof *ls);
    ls->live = calloc(max + 1, sizeof *ls->live);
    ls->pos = calloc(max + 1, sizeof *ls->pos);
    ls->spare = calloc(max + 1, sizeof *ls->spare);
    return ls->live && ls->pos && ls->spare ? 0 : -1;
}

static void liveset_done(struct liveset *ls)
{
    free(ls->live);
    free(ls->pos);
    free(ls->spare);
}

static uint32_t liveset_add(struct liveset *ls)
{
    uint32_t slot = ls->nspare ? ls->spare[--ls->nspare] : (uint32_t)ls->next++;
    ls->pos[slot] = (uint32_t)ls->nlive;
    ls->live[ls->nlive++] = slot;
    return slot;
}

static uint32_t liveset_take(struct liveset *ls, size_t i)
{
    uint32_t slot = ls->live[i];
    uint32_t last = ls->live[--ls->nlive];
    ls->live[i] = last;
    ls->pos[last] = (uint32_t)i;
    ls->spare[ls->nspare++] = slot;
    return slot;
}

#define OOM(err, errlen) (snprintf(err, errlen, "out of memory"), -1)

/* N blocks of one size, then freed in the same, reverse or random order. */
static int build_fill(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    size_t n = w->count;
    uint32_t *order = malloc(n * sizeof *order);
    if (!order)
        return OOM(err, errlen);
    for (size_t i = 0; i < n; i++) {
        order[i] = (uint32_t)i;
        if (hb_opseq_alloc(s, (uint32_t)i, w->size, 0, "fill") != 0)
            goto oom;
    }
    if (w->order == 1)
        for (size_t i = 0; i < n; i++)
            order[i] = (uint32_t)(n - 1 - i);
    else if (w->order == 2)
        for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
            size_t j = hb_rng_below(&rng, (uint32_t)i);
            uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
    for (size_t i = 0; i < n; i++)
        if (hb_opseq_free_op(s, order[i]) != 0)
            goto oom;
    free(order);
    return 0;
oom:
    free(order);
    return OOM(err, errlen);
}

/* The article's "typical usage": a list of 16-byte nodes is built, items
   are unlinked from the middle and new ones linked in, then it is torn
   down from the head. */
static int build_list(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    size_t n = w->count, rounds = 4, batch = n / 4;
    size_t cap = n + rounds * batch + 1;
    struct liveset ls;
    uint32_t *list = malloc(cap * sizeof *list); /* slots in list order */
    if (!list || liveset_init(&ls, cap) != 0) {
        free(list);
        return OOM(err, errlen);
    }
    size_t len = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) { /* append at the tail */
        list[len++] = liveset_add(&ls);
        rc = hb_opseq_alloc(s, list[len - 1], 16, 0, "list-node");
    }
    for (size_t r = 0; r < rounds && rc == 0; r++) {
        for (size_t k = 0; k < batch && len > 2 && rc == 0; k++) { /* unlink from the middle */
            size_t at = 1 + hb_rng_below(&rng, (uint32_t)(len - 2));
            uint32_t slot = list[at];
            memmove(list + at, list + at + 1, (len - at - 1) * sizeof *list);
            len--;
            liveset_take(&ls, ls.pos[slot]);
            rc = hb_opseq_free_op(s, slot);
        }
        for (size_t k = 0; k < batch && rc == 0; k++) { /* link in after a random node */
            size_t at = 1 + hb_rng_below(&rng, (uint32_t)len);
            memmove(list + at + 1, list + at, (len - at) * sizeof *list);
            list[at] = liveset_add(&ls);
            len++;
            rc = hb_opseq_alloc(s, list[at], 16, 0, "list-node");
        }
    }
    for (size_t i = 0; i < len && rc == 0; i++) /* tear down from the head */
        rc = hb_opseq_free_op(s, list[i]);
    free(list);
    liveset_done(&ls);
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* Random churn: fill to the live-set bound, then steps that allocate (while
   under the bound) or free a random live block with equal chance.  Sizes
   are inverse-square over 8..32768.  family "align" mixes page-aligned
   buffers among small objects instead. */
static int build_churn(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    size_t bound = w->size, steps = w->count;
    int mixed = strcmp(w->family, "align") == 0;
    struct liveset ls;
    if (liveset_init(&ls, bound + 1) != 0) {
        liveset_done(&ls);
        return OOM(err, errlen);
    }
    int rc = 0;
    for (size_t i = 0; i < bound + steps && rc == 0; i++) {
        int do_alloc = i < bound || ls.nlive == 0 || (ls.nlive < bound && (hb_rng_next(&rng) & 1));
        if (!do_alloc) {
            uint32_t slot = liveset_take(&ls, hb_rng_below(&rng, (uint32_t)ls.nlive));
            rc = hb_opseq_free_op(s, slot);
            continue;
        }
        size_t size, align = 0;
        const char *tag;
        if (!mixed) {
            size = hb_inverse_square_size(hb_rng_next(&rng), 8, 32768);
            tag = "churn";
        } else if (hb_rng_below(&rng, 8) == 0) { /* a page-aligned DMA-style buffer */
            size = (size_t)512 << hb_rng_below(&rng, 5); /* 512 .. 8192 */
            align = 4096;
            tag = "dma-buffer";
        } else { /* small objects, some cache-line aligned */
            size = hb_rng_range(&rng, 8, 256);
            uint32_t a = hb_rng_below(&rng, 4);
            align = a == 0 ? 64 : a == 1 ? 32 : 0;
            tag = "object";
        }
        rc = hb_opseq_alloc(s, liveset_add(&ls), size, align, tag);
    }
    liveset_done(&ls);
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* ---- adversarial workloads: each drives one heap family's worst path ---- */

/* adv-split: from an empty heap, one small block allocated and freed again,
   over and over (sizes 8..32): the request is carved from the one huge free
   block (TLSF's split of the largest block; buddy's full split cascade from
   its largest order down to the minimum block, then the full merge cascade
   back up on free). */
static int build_adv_split(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err,
                           size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    for (size_t i = 0; i < w->count && rc == 0; i++) {
        rc = hb_opseq_alloc(s, 0, hb_rng_range(&rng, 8, 32), 0, "adv-split");
        if (rc == 0)
            rc = hb_opseq_free_op(s, 0);
    }
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* adv-merge: four neighbours a b c d (sizes 8..1024) allocated, then a and c
   freed, then b, which has a free block on both sides (TLSF's and first
   fit's double coalesce, buddy's merge), then d.  Repeated with 64 blocks
   kept live underneath so the pattern is not always at the pool's start. */
static int build_adv_merge(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err,
                           size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    for (uint32_t k = 0; k < 64 && rc == 0; k++)
        rc = hb_opseq_alloc(s, 4 + k, hb_rng_range(&rng, 8, 512), 0, "adv-merge-keep");
    for (size_t i = 0; i < w->count && rc == 0; i++) {
        for (uint32_t k = 0; k < 4 && rc == 0; k++)
            rc = hb_opseq_alloc(s, k, hb_rng_range(&rng, 8, 1024), 0, "adv-merge");
        static const uint32_t order[] = {0, 2, 1, 3};
        for (int k = 0; k < 4 && rc == 0; k++)
            rc = hb_opseq_free_op(s, order[k]);
    }
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* adv-scan: w->size pairs of 16-byte blocks allocated, the first of every
   pair freed (holes of one small block each, which cannot merge), then
   w->count requests of 256 bytes that no hole can hold: first fit walks the
   whole free list, a bitmap scans the whole map past the holes. */
static int build_adv_scan(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err,
                          size_t errlen)
{
    (void)seed;
    size_t n = w->size;
    int rc = 0;
    for (size_t i = 0; i < 2 * n && rc == 0; i++)
        rc = hb_opseq_alloc(s, (uint32_t)i, 16, 0, "adv-scan-small");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = hb_opseq_free_op(s, (uint32_t)(2 * i));
    for (size_t i = 0; i < w->count && rc == 0; i++)
        rc = hb_opseq_alloc(s, (uint32_t)(2 * n + i), 256, 0, "adv-scan-big");
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* adv-slab: for each size class 8..2048 in turn, enough objects for several
   pages allocated and then all freed: every page's first object takes the
   new-slab path, and the frees that empty slabs take the slab-release path
   (beyond the one empty slab a cache keeps). */
static int build_adv_slab(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err,
                          size_t errlen)
{
    (void)seed;
    int rc = 0;
    for (size_t round = 0; round < w->count && rc == 0; round++)
        for (size_t size = 8; size <= 2048 && rc == 0; size *= 2) {
            size_t n = 4 * (HB_PAGE_SIZE / size) + 1;
            for (size_t i = 0; i < n && rc == 0; i++)
                rc = hb_opseq_alloc(s, (uint32_t)i, size, 0, "adv-slab");
            for (size_t i = 0; i < n && rc == 0; i++)
                rc = hb_opseq_free_op(s, (uint32_t)i);
        }
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* hot-64: the cached path of an object cache: 64 blocks of 64 bytes stay
   live, then a random one is freed and a 64-byte block allocated again,
   w->count times.  Neither a new slab nor a release is ever needed after
   the first page; this is the workload slab's "cached alloc and free"
   path-length target is judged on. */
static int build_hot(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    for (uint32_t k = 0; k < 64 && rc == 0; k++)
        rc = hb_opseq_alloc(s, k, w->size, 0, "hot");
    for (size_t i = 0; i < w->count && rc == 0; i++) {
        uint32_t k = hb_rng_below(&rng, 64);
        rc = hb_opseq_free_op(s, k);
        if (rc == 0)
            rc = hb_opseq_alloc(s, k, w->size, 0, "hot");
    }
    return rc == 0 ? 0 : OOM(err, errlen);
}

static int build_trace(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    (void)seed; /* a trace is what it is */
    return hb_trace_read(w->path, s, err, errlen);
}

/* ---- the table ------------------------------------------------------------ */

#define HB_MAX_WORKLOADS 64
static struct hb_workload table[HB_MAX_WORKLOADS];
static size_t ntable;

static struct hb_workload *add(const char *name, const char *family, hb_workload_build_fn build)
{
    if (ntable == HB_MAX_WORKLOADS)
        return NULL;
    struct hb_workload *w = &table[ntable++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->family, sizeof w->family, "%s", family);
    w->build = build;
    return w;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

const struct hb_workload *hb_workloads_add_trace(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[64];
    size_t len = strcspn(base, ".");
    snprintf(name, sizeof name, "trace-%.*s", (int)(len > 50 ? 50 : len), base);
    struct hb_workload *w = add(name, "trace", build_trace);
    if (!w)
        return NULL;
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->summary, sizeof w->summary, "replay of the recorded trace %s", base);
    return w;
}

size_t hb_workloads_init(const char *trace_dir)
{
    static const size_t sizes[] = {16, 64, 256, 4096};
    static const size_t counts[] = {10000, 10000, 5000, 1000};
    static const char *const orders[] = {"same", "reverse", "random"};
    ntable = 0;
    struct hb_workload *w;
    for (size_t i = 0; i < 4; i++)
        for (int o = 0; o < 3; o++) {
            char name[64];
            snprintf(name, sizeof name, "fill-%zu-%s", sizes[i], orders[o]);
            w = add(name, "fill", build_fill);
            w->size = sizes[i];
            w->count = counts[i];
            w->order = o;
            snprintf(w->summary, sizeof w->summary, "%zu allocs of %zu bytes, then freed in %s order", counts[i],
                     sizes[i], o == 2 ? "random" : orders[o]);
        }
    w = add("list", "list", build_list);
    w->count = 4000;
    snprintf(w->summary, sizeof w->summary,
             "linked list of 4000 16-byte nodes: unlink/link 1000 in the middle x4, tear down from the head");
    w = add("churn", "churn", build_churn);
    w->size = 1000;
    w->count = 40000;
    snprintf(w->summary, sizeof w->summary, "random churn, inverse-square sizes 8..32768, live set <= 1000, "
                                            "40000 steps");
    w = add("align-mixed", "align", build_churn);
    w->size = 500;
    w->count = 20000;
    snprintf(w->summary, sizeof w->summary, "1 in 8 allocs page-aligned 512..8192 among 8..256-byte objects "
                                            "(some 32/64-aligned), live set <= 500");
    static const size_t growth[] = {10, 100, 1000, 10000};
    for (size_t i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "growth-%zu", growth[i]);
        w = add(name, "growth", build_churn);
        w->size = growth[i];
        w->count = 20000;
        snprintf(w->summary, sizeof w->summary, "churn as 'churn' at a live set of %zu, 20000 steps", growth[i]);
    }
    w = add("adv-split", "adversarial", build_adv_split);
    w->count = 2000;
    snprintf(w->summary, sizeof w->summary, "alloc and free one 8..32-byte block 2000 times from an empty heap: "
                                            "carve from one huge block, full split/merge cascade");
    w = add("adv-merge", "adversarial", build_adv_merge);
    w->count = 2000;
    snprintf(w->summary, sizeof w->summary, "alloc a b c d, free a, c, then b between two free neighbours, then d; "
                                            "2000 times over 64 live blocks");
    w = add("adv-scan", "adversarial", build_adv_scan);
    w->size = 2000;
    w->count = 200;
    snprintf(w->summary, sizeof w->summary, "2000 one-block holes of 16 bytes, then 200 allocs of 256 bytes none "
                                            "fits: whole free-list and map scans");
    w = add("adv-slab", "adversarial", build_adv_slab);
    w->count = 4;
    snprintf(w->summary, sizeof w->summary, "per size class 8..2048: 4 pages of objects allocated then all freed, "
                                            "4 rounds: new-slab and slab-release paths");
    w = add("hot-64", "adversarial", build_hot);
    w->size = 64;
    w->count = 4000;
    snprintf(w->summary, sizeof w->summary, "64 live 64-byte blocks; free a random one and alloc 64 bytes, 4000 "
                                            "times: the cached path (slab target)");
    DIR *d = trace_dir ? opendir(trace_dir) : NULL;
    if (d) {
        char *names[HB_MAX_WORKLOADS];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < HB_MAX_WORKLOADS) {
            size_t len = strlen(e->d_name);
            if (len > 6 && strcmp(e->d_name + len - 6, ".trace") == 0)
                names[n++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_names);
        for (size_t i = 0; i < n; i++) {
            if (names[i]) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s", trace_dir, names[i]);
                hb_workloads_add_trace(path);
            }
            free(names[i]);
        }
    }
    return ntable;
}

size_t hb_workload_count(void) { return ntable; }
const struct hb_workload *hb_workload_at(size_t i) { return i < ntable ? &table[i] : NULL; }

const struct hb_workload *hb_find_workload(const char *name)
{
    for (size_t i = 0; i < ntable; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

void hb_print_workload_names(FILE *f)
{
    for (size_t i = 0; i < ntable; i++)
        fprintf(f, "%s%s", i ? ", " : "", table[i].name);
}

uint64_t hb_workload_seed(const struct hb_workload *w, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the name */
    for (const char *p = w->name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return seed ^ h;
}

int hb_workload_build(const struct hb_workload *w, uint64_t seed, struct hb_opseq *out, char *err, size_t errlen)
{
    hb_opseq_init(out);
    if (w->build(w, hb_workload_seed(w, seed), out, err, errlen) != 0 || hb_opseq_finish(out, err, errlen) != 0) {
        hb_opseq_free(out);
        return -1;
    }
    return 0;
}
