/*
 * test_workloads.c - tests of the workload table, the trace reader and the
 * trace recorder.  One case per run, named on the command line (CTest runs
 * each as its own test):
 *
 *   test_workloads DIR CASE [ARGS]
 *
 * DIR is a scratch folder the case may fill (created if missing).  Each case
 * writes its own input traces there, reads them with the library and
 * checks what it got; it prints "FAIL: ..." and exits 1 on the first wrong
 * result.  Cases: zero, decimal, tags, malformed, drain, names, and
 * "recorder LIB PROG", which records PROG (workloads/tests/record_me.c)
 * with the LD_PRELOAD library LIB and reads back what it wrote.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload.h"

static const char *dir;

__attribute__((format(printf, 1, 2))) _Noreturn static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "FAIL: ");
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    fprintf(stdout, "\n");
    va_end(ap);
    exit(1);
}

/* dir/name, in a static buffer (one at a time). */
static const char *in_dir(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char *write_file(const char *name, const char *text, size_t len)
{
    const char *path = in_dir(name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        fail("cannot write %s: %s", path, strerror(errno));
    return path;
}

/* Reads path as a trace and finishes it: 0, or -1 with err filled. */
static int load(const char *path, struct hb_opseq *s, char *err, size_t errlen)
{
    hb_opseq_init(s);
    if (hb_trace_read(path, s, err, errlen) != 0 || hb_opseq_finish(s, err, errlen) != 0) {
        hb_opseq_free(s);
        return -1;
    }
    return 0;
}

static void load_or_fail(const char *path, struct hb_opseq *s)
{
    char err[512];
    if (load(path, s, err, sizeof err) != 0)
        fail("%s did not load: %s", path, err);
}

/* Expects text (as file name) to be rejected with a message containing want. */
static void expect_error(const char *name, const char *text, size_t len, const char *want)
{
    const char *path = write_file(name, text, len);
    struct hb_opseq s;
    char err[512] = "";
    if (load(path, &s, err, sizeof err) == 0)
        fail("%s loaded, expected an error containing '%s'", name, want);
    if (!strstr(err, want))
        fail("%s: error '%s' does not contain '%s'", name, err, want);
    printf("ok: %s\n", err);
}

#define EXPECT_ERROR(name, text, want) expect_error(name, text, sizeof(text) - 1, want)
#define WRITE_TEXT(name, text) write_file(name, text, sizeof(text) - 1)

/* /dev/zero: a NUL at line 1, at once (it used to hang). */
static void case_zero(void)
{
    struct hb_opseq s;
    char err[512] = "";
    if (load("/dev/zero", &s, err, sizeof err) == 0)
        fail("/dev/zero loaded");
    if (!strstr(err, "/dev/zero:1: NUL byte"))
        fail("/dev/zero: error '%s' does not name the NUL byte at line 1", err);
    printf("ok: %s\n", err);
}

/* Sizes and alignments are decimal: 010 is ten, 0x10 and 010x are errors. */
static void case_decimal(void)
{
    struct hb_opseq s;
    load_or_fail(WRITE_TEXT("decimal.trace", "alloc 1 010 016\nalloc 0x2 08\nfree 2\n"), &s);
    if (s.nallocs != 2 || s.ops[0].size != 10 || s.ops[0].align != 16 || s.ops[1].size != 8)
        fail("decimal.trace: sizes %zu and %zu align %zu, expected 10 and 8 align 16", s.ops[0].size, s.ops[1].size,
             s.ops[0].align);
    if (s.nfrees_own != 1 || s.ops[2].slot != s.ops[1].slot)
        fail("decimal.trace: 'free 2' did not free the block of id 0x2");
    hb_opseq_free(&s);
    printf("ok: 010 is 10, align 016 is 16, id 0x2 is 2\n");
    EXPECT_ERROR("hex-size.trace", "alloc 1 16\nalloc 2 0x10\n", "hex-size.trace:2: bad size '0x10'");
    EXPECT_ERROR("hex-align.trace", "alloc 1 16 0x8\n", "hex-align.trace:1: bad alignment '0x8'");
    EXPECT_ERROR("signed.trace", "alloc 1 +16\n", "signed.trace:1: bad size '+16'");
    EXPECT_ERROR("suffix.trace", "alloc 1 16k\n", "suffix.trace:1: bad size '16k'");
    EXPECT_ERROR("huge.trace", "alloc 1 18446744073709551616\n", "huge.trace:1: bad size");
    EXPECT_ERROR("toolarge.trace", "alloc 1 1073741825\n", "toolarge.trace:1: bad size '1073741825'");
}

/* Many distinct tags load in linear time (CTest's timeout is the check:
   the quadratic reader took minutes for this many). */
static void case_tags(size_t n)
{
    const char *path = in_dir("tags.trace");
    FILE *f = fopen(path, "w");
    if (!f)
        fail("cannot write %s", path);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "alloc %zu 16 tag%zu\nfree %zu\n", i, i, i);
    if (fclose(f) != 0)
        fail("cannot write %s", path);
    struct hb_opseq s;
    load_or_fail(path, &s);
    if (s.nstrings != n)
        fail("%zu distinct tags stored as %zu strings", n, s.nstrings);
    char want[32];
    for (size_t i = 0; i < n; i += n / 7 + 1) {
        const char *tag = s.ops[2 * i].tag;
        snprintf(want, sizeof want, "tag%zu", i);
        if (!tag || strcmp(tag, want) != 0)
            fail("alloc %zu has tag '%s', expected '%s'", i, tag ? tag : "(none)", want);
    }
    hb_opseq_free(&s);
    printf("ok: %zu distinct tags\n", n);
}

/* Every malformed input: "file:line: what is wrong". */
static void case_malformed(void)
{
    static char longline[1100];
    memset(longline, 'x', sizeof longline);
    static const char head[] = "alloc 1 16 "; /* then x to the end */
    for (size_t i = 0; head[i]; i++)
        longline[i] = head[i];
    expect_error("long.trace", longline, sizeof longline, "long.trace:1: line longer than 1024 bytes");
    EXPECT_ERROR("nul.trace", "alloc 1 16\nalloc 2 1\0006\n", "nul.trace:2: NUL byte at column 10");
    EXPECT_ERROR("ctrl.trace", "# ok\n\n\x1b[0malloc 1 16\n", "ctrl.trace:3: control byte 0x1b at column 1");
    EXPECT_ERROR("xz.trace",
                 "\xfd"
                 "7zXZ\0\0",
                 "xz.trace:1: NUL byte");
    EXPECT_ERROR("unknown.trace", "alloc 1 16\nrealloc 1 32\n", "unknown.trace:2: unknown operation 'realloc'");
    EXPECT_ERROR("short.trace", "alloc 1\n", "short.trace:1: alloc needs an id and a size");
    EXPECT_ERROR("many.trace", "alloc 1 16 8 tag more\n", "many.trace:1: unexpected 'more' after the tag");
    EXPECT_ERROR("fields.trace", "alloc 1 2 3 4 5 6 7 8\n", "fields.trace:1: too many fields");
    EXPECT_ERROR("badid.trace", "alloc -1 16\n", "badid.trace:1: bad id '-1'");
    EXPECT_ERROR("align.trace", "alloc 1 16 24\n", "align.trace:1: bad alignment '24'");
    EXPECT_ERROR("twice.trace", "alloc 1 16\nalloc 1 8\n",
                 "twice.trace:2: alloc of id 1, which is already live (allocated on line 1)");
    EXPECT_ERROR("notlive.trace", "alloc 1 16\nfree 1\nfree 1\n", "notlive.trace:3: free of id 1, which is not live");
    EXPECT_ERROR("freeargs.trace", "free 1 2\n", "freeargs.trace:1: free takes exactly one id");
    EXPECT_ERROR("empty.trace", "# nothing\n\n", "empty.trace: the trace has no operations");
    struct hb_opseq s;
    char err[512] = "";
    if (load(in_dir("no-such.trace"), &s, err, sizeof err) == 0 || !strstr(err, "no-such.trace: cannot open"))
        fail("a missing file: '%s'", err);
    printf("ok: %s\n", err);
    if (load(dir, &s, err, sizeof err) == 0 || !strstr(err, "is a folder"))
        fail("a folder: '%s'", err);
    printf("ok: %s\n", err);
    if (hb_workloads_init(in_dir("no-such-folder"), err, sizeof err) == 0 ||
        !strstr(err, "no-such-folder: cannot read the trace folder: No such file"))
        fail("a missing trace folder: '%s'", err);
    printf("ok: %s\n", err);
    /* A failed build leaves nothing behind. */
    WRITE_TEXT("late.trace", "alloc 1 16\nalloc 2 16\nfree 3\n");
    if (hb_workloads_init(NULL, err, sizeof err) != 0)
        fail("hb_workloads_init: %s", err);
    const struct hb_workload *w = hb_workloads_add_trace(in_dir("late.trace"), err, sizeof err);
    memset(&s, 0xa5, sizeof s);
    if (!w || hb_workload_build(w, 1, &s, err, sizeof err) == 0 || !strstr(err, "late.trace:3:"))
        fail("late.trace: '%s'", err);
    if (s.ops || s.n || s.nstrings)
        fail("a failed build left %zu ops behind", s.n);
    printf("ok: %s, and the sequence is empty\n", err);
    hb_workloads_done();
}

/* The drain is marked: the trace's own frees apart from the appended ones. */
static void case_drain(void)
{
    struct hb_opseq s;
    load_or_fail(WRITE_TEXT("drain.trace", "# d\nalloc 7 8\n\nalloc 9 24 tag\nfree 7\nalloc 7 16\n\n\n"), &s);
    if (s.nallocs != 3 || s.nfrees_own != 1 || s.nfrees_drain != 2 || s.drain_start != 4 || s.n != 6)
        fail("drain.trace: allocs %zu own frees %zu drain %zu drain_start %zu n %zu; expected 3 1 2 4 6", s.nallocs,
             s.nfrees_own, s.nfrees_drain, s.drain_start, s.n);
    for (size_t i = s.drain_start; i < s.n; i++)
        if (s.ops[i].kind != HB_OP_FREE)
            fail("op %zu of the drain is not a free", i);
    if (s.peak_live_bytes != 40 || s.peak_live_count != 2)
        fail("peak %zu bytes %zu blocks, expected 40 and 2", s.peak_live_bytes, s.peak_live_count);
    hb_opseq_free(&s);
    /* A generated workload: fill frees all it allocates, so no drain. */
    char err[512];
    if (hb_workloads_init(NULL, err, sizeof err) != 0 ||
        hb_workload_build(hb_find_workload("fill-16-same"), 1, &s, err, sizeof err) != 0)
        fail("fill-16-same: %s", err);
    if (s.nfrees_drain != 0 || s.drain_start != s.n || s.nfrees_own != 10000)
        fail("fill-16-same: drain %zu at %zu of %zu, own frees %zu", s.nfrees_drain, s.drain_start, s.n, s.nfrees_own);
    hb_opseq_free(&s);
    hb_workloads_done();
    printf("ok: drain marked\n");
}

static void expect_name(const struct hb_workload *w, const char *want, const char *path)
{
    if (!w)
        fail("%s was not added", path);
    if (strcmp(w->name, want) != 0)
        fail("%s is named '%s', expected '%s'", path, w->name, want);
    if (strcmp(w->params.path, path) != 0 || !strstr(w->summary, path))
        fail("%s: path '%s', summary '%s'", want, w->params.path, w->summary);
}

/* Trace names: unique, whole up to ".trace", plain characters; no limit
   on how many. */
static void case_names(void)
{
    char err[512], sub[4096];
    snprintf(sub, sizeof sub, "%s/shipped", dir);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/x", dir);
    mkdir(sub, 0777);
    WRITE_TEXT("shipped/gcc.trace", "alloc 1 8\n");
    WRITE_TEXT("shipped/my.app.trace", "alloc 1 8\n");
    WRITE_TEXT("shipped/notes.txt", "alloc 1 8\n");
    snprintf(sub, sizeof sub, "%s/shipped", dir);
    if (hb_workloads_init(sub, err, sizeof err) != 0)
        fail("hb_workloads_init: %s", err);
    size_t base = hb_workload_count();
    const struct hb_workload *g = hb_find_workload("trace-gcc"), *m = hb_find_workload("trace-my.app");
    if (!g || !m || hb_find_workload("trace-notes"))
        fail("the trace folder gave %s, %s%s", g ? g->name : "no trace-gcc", m ? m->name : "no trace-my.app",
             hb_find_workload("trace-notes") ? " and a workload for notes.txt" : "");
    char gcc_shipped[4096];
    snprintf(gcc_shipped, sizeof gcc_shipped, "%s", g->params.path);
    static const char *const added[][2] = {
        {"x/gcc.trace", "trace-gcc-2"},      {"x/gcc.trace", "trace-gcc-3"},   {"gcc-2.trace", "trace-gcc-2-2"},
        {"a,b c\"d.trace", "trace-a_b_c_d"}, {"v1.2.3.trace", "trace-v1.2.3"}, {"log.txt", "trace-log.txt"},
    };
    const struct hb_workload *first = NULL;
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
        const char *path = in_dir(added[i][0]);
        const struct hb_workload *w = hb_workloads_add_trace(path, err, sizeof err);
        expect_name(w, added[i][1], path);
        first = first ? first : w;
    }
    if (strcmp(hb_find_workload("trace-gcc")->params.path, gcc_shipped) != 0)
        fail("trace-gcc no longer names the shipped trace");
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d.trace", i);
        if (!hb_workloads_add_trace(in_dir(name), err, sizeof err))
            fail("trace %d of 200 not added: %s", i + 1, err);
    }
    /* Rows stay put while the table grows (ASan: no use after free). */
    if (first != hb_find_workload("trace-gcc-2") || strcmp(first->name, "trace-gcc-2") != 0)
        fail("the row of trace-gcc-2 moved when the table grew");
    size_t n = hb_workload_count();
    if (n != base + 6 + 200)
        fail("%zu workloads, expected %zu", n, base + 6 + 200);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(hb_workload_at(i)->name, hb_workload_at(j)->name) == 0)
                fail("two workloads named %s", hb_workload_at(i)->name);
    hb_workloads_done();
    printf("ok: %zu unique names\n", n);
}

/* ---- the recorder ---------------------------------------------------------- */

/* The first op (from from) that is an alloc of size bytes (and align, and
   tag, unless 0/NULL), or SIZE_MAX. */
static size_t find_alloc(const struct hb_opseq *s, size_t from, size_t size, size_t align, const char *tag)
{
    for (size_t i = from; i < s->drain_start; i++) {
        const struct hb_op *op = &s->ops[i];
        if (op->kind == HB_OP_ALLOC && op->size == size && (!align || op->align == align) &&
            (!tag || (op->tag && strcmp(op->tag, tag) == 0)))
            return i;
    }
    return SIZE_MAX;
}

static size_t find_free(const struct hb_opseq *s, size_t from, uint32_t slot)
{
    for (size_t i = from; i < s->n; i++)
        if (s->ops[i].kind == HB_OP_FREE && s->ops[i].slot == slot)
            return i;
    return SIZE_MAX;
}

static void require(const struct hb_opseq *s, const char *file, size_t size, size_t align, const char *tag,
                    const char *what)
{
    if (find_alloc(s, 0, size, align, tag) == SIZE_MAX)
        fail("%s: no 'alloc ID %zu %zu %s' (%s)", file, size, align, tag ? tag : "", what);
}

static void case_recorder(const char *lib, const char *prog)
{
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        char out[4096], preload[4096];
        snprintf(out, sizeof out, "HB_TRACE_OUT=%s/t", dir);
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lib);
        char *env[] = {out, preload, NULL};
        char *args[] = {(char *)prog, NULL};
        execve(prog, args, env);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("%s under the recorder did not exit 0 (status 0x%x)", prog, st);
    /* One process, two images: t.<pid> before the exec, t.<pid>.1 after;
       and its child's t.<child>. */
    char before[64], after[64], child[256] = "";
    snprintf(before, sizeof before, "t.%ld", (long)pid);
    snprintf(after, sizeof after, "t.%ld.1", (long)pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "t.", 2) != 0)
            continue;
        files++;
        if (strcmp(e->d_name, before) != 0 && strcmp(e->d_name, after) != 0)
            snprintf(child, sizeof child, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    if (files != 3 || !*child)
        fail("%d trace files written, expected 3 (%s, %s and the child's)", files, before, after);

    struct hb_opseq s;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, before);
    load_or_fail(path, &s);
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    require(&s, before, 1000, 32, "memalign", "memalign(24, 1000): glibc's alignment, 32");
    require(&s, before, (5000 + page - 1) / page * page, page, "pvalloc", "pvalloc(5000): whole pages");
    require(&s, before, 100, page, "valloc", "valloc(100)");
    require(&s, before, 100, 0, "calloc", "calloc(10, 10)");
    require(&s, before, 120, 0, "realloc", "reallocarray(NULL, 12, 10)");
    require(&s, before, 7777, 0, "malloc", "the last alloc before the exec");
    /* realloc(a, 512 MiB) failed: nothing is recorded, a stays live until its free. */
    size_t a = find_alloc(&s, 0, 333, 0, "malloc");
    if (a == SIZE_MAX || find_free(&s, a + 1, s.ops[a].slot) != a + 1)
        fail("%s: the block of the failed realloc is not allocated and freed with nothing between", before);
    if (find_alloc(&s, 0, (size_t)1 << 29, 0, NULL) != SIZE_MAX)
        fail("%s: the failed realloc to 512 MiB is recorded as an allocation", before);
    /* The moved realloc: the new block is allocated before the old one is freed. */
    size_t old = find_alloc(&s, 0, 60000, 0, "malloc"), new = find_alloc(&s, 0, 100000, 0, "realloc");
    if (old == SIZE_MAX || new == SIZE_MAX)
        fail("%s: the moved realloc's blocks are missing", before);
    size_t old_freed = find_free(&s, old + 1, s.ops[old].slot);
    if (!(new < old_freed))
        fail("%s: the moved realloc frees the old block (op %zu) before allocating the new one (op %zu)", before,
             old_freed, new);
    if (s.peak_live_bytes < 210000)
        fail("%s: peak %zu bytes, below the 210000 held during the moved realloc", before, s.peak_live_bytes);
    hb_opseq_free(&s);

    snprintf(path, sizeof path, "%s/%s", dir, after);
    load_or_fail(path, &s);
    require(&s, after, 4242, 0, "malloc", "the exec'd image's first alloc");
    require(&s, after, 4343, 0, "malloc", "the exec'd image's last alloc");
    hb_opseq_free(&s);

    snprintf(path, sizeof path, "%s/%s", dir, child);
    load_or_fail(path, &s);
    require(&s, child, 5151, 0, "malloc", "the forked child's alloc before its _exit");
    if (find_alloc(&s, 0, 60000, 0, NULL) != SIZE_MAX)
        fail("%s: the child's file holds the parent's operations", child);
    hb_opseq_free(&s);
    printf("ok: %s, %s and %s load and hold what the program did\n", before, after, child);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_workloads DIR CASE [ARGS]\n");
        return 2;
    }
    dir = argv[1];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "test_workloads: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    const char *c = argv[2];
    if (strcmp(c, "zero") == 0)
        case_zero();
    else if (strcmp(c, "decimal") == 0)
        case_decimal();
    else if (strcmp(c, "tags") == 0 && argc == 4)
        case_tags((size_t)strtoul(argv[3], NULL, 10));
    else if (strcmp(c, "malformed") == 0)
        case_malformed();
    else if (strcmp(c, "drain") == 0)
        case_drain();
    else if (strcmp(c, "names") == 0)
        case_names();
    else if (strcmp(c, "recorder") == 0 && argc == 5)
        case_recorder(argv[3], argv[4]);
    else {
        fprintf(stderr, "test_workloads: unknown case '%s' or wrong arguments\n", c);
        return 2;
    }
    return 0;
}
