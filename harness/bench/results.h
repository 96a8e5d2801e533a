/*
 * results.h - atomic result files and a small streaming JSON writer.
 */
#ifndef HEAPBENCH_RESULTS_H
#define HEAPBENCH_RESULTS_H

#include <stdint.h>
#include <stdio.h>

/* A file written as path.tmp.<pid> and renamed onto path by hb_afile_commit,
   so a reader never sees half a file: either the old one, or the whole new. */
struct hb_afile {
    FILE *f;
    char path[1024], tmp[1060];
};

int hb_afile_open(struct hb_afile *a, const char *path);
int hb_afile_commit(struct hb_afile *a); /* flush, fsync, rename; 0 on success */
void hb_afile_abort(struct hb_afile *a); /* close and remove the temp file */

struct hb_json {
    FILE *f;
    int depth;
    int count[32]; /* items written at each depth */
};

void hb_json_init(struct hb_json *j, FILE *f);
/* key is NULL inside arrays (and for the top-level value). */
void hb_json_obj(struct hb_json *j, const char *key);
void hb_json_arr(struct hb_json *j, const char *key);
void hb_json_end_obj(struct hb_json *j);
void hb_json_end_arr(struct hb_json *j);
void hb_json_str(struct hb_json *j, const char *key, const char *v); /* NULL -> null */
void hb_json_num(struct hb_json *j, const char *key, double v);      /* NaN/inf -> null */
void hb_json_int(struct hb_json *j, const char *key, int64_t v);
void hb_json_uint(struct hb_json *j, const char *key, uint64_t v);
void hb_json_bool(struct hb_json *j, const char *key, int v);
void hb_json_null(struct hb_json *j, const char *key);

/* The environment fields every results file shares (target, arch, endian,
   word size, compiler, flags, build type, commit, seed, emulator, host,
   start time), written into the object being built. */
void hb_json_env_common(struct hb_json *j, const char *commit, uint64_t seed, const char *started);

#endif
