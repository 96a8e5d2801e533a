/*
 * fuzz_replay.c - hb_fuzz_replay: runs fuzz inputs (files, or every file of
 * a folder) through the same body as the libFuzzer target, without
 * libFuzzer: CTest runs it over the committed corpus on every target.
 *
 *   hb_fuzz_replay [--heap NAME]... PATH...
 *
 * Each --heap runs every input on that heap (debug:NAME too); without one,
 * each input's first byte picks the registered heap.  Prints one line per
 * failing input (the file, then what broke) and a summary; exit status 0
 * when every input passed, 1 when one failed, 2 for bad usage or an
 * unreadable file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_ops.h"
#include "registry.h"

#define MAX_HEAPS 64
#define MAX_INPUT ((size_t)1 << 20)

static const struct hb_heap_ops *heaps[MAX_HEAPS];
static size_t nheaps;
static unsigned inputs, failures;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "hb_fuzz_replay: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    static uint8_t buf[MAX_INPUT];
    size_t n = fread(buf, 1, sizeof buf, f);
    int err = ferror(f) || (n == sizeof buf && fgetc(f) != EOF);
    fclose(f);
    if (err) {
        fprintf(stderr, "hb_fuzz_replay: %s: unreadable, or longer than %zu bytes\n", path, MAX_INPUT);
        return 2;
    }
    char why[512];
    for (size_t i = 0; i < (nheaps ? nheaps : 1); i++) {
        const struct hb_heap_ops *ops = nheaps ? heaps[i] : hb_fuzz_pick_heap(NULL, buf, n);
        inputs++;
        if (hb_fuzz_run(ops, buf, n, why, sizeof why) != 0) {
            printf("FAIL %s: %s\n", path, why);
            failures++;
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "hb_fuzz_replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "hb_fuzz_replay: cannot read folder %s: %s\n", path, strerror(errno));
        return 2;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = 2;
                break;
            }
            names = grown;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        if (!names[count]) {
            rc = 2;
            break;
        }
        snprintf(names[count++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name); /* the same order everywhere */
    for (size_t i = 0; i < count; i++) {
        if (!rc)
            rc = replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--heap")) {
            const struct hb_heap_ops *ops = i + 1 < argc ? hb_fuzz_pick_heap(argv[i + 1], NULL, 0) : NULL;
            if (!ops || nheaps == MAX_HEAPS) {
                fprintf(stderr, "hb_fuzz_replay: --heap: unknown heap '%s'; registered heaps: ",
                        i + 1 < argc ? argv[i + 1] : "");
                hb_print_heap_names(stderr);
                fprintf(stderr, "\n");
                return 2;
            }
            heaps[nheaps++] = ops;
            i++;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: hb_fuzz_replay [--heap NAME]... FILE|FOLDER...\n");
            return 2;
        } else {
            argv[npaths++] = argv[i];
        }
    }
    if (!npaths) {
        fprintf(stderr, "usage: hb_fuzz_replay [--heap NAME]... FILE|FOLDER...\n");
        return 2;
    }
    for (int i = 0; i < npaths; i++) {
        int rc = replay_path(argv[i]);
        if (rc)
            return rc;
    }
    printf("hb_fuzz_replay: %u runs (inputs x heaps), %u failed\n", inputs, failures);
    return failures ? 1 : 0;
}
