/*
 * recorder.c - LD_PRELOAD library that records a host program's heap calls
 * as a heapbench trace (format: workloads/README.md).
 *
 *   HB_TRACE_OUT=/tmp/t LD_PRELOAD=build/host-bench/workloads/libhb_trace_recorder.so prog args
 *
 * writes /tmp/t.<pid> for every process of the program (a compiler driver
 * forks its passes).  Captured: malloc, free, calloc, realloc, memalign,
 * posix_memalign, aligned_alloc, valloc.  The id of an allocation is its
 * address (decimal): unique while it is live, which is all the format asks.
 * realloc is recorded as "free old" then "alloc new": the live set stays
 * exact, whether glibc moved the block or not.
 *
 * It forwards to glibc's own __libc_* entry points, so it needs no dlsym
 * (which itself allocates), and it formats numbers by hand and writes with
 * write(2), so it never allocates.  A spin lock keeps the lines of threads
 * whole and in the order the calls took effect; a thread-local flag lets
 * any allocation the recorder itself would cause pass through unrecorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static int out_fd = -1;
static int out_failed;
static char buf[1 << 16];
static size_t buf_len;
static int lock_word;
static __thread int inside;

static void lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

static void flush(void)
{
    size_t off = 0;
    while (out_fd >= 0 && off < buf_len) {
        ssize_t w = write(out_fd, buf + off, buf_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    buf_len = 0;
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

static void open_out(void)
{
    const char *base = getenv("HB_TRACE_OUT");
    if (!base || !*base || strlen(base) > 400) {
        out_failed = 1;
        return;
    }
    char path[448];
    char *p = put_str(path, base);
    *p++ = '.';
    p = put_u64(p, (uint64_t)getpid());
    *p = 0;
    out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
        out_failed = 1;
        return;
    }
    static const char head[] = "# heapbench trace recorded by libhb_trace_recorder.so\n";
    buf_len = 0;
    memcpy(buf, head, sizeof head - 1);
    buf_len = sizeof head - 1;
}

/* One line: "free ID" (size == SIZE_MAX) or "alloc ID SIZE [ALIGN] TAG". */
static void record(const char *op, const void *id, size_t size, size_t align, const char *tag)
{
    if (out_failed)
        return;
    if (out_fd < 0)
        open_out();
    if (out_fd < 0)
        return;
    if (buf_len > sizeof buf - 128)
        flush();
    char *p = buf + buf_len;
    p = put_str(p, op);
    *p++ = ' ';
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
    buf_len = (size_t)(p - buf);
}

static void after_fork_child(void)
{
    /* The parent flushes what was buffered before the fork; the child
       starts a file of its own. */
    out_fd = -1;
    buf_len = 0;
    lock_word = 0;
}

__attribute__((constructor)) static void recorder_init(void) { pthread_atfork(NULL, NULL, after_fork_child); }

__attribute__((destructor)) static void recorder_fini(void)
{
    lock();
    flush();
    unlock();
}

#define ENTER()                                                                                                    \
    int outer = !inside;                                                                                           \
    if (outer) {                                                                                                   \
        inside = 1;                                                                                                \
        lock();                                                                                                    \
    }
#define LEAVE()                                                                                                    \
    if (outer) {                                                                                                   \
        unlock();                                                                                                  \
        inside = 0;                                                                                                \
    }

void *malloc(size_t size)
{
    ENTER();
    void *p = __libc_malloc(size);
    if (outer && p)
        record("alloc", p, size, 0, "malloc");
    LEAVE();
    return p;
}

void free(void *ptr)
{
    if (!ptr)
        return;
    ENTER();
    if (outer)
        record("free", ptr, 0, 0, NULL);
    __libc_free(ptr);
    LEAVE();
}

void *calloc(size_t n, size_t size)
{
    ENTER();
    void *p = __libc_calloc(n, size);
    if (outer && p)
        record("alloc", p, n * size, 0, "calloc");
    LEAVE();
    return p;
}

void *realloc(void *ptr, size_t size)
{
    ENTER();
    if (outer && ptr)
        record("free", ptr, 0, 0, NULL);
    void *p = __libc_realloc(ptr, size);
    if (outer && p)
        record("alloc", p, size, 0, "realloc");
    else if (outer && ptr && size) /* failed: the old block is still live */
        record("alloc", ptr, size, 0, "realloc-failed");
    LEAVE();
    return p;
}

static void *aligned(size_t align, size_t size, const char *tag)
{
    ENTER();
    void *p = __libc_memalign(align, size);
    if (outer && p)
        record("alloc", p, size, align, tag);
    LEAVE();
    return p;
}

void *memalign(size_t align, size_t size) { return aligned(align, size, "memalign"); }
void *aligned_alloc(size_t align, size_t size) { return aligned(align, size, "aligned_alloc"); }
void *valloc(size_t size) { return aligned(4096, size, "valloc"); }

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
