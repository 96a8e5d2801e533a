/*
 * replay.h - record the heap calls a failing case made, shrink them to a
 * short sequence that still fails the same way, write it as a text file, and
 * replay such a file through the fixture.
 *
 * Recording: in the case's child the fixture talks to the heap through a
 * proxy ops table (hb_replay_record_start) that logs every call that changes
 * the heap - create, alloc (size, alignment, tag), free (of which earlier
 * allocation, or of which bad pointer), expand, contract - into the shared
 * result area of the supervisor, before the call is made, so the log
 * survives however the child dies.  fx_setup adds the fixture's options
 * (hb_replay_note_setup), and the fixture's helpers for what a case does
 * beyond alloc and free add their own lines (hb_replay_note_action,
 * hb_replay_mark_next): a whole-heap verification, a byte flipped for
 * check() to find, a metadata snapshot and the check() hunt over it, a
 * memory manager limit, bulk allocs and frees outside the shadow, the
 * counter, drain and contract verdicts.  Read-only calls (stats, walk,
 * check, usable_size) are not logged: the fixture function that made them
 * makes them again.
 *
 * Replaying does what the case did, through the same fixture functions
 * (fx_alloc, fx_free, fx_verify, fx_contract, ...): the heap is checked
 * where and as the case checked it, so the replay fails at the same check
 * (source line), signal or sanitizer error as the case.  Setting up a
 * second fixture also checks that the first one's stats did not move.
 *
 * Shrinking: the operations after the one that failed are dropped (they
 * never ran; not after a timeout, which may have cut a slow sequence short
 * before its hang); a long run of repeated operations (below) is bisected to the
 * fewest repetitions that still fail; then the shortest failing suffix of
 * 1, 2, 4, ... operations; then delta debugging (ddmin) over what is left,
 * each trial replayed in a supervised child; a trial counts when it fails
 * with the same kind of failure as the full sequence
 * (hb_replay_failure_kind); a hang counts only in a trial that had the
 * whole time limit.  Operations whose allocation a trial dropped
 * become no-ops, so every subset is a valid sequence, and such orphans are
 * dropped from the result.  Bounded by trials and wall time.
 *
 * File format (one operation a line; '#' starts a comment):
 *   seed N
 *   setup initial BYTES max BYTES arena PAGES placement contiguous|scattered checked 0|1
 *   alloc #ID SIZE ALIGN "tag"|- [ok|null]  the ID names the block for later lines;
 *                                    ok: the case requires a block, null: NULL
 *   free #ID                         free a live block (checked)
 *   raw-alloc #ID SIZE ALIGN "tag"|- [ok]  bulk alloc and free straight to the heap, outside
 *   raw-free #ID                       the shadow: only the counters are kept (fx_raw_alloc)
 *   free-null
 *   free-again #ID                   double free of a freed block
 *   bad-free #ID +OFFSET             a pointer inside live block ID
 *   bad-free initial +|-OFFSET       a pointer relative to the initial block
 *   bad-free abs 0xADDR
 *   expand BYTES ok|failed           pages from the memory manager, then expand: it must
 *                                    succeed and grow the pool by BYTES (fx_expand)
 *   contract [all]                   its result must match what the manager got back;
 *                                    all: only the initial block may remain (fx_contract)
 *   create [BYTES]                   rebuild the heap over its initial block (its first BYTES)
 *   verify                           the whole heap against the shadow (fx_verify)
 *   poke-check #ID +|-OFFSET         flip the byte at block ID + OFFSET: check() must
 *                                    report HB_ECORRUPT, then HB_OK once it is back
 *   snapshot                         copy the initial block; check-looks flips each byte
 *   check-looks                        of metadata written since: check() must notice one
 *   mm-limit BYTES                   the memory manager lends BYTES more than now, no more
 *   expect-counters                  stats' allocs, frees and live equal the suite's counts
 *   expect-drained                   free bytes and largest extent as on the fresh heap
 *   repeat LINES TIMES +|-STEP       the LINES operations above, TIMES more times, every
 *                                    #ID in them moved by STEP more each time
 * A case may set up several fixtures (heaps): the N-th setup line starts
 * fixture N-1, and a line that applies to a fixture other than the first
 * ends with @K.  A free of a live block of another fixture is a bad free.
 */
#ifndef HEAPBENCH_REPLAY_H
#define HEAPBENCH_REPLAY_H

#include <stdio.h>

#include "suite.h"
#include "supervise.h"

/* Bytes of shared result area the recording needs (pass to hb_sv_create). */
size_t hb_replay_log_bytes(void);
/* Parent, before each recorded run: empty the log. */
void hb_replay_log_clear(struct hb_sv *sv);

/* Child: start recording the calls f makes; returns the ops table f must
   use (a proxy of real). */
const struct hb_heap_ops *hb_replay_record_start(const struct hb_heap_ops *real, struct fx *f);
/* Child, from fx_setup: the fixture's options (no-op when not recording). */
void hb_replay_note_setup(const struct fx_opts *o);
/* Child, from the fixture's helpers (suite.h): a case action or verdict
   that is no heap call, on fixture f (no-op when not recording).  block:
   the live block POKE_CHECK flips a byte of (arg: the offset); MM_LIMIT:
   arg bytes. */
enum hb_replay_action {
    HB_RA_VERIFY,
    HB_RA_POKE_CHECK,
    HB_RA_SNAPSHOT,
    HB_RA_CHECK_LOOKS,
    HB_RA_MM_LIMIT,
    HB_RA_EXPECT_COUNTERS,
    HB_RA_EXPECT_DRAINED
};
void hb_replay_note_action(const struct fx *f, enum hb_replay_action a, const void *block, int64_t arg);
/* Child: what the next alloc, free or contract is (HB_REPLAY_* bits). */
enum {
    HB_REPLAY_RAW = 1,      /* alloc, free: a bulk one (fx_raw_alloc, fx_raw_free) */
    HB_REPLAY_NOT_NULL = 2, /* alloc: the case requires a block (fx_alloc_expect) */
    HB_REPLAY_NULL = 4,     /* alloc: the case requires NULL */
    HB_REPLAY_ALL = 1       /* contract: only the initial block may remain (fx_contract) */
};
void hb_replay_mark_next(int flags);

/* What makes two failures "the same": the check and its source line, the
   signal, the sanitizer's error and where, a stack overflow, a timeout. */
void hb_replay_failure_kind(const struct hb_sv_outcome *o, char *buf, size_t len);

struct hb_replay; /* a sequence of operations */

/* Parent, after a recorded run: the logged sequence, or NULL with why. */
struct hb_replay *hb_replay_from_log(struct hb_sv *sv, uint64_t seed, char *why, size_t why_len);
/* A replay file, or NULL with why (file and line named). */
struct hb_replay *hb_replay_load(const char *path, char *why, size_t why_len);
void hb_replay_free(struct hb_replay *r);
size_t hb_replay_length(const struct hb_replay *r);
uint64_t hb_replay_seed(const struct hb_replay *r);

/* Replays r on ops in a supervised child, verifying the whole heap after
   every operation. */
int hb_replay_run(struct hb_sv *sv, const struct hb_heap_ops *ops, const struct hb_replay *r, double timeout,
                  struct hb_sv_outcome *out);

struct hb_replay_shrink {
    double budget; /* wall seconds for all trials */
    unsigned max_trials;
    double trial_timeout;
    /* results */
    size_t original, final;
    unsigned trials;
    double seconds;
    int reproduced; /* the full sequence fails under replay */
    char kind[160]; /* the kind of failure kept */
};
/* Shrinks r in place (ddmin). */
void hb_replay_shrink(struct hb_sv *sv, const struct hb_heap_ops *ops, struct hb_replay *r, struct hb_replay_shrink *s);

/* Writes r to path (through a temporary file and a rename); the header
   comment says where it came from.  0, or -1 with why. */
int hb_replay_write(const struct hb_replay *r, const char *path, const char *header, char *why, size_t why_len);

#endif
