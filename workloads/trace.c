/*
 * trace.c - the trace reader: plain text, one operation a line.
 *
 *   # a comment; blank lines are ignored
 *   alloc ID SIZE [ALIGN] [TAG]
 *   free ID
 *
 * ID is any unsigned decimal or 0x-hex number naming an allocation while it
 * is live (it may be reused after its free); SIZE and ALIGN are decimal;
 * ALIGN, when present, is a power of two (0 or 1 mean none); TAG is one word.
 * Every error is reported as "file:line: what is wrong".  Allocations still
 * live at the end are freed by the sequence builder (hb_opseq_finish).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static const char *intern(struct hb_opseq *s, const char *tag)
{
    for (size_t i = 0; i < s->nstrings; i++)
        if (strcmp(s->strings[i], tag) == 0)
            return s->strings[i];
    if (s->nstrings == s->strings_cap) {
        size_t cap = s->strings_cap ? s->strings_cap * 2 : 16;
        char **p = realloc(s->strings, cap * sizeof *p);
        if (!p)
            return NULL;
        s->strings = p;
        s->strings_cap = cap;
    }
    char *c = strdup(tag);
    if (c)
        s->strings[s->nstrings++] = c;
    return c;
}

#define MAX_TRACE_SIZE ((uint64_t)1 << 30) /* 1 GiB: larger is not a heap workload */

int hb_trace_read(const char *path, struct hb_opseq *s, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct idmap m = {0};
    uint32_t *spare = NULL;
    size_t nspare = 0, spare_cap = 0, next_slot = 0, lineno = 0;
    char line[1024];
    int rc = -1;
    if (idmap_grow(&m) != 0)
        goto oom;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%zu: line longer than %zu characters", path, lineno, sizeof line - 2);
            goto out;
        }
        char *fields[7];
        size_t nf = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && nf < 7;
             t = strtok_r(NULL, " \t\r\n", &save))
            fields[nf++] = t;
        if (nf == 0 || fields[0][0] == '#')
            continue;
        uint64_t id;
        if (strcmp(fields[0], "alloc") == 0) {
            uint64_t size, align = 0;
            const char *tag = NULL;
            if (nf < 3) {
                snprintf(err, errlen, "%s:%zu: alloc needs an id and a size (alloc ID SIZE [ALIGN] [TAG])", path,
                         lineno);
                goto out;
            }
            if (nf > 5) {
                snprintf(err, errlen, "%s:%zu: too many fields for alloc (alloc ID SIZE [ALIGN] [TAG])", path,
                         lineno);
                goto out;
            }
            if (parse_u64(fields[1], &id) != 0) {
                snprintf(err, errlen, "%s:%zu: bad id '%s' (an unsigned number)", path, lineno, fields[1]);
                goto out;
            }
            if (parse_u64(fields[2], &size) != 0 || size > MAX_TRACE_SIZE) {
                snprintf(err, errlen, "%s:%zu: bad size '%s' (an unsigned number up to 1 GiB)", path, lineno,
                         fields[2]);
                goto out;
            }
            size_t next = 3;
            if (nf > next && fields[next][0] >= '0' && fields[next][0] <= '9') {
                if (parse_u64(fields[next], &align) != 0 || (align > 1 && (align & (align - 1))) ||
                    align > MAX_TRACE_SIZE) {
                    snprintf(err, errlen, "%s:%zu: bad alignment '%s' (a power of two, or 0)", path, lineno,
                             fields[next]);
                    goto out;
                }
                next++;
            }
            if (nf > next)
                tag = fields[next++];
            if (nf > next) {
                snprintf(err, errlen, "%s:%zu: unexpected '%s' after the tag", path, lineno, fields[next]);
                goto out;
            }
            size_t j = idmap_find(&m, id);
            if (m.line[j]) {
                snprintf(err, errlen, "%s:%zu: alloc of id %s, which is already live (allocated on line %zu)",
                         path, lineno, fields[1], m.line[j]);
                goto out;
            }
            uint32_t slot;
            if (nspare)
                slot = spare[--nspare];
            else if (next_slot < UINT32_MAX)
                slot = (uint32_t)next_slot++;
            else {
                snprintf(err, errlen, "%s:%zu: too many live allocations", path, lineno);
                goto out;
            }
            m.key[j] = id;
            m.slot[j] = slot;
            m.line[j] = lineno;
            m.used++;
            if (tag && !(tag = intern(s, tag)))
                goto oom;
            if (hb_opseq_alloc(s, slot, (size_t)size, (size_t)align, tag) != 0)
                goto oom;
            if (m.used * 2 > m.cap && idmap_grow(&m) != 0)
                goto oom;
        } else if (strcmp(fields[0], "free") == 0) {
            if (nf != 2) {
                snprintf(err, errlen, "%s:%zu: free takes exactly one id (free ID)", path, lineno);
                goto out;
            }
            if (parse_u64(fields[1], &id) != 0) {
                snprintf(err, errlen, "%s:%zu: bad id '%s' (an unsigned number)", path, lineno, fields[1]);
                goto out;
            }
            size_t j = idmap_find(&m, id);
            if (!m.line[j]) {
                snprintf(err, errlen, "%s:%zu: free of id %s, which is not live", path, lineno, fields[1]);
                goto out;
            }
            uint32_t slot = m.slot[j];
            idmap_remove(&m, j);
            if (nspare == spare_cap) {
                size_t cap = spare_cap ? spare_cap * 2 : 1024;
                uint32_t *p = realloc(spare, cap * sizeof *p);
                if (!p)
                    goto oom;
                spare = p;
                spare_cap = cap;
            }
            spare[nspare++] = slot;
            if (hb_opseq_free_op(s, slot) != 0)
                goto oom;
        } else {
            snprintf(err, errlen, "%s:%zu: unknown operation '%s' (expected alloc or free)", path, lineno,
                     fields[0]);
            goto out;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s:%zu: read error", path, lineno);
        goto out;
    }
    if (s->n == 0) {
        snprintf(err, errlen, "%s:%zu: the trace has no operations", path, lineno);
        goto out;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "%s:%zu: out of memory", path, lineno);
out:
    fclose(f);
    free(m.key);
    free(m.slot);
    free(m.line);
    free(spare);
    return rc;
}
