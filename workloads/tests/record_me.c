/*
 * record_me.c - a program for the recorder test (test_workloads recorder):
 * it makes, once each, the heap calls whose recording has a pitfall, forks
 * a child that allocates and leaves with _exit, then execs itself and
 * allocates again in the new image.  Built without
 * sanitizers (they replace malloc); every pointer is stored in a volatile
 * sink so the compiler keeps every call.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

static void *keep(void *p)
{
    sink = p;
    return p;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        free(keep(malloc(4242)));
        keep(malloc(4343)); /* live at exit */
        return 0;
    }
    free(keep(malloc(((size_t)1 << 30) + 4096))); /* over the format's limit: a comment, if it succeeds */
    /* With the address space capped, a realloc to 512 MiB fails: a stays
       live, unchanged (a size the format accepts, so a recorder that wrote
       it would go unnoticed by the reader). */
    struct rlimit cap = {(rlim_t)256 << 20, (rlim_t)256 << 20};
    if (setrlimit(RLIMIT_AS, &cap) != 0)
        return 2;
    volatile size_t half_gib = (size_t)1 << 29;
    char *a = keep(malloc(333));
    if (keep(realloc(a, half_gib)))
        return 3;
    free(a);
    volatile size_t odd_align = 24; /* glibc rounds it up to 32 */
    free(keep(memalign(odd_align, 1000)));
    free(keep(pvalloc(5000)));
    free(keep(valloc(100)));
    free(keep(calloc(10, 10)));
    free(keep(reallocarray(NULL, 12, 10)));
    void *x = NULL;
    if (posix_memalign(&x, 64, 10) == 0)
        free(keep(x));
    /* guard comes from the top chunk, right after big: big cannot grow in
       place, so the realloc moves it, and 60000 + 50000 + 100000 bytes are
       live during the copy. */
    char *big = keep(malloc(60000)), *guard = keep(malloc(50000));
    char *moved = keep(realloc(big, 100000));
    if (!moved || moved == big)
        return 4;
    free(moved);
    free(guard);
    pid_t child = fork(); /* a file of its own, whole although _exit skips the destructors */
    if (child == 0) {
        keep(malloc(5151));
        _exit(0);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
        return 6;
    keep(malloc(7777)); /* the last line before the exec */
    char *args[] = {argv[0], "after-exec", NULL};
    execv("/proc/self/exe", args);
    return 5;
}
