/*
 * workload.c - the generated workloads and the workload table.
 * See workload.h for the model and workloads/README.md for each workload.
 */
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "rng.h"

/* ---- sequences ---------------------------------------------------------- */

void hb_opseq_init(struct hb_opseq *s)
{
    memset(s, 0, sizeof *s);
}

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
    s->nallocs = s->nfrees_own = s->nfrees_drain = s->peak_live_bytes = s->peak_live_count = 0;
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
            s->nfrees_own++;
        }
    }
    s->drain_start = n;
    for (size_t slot = 0; slot < s->nslots; slot++)
        if (live[slot]) {
            if (hb_opseq_free_op(s, (uint32_t)slot) != 0) {
                free(live);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            s->nfrees_drain++;
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
    size_t n = w->params.count;
    uint32_t *order = malloc(n * sizeof *order);
    if (!order)
        return OOM(err, errlen);
    for (size_t i = 0; i < n; i++) {
        order[i] = (uint32_t)i;
        if (hb_opseq_alloc(s, (uint32_t)i, w->params.size, 0, "fill") != 0)
            goto oom;
    }
    if (w->params.order == HB_FREE_REVERSE)
        for (size_t i = 0; i < n; i++)
            order[i] = (uint32_t)(n - 1 - i);
    else if (w->params.order == HB_FREE_RANDOM)
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
    size_t n = w->params.count, rounds = w->params.steps, batch = n / 4;
    size_t cap = n + rounds * batch + 1;
    struct liveset ls;
    int no_set = liveset_init(&ls, cap) != 0;
    uint32_t *list = malloc(cap * sizeof *list); /* slots in list order */
    if (no_set || !list) {
        free(list);
        liveset_done(&ls);
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
    size_t bound = w->params.live, steps = w->params.steps;
    int mixed = w->family == HB_FAMILY_ALIGN;
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
        } else if (hb_rng_below(&rng, 8) == 0) {         /* a page-aligned DMA-style buffer */
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
static int build_adv_split(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    for (size_t i = 0; i < w->params.steps && rc == 0; i++) {
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
static int build_adv_merge(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    for (uint32_t k = 0; k < w->params.live && rc == 0; k++)
        rc = hb_opseq_alloc(s, 4 + k, hb_rng_range(&rng, 8, 512), 0, "adv-merge-keep");
    for (size_t i = 0; i < w->params.steps && rc == 0; i++) {
        for (uint32_t k = 0; k < 4 && rc == 0; k++)
            rc = hb_opseq_alloc(s, k, hb_rng_range(&rng, 8, 1024), 0, "adv-merge");
        static const uint32_t order[] = {0, 2, 1, 3};
        for (int k = 0; k < 4 && rc == 0; k++)
            rc = hb_opseq_free_op(s, order[k]);
    }
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* adv-scan: params.count pairs of 16-byte blocks allocated, the first of
   every pair freed (holes of one small block each, which cannot merge), then
   params.steps requests of 256 bytes that no hole can hold: first fit walks the
   whole free list, a bitmap scans the whole map past the holes. */
static int build_adv_scan(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    (void)seed;
    size_t n = w->params.count;
    int rc = 0;
    for (size_t i = 0; i < 2 * n && rc == 0; i++)
        rc = hb_opseq_alloc(s, (uint32_t)i, 16, 0, "adv-scan-small");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = hb_opseq_free_op(s, (uint32_t)(2 * i));
    for (size_t i = 0; i < w->params.steps && rc == 0; i++)
        rc = hb_opseq_alloc(s, (uint32_t)(2 * n + i), 256, 0, "adv-scan-big");
    return rc == 0 ? 0 : OOM(err, errlen);
}

/* adv-slab: for each size class 8..2048 in turn, enough objects for several
   pages allocated and then all freed: every page's first object takes the
   new-slab path, and the frees that empty slabs take the slab-release path
   (beyond the one empty slab a cache keeps). */
static int build_adv_slab(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    (void)seed;
    int rc = 0;
    for (size_t round = 0; round < w->params.steps && rc == 0; round++)
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
   params.steps times.  Neither a new slab nor a release is ever needed after
   the first page; this is the workload slab's "cached alloc and free"
   path-length target is judged on. */
static int build_hot(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    int rc = 0;
    uint32_t live = (uint32_t)w->params.live;
    for (uint32_t k = 0; k < live && rc == 0; k++)
        rc = hb_opseq_alloc(s, k, w->params.size, 0, "hot");
    for (size_t i = 0; i < w->params.steps && rc == 0; i++) {
        uint32_t k = hb_rng_below(&rng, live);
        rc = hb_opseq_free_op(s, k);
        if (rc == 0)
            rc = hb_opseq_alloc(s, k, w->params.size, 0, "hot");
    }
    return rc == 0 ? 0 : OOM(err, errlen);
}

static int build_trace(const struct hb_workload *w, uint64_t seed, struct hb_opseq *s, char *err, size_t errlen)
{
    (void)seed; /* a trace is what it is */
    return hb_trace_read(w->params.path, s, err, errlen);
}

/* ---- the table ------------------------------------------------------------ */

/* The generated workloads, one row each.  A row's name is spelled from the
   same literals as its parameters, so the two cannot disagree. */
// clang-format off
#define FILL(S, N, ORDER, WORD)                                                                  \
    {"fill-" #S "-" WORD, HB_FAMILY_FILL, build_fill, {.size = (S), .count = (N), .order = (ORDER)}, \
     #N " allocs of " #S " bytes, then freed in " WORD " order"}
#define FILL3(S, N)                                                                              \
    FILL(S, N, HB_FREE_SAME, "same"), FILL(S, N, HB_FREE_REVERSE, "reverse"),                    \
    FILL(S, N, HB_FREE_RANDOM, "random")
#define GROWTH(L)                                                                                \
    {"growth-" #L, HB_FAMILY_GROWTH, build_churn, {.live = (L), .steps = 20000},                   \
     "churn as 'churn' at a live set of " #L ", 20000 steps"}

static const struct hb_workload generated[] = {
    FILL3(16, 10000),
    FILL3(64, 10000),
    FILL3(256, 5000),
    FILL3(4096, 1000),
    {"list", HB_FAMILY_LIST, build_list, {.count = 4000, .steps = 4},
     "linked list of 4000 16-byte nodes: unlink/link 1000 in the middle x4, tear down from the head"},
    {"churn", HB_FAMILY_CHURN, build_churn, {.live = 1000, .steps = 40000},
     "random churn, inverse-square sizes 8..32768, live set <= 1000, 40000 steps"},
    {"align-mixed", HB_FAMILY_ALIGN, build_churn, {.live = 500, .steps = 20000},
     "1 in 8 allocs page-aligned 512..8192 among 8..256-byte objects (some 32/64-aligned), live set <= 500"},
    GROWTH(10),
    GROWTH(100),
    GROWTH(1000),
    GROWTH(10000),
    {"adv-split", HB_FAMILY_ADVERSARIAL, build_adv_split, {.steps = 2000},
     "alloc and free one 8..32-byte block 2000 times from an empty heap: carve from one huge block, "
     "full split/merge cascade"},
    {"adv-merge", HB_FAMILY_ADVERSARIAL, build_adv_merge, {.live = 64, .steps = 2000},
     "alloc a b c d, free a, c, then b between two free neighbours, then d; 2000 times over 64 live blocks"},
    {"adv-scan", HB_FAMILY_ADVERSARIAL, build_adv_scan, {.count = 2000, .steps = 200},
     "2000 one-block holes of 16 bytes, then 200 allocs of 256 bytes none fits: whole free-list and map scans"},
    {"adv-slab", HB_FAMILY_ADVERSARIAL, build_adv_slab, {.steps = 4},
     "per size class 8..2048: 4 pages of objects allocated then all freed, 4 rounds: new-slab and "
     "slab-release paths"},
    {"hot-64", HB_FAMILY_ADVERSARIAL, build_hot, {.size = 64, .live = 64, .steps = 4000},
     "64 live 64-byte blocks; free a random one and alloc 64 bytes, 4000 times: the cached path (slab target)"},
};
// clang-format on

#define NGENERATED (sizeof generated / sizeof generated[0])

/* The table: pointers to rows, so a row stays where it is while the table
   grows.  Generated rows are the static ones above; trace rows are
   allocated, with their name, summary and path strings. */
static const struct hb_workload **table;
static size_t ntable, table_cap;

const char *hb_family_name(enum hb_family f)
{
    static const char *const names[] = {"fill", "list", "churn", "align", "growth", "adversarial", "trace"};
    return (size_t)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

static int append_row(const struct hb_workload *row)
{
    if (ntable == table_cap) {
        size_t cap = table_cap ? 2 * table_cap : 64;
        const struct hb_workload **t = realloc(table, cap * sizeof *t); /* NOLINT(bugprone-sizeof-expression) */
        if (!t)
            return -1;
        table = t;
        table_cap = cap;
    }
    table[ntable++] = row;
    return 0;
}

static void free_trace_row(struct hb_workload *w)
{
    if (w) {
        free((char *)w->name);
        free((char *)w->summary);
        free((char *)w->params.path);
        free(w);
    }
}

void hb_workloads_done(void)
{
    for (size_t i = 0; i < ntable; i++)
        if (table[i]->family == HB_FAMILY_TRACE)
            free_trace_row((struct hb_workload *)table[i]);
    free(table);
    table = NULL;
    ntable = table_cap = 0;
}

/* A trace's workload name: "trace-" and the file name without a final
   ".trace"; characters other than letters, digits and ". _ + -" become '_'
   (names go into CSV files and comma-separated --workload lists).  A name
   already taken gets the first free suffix "-2", "-3", ... */
static char *trace_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 6 && strcmp(base + len - 6, ".trace") == 0)
        len -= 6;
    size_t cap = len + 32;
    char *name = malloc(cap);
    if (!name)
        return NULL;
    memcpy(name, "trace-", 6);
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-';
        name[6 + i] = c;
        if (!plain)
            name[6 + i] = '_';
    }
    name[6 + len] = 0;
    for (unsigned k = 2; hb_find_workload(name); k++)
        snprintf(name + 6 + len, cap - 6 - len, "-%u", k);
    return name;
}

const struct hb_workload *hb_workloads_add_trace(const char *path, char *err, size_t errlen)
{
    static const char what[] = "replay of the recorded trace ";
    struct hb_workload *w = calloc(1, sizeof *w);
    char *summary = malloc(sizeof what + strlen(path));
    if (w && summary) {
        memcpy(summary, what, sizeof what - 1);
        memcpy(summary + sizeof what - 1, path, strlen(path) + 1);
        w->summary = summary;
        summary = NULL;
        w->family = HB_FAMILY_TRACE;
        w->build = build_trace;
        w->name = trace_name(path);
        w->params.path = strdup(path);
        if (w->name && w->params.path && append_row(w) == 0)
            return w;
    }
    free(summary);
    free_trace_row(w);
    snprintf(err, errlen, "%s: out of memory adding the trace", path);
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME.trace files of dir, sorted: *names (free each and the array). */
static int list_traces(const char *dir, char ***names, size_t *n, char *err, size_t errlen)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot read the trace folder: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 6 || strcmp(e->d_name + len - 6, ".trace") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **p = realloc(*names, cap * sizeof *p);
            if (!p)
                break;
            *names = p;
        }
        if (!((*names)[*n] = strdup(e->d_name)))
            break;
        ++*n;
        errno = 0;
    }
    int bad = errno;
    closedir(d);
    if (bad) {
        for (size_t i = 0; i < *n; i++)
            free((*names)[i]);
        free(*names);
        snprintf(err, errlen, "%s: cannot read the trace folder: %s", dir, strerror(bad));
        return -1;
    }
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_names);
    return 0;
}

int hb_workloads_init(const char *trace_dir, char *err, size_t errlen)
{
    hb_workloads_done();
    for (size_t i = 0; i < NGENERATED; i++)
        if (append_row(&generated[i]) != 0) {
            snprintf(err, errlen, "out of memory building the workload table");
            return -1;
        }
    char **names = NULL;
    size_t n = 0;
    if (trace_dir && list_traces(trace_dir, &names, &n, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(trace_dir) + strlen(names[i]) + 2;
        char *path = rc == 0 ? malloc(len) : NULL;
        if (path) {
            snprintf(path, len, "%s/%s", trace_dir, names[i]);
            if (!hb_workloads_add_trace(path, err, errlen))
                rc = -1;
        } else if (rc == 0) {
            snprintf(err, errlen, "out of memory building the workload table");
            rc = -1;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

size_t hb_workload_count(void)
{
    return ntable;
}
const struct hb_workload *hb_workload_at(size_t i)
{
    return i < ntable ? table[i] : NULL;
}

const struct hb_workload *hb_find_workload(const char *name)
{
    for (size_t i = 0; i < ntable; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

void hb_print_workload_names(FILE *f)
{
    for (size_t i = 0; i < ntable; i++)
        fprintf(f, "%s%s", i ? ", " : "", table[i]->name);
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
