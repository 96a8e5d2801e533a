/*
 * recorder.c - LD_PRELOAD library that records a host program's heap calls
 * as a heapbench trace (format: workloads/README.md).
 *
 *   HB_TRACE_OUT=/tmp/t LD_PRELOAD=build/host/workloads/libhb_trace_recorder.so prog args
 *
 * writes /tmp/t.<pid> for every process of the program (a compiler driver
 * forks its passes); a process image that finds its name taken (the image
 * an exec started, under the same pid) writes /tmp/t.<pid>.1, .2, ...: no
 * file is ever overwritten.  Captured: malloc, free, calloc, realloc,
 * reallocarray, memalign, posix_memalign, aligned_alloc, valloc, pvalloc.
 * The id of an allocation is its address (decimal): unique while it is
 * live, which is all the format asks.
 *
 * What is recorded is what glibc did, in a form the trace reader accepts:
 *   - realloc that moved the block: "alloc new" then "free old", so the
 *     replay holds both blocks at the moment of the copy, as the program
 *     did; in place: "free old" then "alloc new" (same id).  A failed
 *     realloc records nothing (the old block stays live, unchanged);
 *     realloc(p, 0), which frees p and returns NULL, records "free p".
 *   - memalign and aligned_alloc accept any alignment and round it up to a
 *     power of two: the rounded alignment is recorded (memalign(24, n) is
 *     "alloc ID n 32 memalign").
 *   - valloc: the page size as alignment; pvalloc: the size rounded up to a
 *     whole number of pages (what the caller may use; 0 stays 0) and the
 *     page size.
 *   - An allocation over the format's 1 GiB limit (size or alignment) is
 *     written as a "# not replayed:" comment, and so is its free (up to 64
 *     such blocks live at once; beyond, the line is written as is and the
 *     reader rejects it by name and line).
 *
 * Output survives exec, _exit and crashes: the file is written through a
 * shared mapping, one chunk (CHUNK bytes, pre-filled with newlines, which
 * the reader skips as blank lines) at a time, so every recorded line is in
 * the page cache the moment it is formatted.  A normal exit cuts the file
 * to its last line; any other end leaves at most one chunk of newlines.
 *
 * It forwards to glibc's own __libc_* entry points, so it needs no dlsym
 * (which itself allocates), and it formats numbers by hand and uses only
 * system calls, so it never allocates.  A spin lock keeps the lines of
 * threads whole and in the order the calls took effect; a thread-local flag
 * lets any allocation the recorder itself would cause pass through
 * unrecorded.  Costs: a memcpy-sized format per call; three system calls per
 * CHUNK bytes of trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "workload.h" /* HB_TRACE_MAX_SIZE only: the recorder links nothing of heapbench */

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

#define CHUNK ((size_t)1 << 18) /* bytes of file mapped at a time */
#define MAX_LINE 160            /* longest line record() writes */
#define MAX_UNRECORDED 64

static int out_fd = -1;
static int out_off;  /* 1: recording is off for this process image (no HB_TRACE_OUT, an error, exited) */
static char *map;    /* the mapped chunk */
static off_t map_at; /* its offset in the file */
static size_t used;  /* bytes of it written */
static const void *unrecorded[MAX_UNRECORDED]; /* live blocks written as comments */
static size_t nunrecorded;
static int lock_word;
static __thread int inside;

static void lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void)
{
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* Extends the file by one chunk of newlines at off and maps it. */
static int map_chunk(off_t off)
{
    static char newlines[4096];
    if (!newlines[0])
        memset(newlines, '\n', sizeof newlines);
    for (size_t done = 0; done < CHUNK;) {
        ssize_t w = pwrite(out_fd, newlines, sizeof newlines, off + (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    void *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, out_fd, off);
    if (m == MAP_FAILED)
        return -1;
    map = m;
    map_at = off;
    used = 0;
    return 0;
}

static void stop(void)
{
    if (map)
        munmap(map, CHUNK);
    if (out_fd >= 0)
        close(out_fd);
    map = NULL;
    out_fd = -1;
    out_off = 1;
}

/* Opens $HB_TRACE_OUT.<pid>, or .<pid>.<k> for the first k free. */
static void open_out(void)
{
    const char *base = getenv("HB_TRACE_OUT");
    if (!base || !*base || strlen(base) > 400) {
        out_off = 1;
        return;
    }
    char path[480];
    char *p = put_str(path, base);
    *p++ = '.';
    p = put_u64(p, (uint64_t)getpid());
    for (unsigned k = 0; k < 1000 && out_fd < 0; k++) {
        char *q = p;
        if (k) {
            *q++ = '.';
            q = put_u64(q, k);
        }
        *q = 0;
        out_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (out_fd < 0 && errno != EEXIST)
            break;
    }
    if (out_fd < 0 || map_chunk(0) != 0) {
        stop();
        return;
    }
    char *q = put_str(map, "# heapbench trace recorded by libhb_trace_recorder.so, pid ");
    q = put_u64(q, (uint64_t)getpid());
    *q++ = '\n';
    used = (size_t)(q - map);
}

/* Appends one line: "free ID" (tag NULL) or "alloc ID SIZE [ALIGN] TAG",
   after prefix (a comment's start, or ""). */
static void record(const char *prefix, const void *id, size_t size, size_t align, const char *tag)
{
    if (out_off)
        return;
    if (out_fd < 0)
        open_out();
    if (out_fd < 0)
        return;
    if (used + MAX_LINE > CHUNK) {
        off_t next = map_at + (off_t)CHUNK;
        munmap(map, CHUNK);
        map = NULL;
        if (map_chunk(next) != 0) {
            stop();
            return;
        }
    }
    char *p = put_str(map + used, prefix);
    p = put_str(p, tag ? "alloc " : "free ");
    p = put_u64(p, (uint64_t)(uintptr_t)id);
    if (tag) {
        *p++ = ' ';
        p = put_u64(p, size);
        if (align) {
            *p++ = ' ';
            p = put_u64(p, align);
        }
        *p++ = ' ';
        p = put_str(p, tag);
    }
    *p++ = '\n';
    used = (size_t)(p - map);
}

static void record_alloc(const void *p, size_t size, size_t align, const char *tag)
{
    if (!p)
        return;
    if ((size > HB_TRACE_MAX_SIZE || align > HB_TRACE_MAX_SIZE) && nunrecorded < MAX_UNRECORDED) {
        unrecorded[nunrecorded++] = p;
        record("# not replayed (over 1 GiB): ", p, size, align, tag);
        return;
    }
    record("", p, size, align, tag);
}

static void record_free(const void *p)
{
    for (size_t i = 0; i < nunrecorded; i++)
        if (unrecorded[i] == p) {
            unrecorded[i] = unrecorded[--nunrecorded];
            record("# not replayed: ", p, 0, 0, NULL);
            return;
        }
    record("", p, 0, 0, NULL);
}

static void after_fork_child(void)
{
    /* The child writes a file of its own; the parent's mapping and file
       stay the parent's. */
    if (map)
        munmap(map, CHUNK);
    if (out_fd >= 0)
        close(out_fd);
    map = NULL;
    out_fd = -1;
    lock_word = 0;
}

__attribute__((constructor)) static void recorder_init(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}

/* A normal exit: cut the file after its last line and stop recording (the
   frees of later destructors would write past the end). */
__attribute__((destructor)) static void recorder_fini(void)
{
    lock();
    if (map) {
        off_t end = map_at + (off_t)used;
        if (ftruncate(out_fd, end) != 0) {
            /* the newlines stay: blank lines to the reader */
        }
    }
    stop();
    unlock();
}

#define ENTER()                                                                                                        \
    int outer = !inside;                                                                                               \
    if (outer) {                                                                                                       \
        inside = 1;                                                                                                    \
        lock();                                                                                                        \
    }
#define LEAVE()                                                                                                        \
    if (outer) {                                                                                                       \
        unlock();                                                                                                      \
        inside = 0;                                                                                                    \
    }

void *malloc(size_t size)
{
    ENTER();
    void *p = __libc_malloc(size);
    if (outer)
        record_alloc(p, size, 0, "malloc");
    LEAVE();
    return p;
}

void free(void *ptr)
{
    if (!ptr)
        return;
    ENTER();
    if (outer)
        record_free(ptr);
    __libc_free(ptr);
    LEAVE();
}

void *calloc(size_t n, size_t size)
{
    ENTER();
    void *p = __libc_calloc(n, size);
    if (outer) /* glibc returns NULL when n * size overflows */
        record_alloc(p, n * size, 0, "calloc");
    LEAVE();
    return p;
}

void *realloc(void *ptr, size_t size)
{
    ENTER();
    void *p = __libc_realloc(ptr, size);
    if (outer) {
        if (!ptr)
            record_alloc(p, size, 0, "realloc");
        else if (p == ptr) {
            record_free(ptr);
            record_alloc(p, size, 0, "realloc");
        } else if (p) { /* moved: both blocks were live during the copy */
            record_alloc(p, size, 0, "realloc");
            record_free(ptr);
        } else if (size == 0) /* glibc freed ptr */
            record_free(ptr);
        /* else: failed; ptr is still live, unchanged */
    }
    LEAVE();
    return p;
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, bytes);
}

/* The alignment glibc's memalign guarantees for align: the next power of
   two (0 and 1: none asked). */
static size_t pow2_at_least(size_t align)
{
    size_t a = 1;
    while (a < align && a <= SIZE_MAX / 2)
        a <<= 1;
    return align <= 1 ? align : a;
}

static void *aligned(size_t align, size_t size, const char *tag)
{
    ENTER();
    void *p = __libc_memalign(align, size);
    if (outer)
        record_alloc(p, size, pow2_at_least(align), tag);
    LEAVE();
    return p;
}

void *memalign(size_t align, size_t size)
{
    return aligned(align, size, "memalign");
}
void *aligned_alloc(size_t align, size_t size)
{
    return aligned(align, size, "aligned_alloc");
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = aligned(align, size, "posix_memalign");
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t size)
{
    ENTER();
    void *p = __libc_valloc(size);
    if (outer) {
        long ps = sysconf(_SC_PAGESIZE);
        record_alloc(p, size, ps > 0 ? (size_t)ps : 4096, "valloc");
    }
    LEAVE();
    return p;
}

void *pvalloc(size_t size)
{
    ENTER();
    void *p = __libc_pvalloc(size);
    if (outer) {
        long ps = sysconf(_SC_PAGESIZE);
        size_t page = ps > 0 ? (size_t)ps : 4096;
        size_t whole = (size + page - 1) / page * page; /* p is non-NULL only without overflow */
        record_alloc(p, whole, page, "pvalloc");
    }
    LEAVE();
    return p;
}
