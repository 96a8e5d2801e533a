/*
 * results.c - atomic result files and a small streaming JSON writer.
 */
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"
#include "buildinfo.h"

int hb_afile_open(struct hb_afile *a, const char *path)
{
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->f = fopen(a->tmp, "w");
    return a->f ? 0 : -1;
}

int hb_afile_commit(struct hb_afile *a)
{
    int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
    bad |= fclose(a->f) != 0;
    a->f = NULL;
    if (bad || rename(a->tmp, a->path) != 0) {
        remove(a->tmp);
        return -1;
    }
    return 0;
}

void hb_afile_abort(struct hb_afile *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    remove(a->tmp);
}

void hb_json_init(struct hb_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void item(struct hb_json *j, const char *key)
{
    if (j->count[j->depth]++)
        fputc(',', j->f);
    if (j->depth) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    if (key) {
        put_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(struct hb_json *j, const char *key, char c)
{
    item(j, key);
    fputc(c, j->f);
    j->count[++j->depth] = 0;
}

static void close_(struct hb_json *j, char c)
{
    int had = j->count[j->depth--];
    if (had) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc(c, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void hb_json_obj(struct hb_json *j, const char *key)
{
    open_(j, key, '{');
}
void hb_json_arr(struct hb_json *j, const char *key)
{
    open_(j, key, '[');
}
void hb_json_end_obj(struct hb_json *j)
{
    close_(j, '}');
}
void hb_json_end_arr(struct hb_json *j)
{
    close_(j, ']');
}

void hb_json_str(struct hb_json *j, const char *key, const char *v)
{
    item(j, key);
    if (v)
        put_string(j->f, v);
    else
        fputs("null", j->f);
}

void hb_json_num(struct hb_json *j, const char *key, double v)
{
    item(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.6g", v);
    else
        fputs("null", j->f);
}

void hb_json_int(struct hb_json *j, const char *key, int64_t v)
{
    item(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void hb_json_uint(struct hb_json *j, const char *key, uint64_t v)
{
    item(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void hb_json_bool(struct hb_json *j, const char *key, int v)
{
    item(j, key);
    fputs(v ? "true" : "false", j->f);
}

void hb_json_null(struct hb_json *j, const char *key)
{
    item(j, key);
    fputs("null", j->f);
}

void hb_json_env_common(struct hb_json *j, const char *commit, uint64_t seed, const char *started)
{
    struct utsname u;
    int have_uname = uname(&u) == 0;
    hb_json_str(j, "target", HB_TARGET);
    hb_json_str(j, "arch", HB_ARCH_NAME);
    hb_json_str(j, "endian", HB_ENDIAN_NAME);
    hb_json_uint(j, "word_bytes", HB_WORD_BYTES);
    hb_json_str(j, "compiler", HB_COMPILER);
    hb_json_str(j, "flags", HB_FLAGS);
    hb_json_str(j, "build_type", HB_BUILD_TYPE);
    hb_json_str(j, "commit", commit);
    hb_json_uint(j, "seed", seed);
    hb_json_str(j, "emulator", HB_EMULATOR[0] ? HB_EMULATOR : NULL);
    hb_json_str(j, "host", have_uname ? u.nodename : NULL);
    hb_json_str(j, "started", started);
}
