/*
 * trace.c - the trace reader: plain text, one operation a line.
 *
 *   # a comment; blank lines are ignored
 *   alloc ID SIZE [ALIGN] [TAG]
 *   free ID
 *
 * ID is an unsigned decimal or 0x-hex number naming an allocation while it
 * is live (it may be reused after its free); SIZE and ALIGN are decimal
 * digits only (no sign, no 0x, no octal: "010" is ten); ALIGN, when present,
 * is 0 or a power of two; TAG is one word that does not start with a digit.
 * The full format is in workloads/README.md.
 *
 * Lines are read byte by byte into a fixed buffer: a line longer than it, a
 * NUL or another control byte (a binary or compressed file, /dev/zero) is an
 * error at that line, never a hang or a silent cut.  Every error is
 * reported as "file:line: what is wrong" and leaves the sequence to be
 * freed by the caller; nothing is kept.
 *
 * Costs: ids live in an open-addressing hash (linear probing, backward-shift
 * removal, load <= 1/2); tags are interned through a second hash, so each
 * distinct tag is stored once and a line costs O(1) expected whatever the
 * number of ids and tags: loading is linear in the file.  Allocations still
 * live at the end are freed by the sequence builder (hb_opseq_finish).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "workload.h"

struct idmap {
    uint64_t *key;
    uint32_t *slot;
    size_t *line; /* where it was allocated; 0 = empty entry */
    size_t cap, used;
};

static size_t hash_id(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)(k & (cap - 1));
}

static int idmap_grow(struct idmap *m)
{
    struct idmap n = {0};
    n.cap = m->cap ? m->cap * 2 : 4096;
    n.key = malloc(n.cap * sizeof *n.key);
    n.slot = malloc(n.cap * sizeof *n.slot);
    n.line = calloc(n.cap, sizeof *n.line);
    if (!n.key || !n.slot || !n.line) {
        free(n.key);
        free(n.slot);
        free(n.line);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->line[i]) {
            size_t j = hash_id(m->key[i], n.cap);
            while (n.line[j])
                j = (j + 1) & (n.cap - 1);
            n.key[j] = m->key[i];
            n.slot[j] = m->slot[i];
            n.line[j] = m->line[i];
            n.used++;
        }
    free(m->key);
    free(m->slot);
    free(m->line);
    *m = n;
    return 0;
}

/* The entry for k, or the empty entry where it would go. */
static size_t idmap_find(const struct idmap *m, uint64_t k)
{
    size_t j = hash_id(k, m->cap);
    while (m->line[j] && m->key[j] != k)
        j = (j + 1) & (m->cap - 1);
    return j;
}

/* Removes entry j keeping linear-probing chains intact (backward shift). */
static void idmap_remove(struct idmap *m, size_t j)
{
    size_t mask = m->cap - 1;
    m->line[j] = 0;
    m->used--;
    for (size_t i = (j + 1) & mask; m->line[i]; i = (i + 1) & mask) {
        size_t home = hash_id(m->key[i], m->cap);
        /* Move i into the hole j if its home is not in (j, i]. */
        if (((i - home) & mask) >= ((i - j) & mask)) {
            m->key[j] = m->key[i];
            m->slot[j] = m->slot[i];
            m->line[j] = m->line[i];
            m->line[i] = 0;
            j = i;
        }
    }
}

/* Strict unsigned numbers: decimal digits only, or (hex_ok) "0x" and hex
   digits; no sign, no spaces, no overflow.  0, or -1. */
static int parse_number(const char *s, int hex_ok, uint64_t *out)
{
    unsigned base = 10;
    if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* The tag set: indices into s->strings (plus one; 0 = empty), hashed by
   the tag's text. */
struct tagset {
    size_t *idx;
    size_t cap;
};

static size_t hash_str(const char *t)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    while (*t)
        h = (h ^ (unsigned char)*t++) * 1099511628211ull;
    return (size_t)(h ^ (h >> 32));
}

static int tagset_grow(struct tagset *ts, const struct hb_opseq *s)
{
    size_t cap = ts->cap ? 2 * ts->cap : 64;
    size_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < ts->cap; i++)
        if (ts->idx[i]) {
            size_t j = hash_str(s->strings[ts->idx[i] - 1]) & (cap - 1);
            while (idx[j])
                j = (j + 1) & (cap - 1);
            idx[j] = ts->idx[i];
        }
    free(ts->idx);
    ts->idx = idx;
    ts->cap = cap;
    return 0;
}

/* The sequence's one copy of tag, added if new; NULL when out of memory. */
static const char *intern(struct tagset *ts, struct hb_opseq *s, const char *tag)
{
    if (2 * (s->nstrings + 1) > ts->cap && tagset_grow(ts, s) != 0)
        return NULL;
    size_t j = hash_str(tag) & (ts->cap - 1);
    for (; ts->idx[j]; j = (j + 1) & (ts->cap - 1))
        if (strcmp(s->strings[ts->idx[j] - 1], tag) == 0)
            return s->strings[ts->idx[j] - 1];
    if (s->nstrings == s->strings_cap) {
        size_t cap = s->strings_cap ? s->strings_cap * 2 : 16;
        char **p = realloc(s->strings, cap * sizeof *p);
        if (!p)
            return NULL;
        s->strings = p;
        s->strings_cap = cap;
    }
    char *c = strdup(tag);
    if (!c)
        return NULL;
    s->strings[s->nstrings++] = c;
    ts->idx[j] = s->nstrings;
    return c;
}

#define MAX_LINE 1024 /* bytes a line may hold, newline excluded */
#define MAX_FIELDS 6

/* One reading of one file. */
struct reader {
    const char *path;
    FILE *f;
    size_t lineno;
    char line[MAX_LINE + 1];
    char *field[MAX_FIELDS];
    size_t nf;
    struct idmap ids;
    struct tagset tags;
    uint32_t *spare; /* slots freed, for reuse (most recent last) */
    size_t nspare, spare_cap, next_slot;
    char *err;
    size_t errlen;
};

#define FAIL(r, ...) (fail_at(r, __VA_ARGS__), -1)

__attribute__((format(printf, 2, 3))) static void fail_at(struct reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(r->err, r->errlen, "%s:%zu: ", r->path, r->lineno);
    if (n >= 0 && (size_t)n < r->errlen)
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Reads the next line into r->line.  1 = a line, 0 = end of file, -1 =
   error (too long, a NUL or control byte, a read error). */
static int read_line(struct reader *r)
{
    size_t len = 0;
    int c;
    r->lineno++;
    while ((c = getc_unlocked(r->f)) != EOF && c != '\n') {
        if (c == 0)
            return FAIL(r, "NUL byte at column %zu (a trace is plain text; is it still compressed?)", len + 1);
        if (c < 0x20 && c != '\t' && c != '\r')
            return FAIL(r, "control byte 0x%02x at column %zu (a trace is plain text; is it still compressed?)",
                        (unsigned)c, len + 1);
        if (len == MAX_LINE)
            return FAIL(r, "line longer than %d bytes", MAX_LINE);
        r->line[len++] = (char)c;
    }
    if (ferror(r->f))
        return FAIL(r, "read error: %s", strerror(errno));
    r->line[len] = 0;
    return c == EOF && len == 0 ? 0 : 1;
}

/* Splits r->line into r->field[] at spaces and tabs.  -1 past MAX_FIELDS. */
static int split_fields(struct reader *r)
{
    r->nf = 0;
    for (char *save = NULL, *t = strtok_r(r->line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
        if (r->nf == MAX_FIELDS)
            return FAIL(r, "too many fields (alloc ID SIZE [ALIGN] [TAG], or free ID)");
        r->field[r->nf++] = t;
    }
    return 0;
}

static int take_slot(struct reader *r, uint32_t *slot)
{
    if (r->nspare)
        *slot = r->spare[--r->nspare];
    else if (r->next_slot < UINT32_MAX)
        *slot = (uint32_t)r->next_slot++;
    else
        return FAIL(r, "too many live allocations");
    return 0;
}

static int give_slot(struct reader *r, uint32_t slot)
{
    if (r->nspare == r->spare_cap) {
        size_t cap = r->spare_cap ? r->spare_cap * 2 : 1024;
        uint32_t *p = realloc(r->spare, cap * sizeof *p);
        if (!p)
            return FAIL(r, "out of memory");
        r->spare = p;
        r->spare_cap = cap;
    }
    r->spare[r->nspare++] = slot;
    return 0;
}

/* alloc ID SIZE [ALIGN] [TAG] */
static int read_alloc(struct reader *r, struct hb_opseq *s)
{
    char **f = r->field;
    uint64_t id, size, align = 0;
    const char *tag = NULL;
    if (r->nf < 3)
        return FAIL(r, "alloc needs an id and a size (alloc ID SIZE [ALIGN] [TAG])");
    if (parse_number(f[1], 1, &id) != 0)
        return FAIL(r, "bad id '%s' (an unsigned decimal or 0x-hex number)", f[1]);
    if (parse_number(f[2], 0, &size) != 0 || size > HB_TRACE_MAX_SIZE)
        return FAIL(r, "bad size '%s' (decimal digits, at most %llu)", f[2], (unsigned long long)HB_TRACE_MAX_SIZE);
    size_t next = 3;
    if (r->nf > next && f[next][0] >= '0' && f[next][0] <= '9') {
        if (parse_number(f[next], 0, &align) != 0 || (align & (align - 1)) || align > HB_TRACE_MAX_SIZE)
            return FAIL(r, "bad alignment '%s' (decimal digits: 0 or a power of two, at most %llu)", f[next],
                        (unsigned long long)HB_TRACE_MAX_SIZE);
        next++;
    }
    if (r->nf > next)
        tag = f[next++];
    if (r->nf > next)
        return FAIL(r, "unexpected '%s' after the tag (alloc ID SIZE [ALIGN] [TAG])", f[next]);
    size_t j = idmap_find(&r->ids, id);
    if (r->ids.line[j])
        return FAIL(r, "alloc of id %s, which is already live (allocated on line %zu)", f[1], r->ids.line[j]);
    uint32_t slot;
    if (take_slot(r, &slot) != 0)
        return -1;
    r->ids.key[j] = id;
    r->ids.slot[j] = slot;
    r->ids.line[j] = r->lineno;
    r->ids.used++;
    if ((tag && !(tag = intern(&r->tags, s, tag))) || hb_opseq_alloc(s, slot, (size_t)size, (size_t)align, tag) != 0 ||
        (r->ids.used * 2 > r->ids.cap && idmap_grow(&r->ids) != 0))
        return FAIL(r, "out of memory");
    return 0;
}

/* free ID */
static int read_free(struct reader *r, struct hb_opseq *s)
{
    uint64_t id;
    if (r->nf != 2)
        return FAIL(r, "free takes exactly one id (free ID)");
    if (parse_number(r->field[1], 1, &id) != 0)
        return FAIL(r, "bad id '%s' (an unsigned decimal or 0x-hex number)", r->field[1]);
    size_t j = idmap_find(&r->ids, id);
    if (!r->ids.line[j])
        return FAIL(r, "free of id %s, which is not live", r->field[1]);
    uint32_t slot = r->ids.slot[j];
    idmap_remove(&r->ids, j);
    if (give_slot(r, slot) != 0)
        return -1;
    if (hb_opseq_free_op(s, slot) != 0)
        return FAIL(r, "out of memory");
    return 0;
}

static int read_ops(struct reader *r, struct hb_opseq *s)
{
    int got;
    while ((got = read_line(r)) > 0) {
        if (r->line[strspn(r->line, " \t\r")] == '#') /* a comment */
            continue;
        if (split_fields(r) != 0)
            return -1;
        if (r->nf == 0)
            continue;
        int rc;
        if (strcmp(r->field[0], "alloc") == 0)
            rc = read_alloc(r, s);
        else if (strcmp(r->field[0], "free") == 0)
            rc = read_free(r, s);
        else
            rc = FAIL(r, "unknown operation '%s' (expected alloc or free)", r->field[0]);
        if (rc != 0)
            return -1;
    }
    if (got < 0)
        return -1;
    if (s->n == 0) {
        snprintf(r->err, r->errlen, "%s: the trace has no operations", r->path);
        return -1;
    }
    return 0;
}

int hb_trace_read(const char *path, struct hb_opseq *s, char *err, size_t errlen)
{
    static struct reader zero;
    struct reader *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    *r = zero;
    r->path = path;
    r->err = err;
    r->errlen = errlen;
    int rc = -1;
    struct stat st;
    if (!(r->f = fopen(path, "r")))
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    else if (fstat(fileno(r->f), &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(err, errlen, "%s: is a folder, not a trace file", path);
    else if (idmap_grow(&r->ids) != 0)
        snprintf(err, errlen, "%s: out of memory", path);
    else
        rc = read_ops(r, s);
    if (r->f)
        fclose(r->f);
    free(r->ids.key);
    free(r->ids.slot);
    free(r->ids.line);
    free(r->tags.idx);
    free(r->spare);
    free(r);
    return rc;
}
