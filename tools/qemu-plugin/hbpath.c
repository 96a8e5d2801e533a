/*
 * hbpath.c - heapbench's path-length plugin for QEMU user mode (TCG plugin
 * API version 1, QEMU 7.2).  Built for the host as a shared object; loaded
 * with  qemu-<arch> -plugin libhbpath.so,out=FILE  PROGRAM ...
 *
 * It counts every guest instruction executed (one inline 64-bit add per
 * instruction into one global counter: exact, identical across runs, and
 * valid because the measured program is single-threaded) and watches the
 * marker functions of harness/bench/pathlen.h.  Markers come in pairs, one
 * pair per operation kind; the kind is in the symbol name, because the API
 * can read neither guest registers nor guest memory:
 *
 *   hb_mark_<kind>_begin   remember the counter
 *   hb_mark_<kind>_end     append one record: 8 bytes, little-endian, the low
 *                          byte the kind letter, the upper 56 bits the count
 *                          (counter - remembered)
 *   hb_mark_flush          flush FILE, so the guest can read what is there
 *   hb_mark_mm_begin/end   inside a pair: the memory manager's instructions
 *                          (a heap growing through get_pages) are left out
 *                          of the count, and the record's kind letter is
 *                          lower case ('a', 'f'): the call reached the
 *                          memory manager
 *
 * The guest knows its own operation sequence and joins the counts with it
 * by order.  A called function always starts a translation block, so a
 * marker is recognised at the first instruction of a block whose symbol
 * (qemu_plugin_insn_symbol: the main binary's symbols only, so the guest
 * is static and unstripped) is a marker, at the address first seen for it.
 * An end without its begin writes kind '?', which the guest treats as an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum { MARK_BEGIN, MARK_END, MARK_FLUSH, MARK_MM_BEGIN, MARK_MM_END };

struct marker {
    const char *symbol;
    char kind;      /* letter written to the file */
    int action;     /* MARK_* */
    uint64_t entry; /* first address seen (0: not yet) */
};

static struct marker markers[] = {
    {"hb_mark_alloc_begin", 'A', MARK_BEGIN, 0}, {"hb_mark_alloc_end", 'A', MARK_END, 0},
    {"hb_mark_free_begin", 'F', MARK_BEGIN, 0},  {"hb_mark_free_end", 'F', MARK_END, 0},
    {"hb_mark_cal_begin", 'C', MARK_BEGIN, 0},   {"hb_mark_cal_end", 'C', MARK_END, 0},
    {"hb_mark_probe_begin", 'P', MARK_BEGIN, 0}, {"hb_mark_probe_end", 'P', MARK_END, 0},
    {"hb_mark_flush", 0, MARK_FLUSH, 0},         {"hb_mark_mm_begin", 0, MARK_MM_BEGIN, 0},
    {"hb_mark_mm_end", 0, MARK_MM_END, 0},
};

static uint64_t insns;      /* every guest instruction executed */
static uint64_t started;    /* insns at the open begin marker */
static char open_kind;      /* kind of the open pair, 0: none */
static uint64_t mm_started; /* insns at hb_mark_mm_begin */
static uint64_t mm_insns;   /* the memory manager's, inside the open pair */
static int mm_calls;        /* memory manager calls inside the open pair */
static FILE *out;
static uint64_t pairs;

static void put_record(char kind, uint64_t count)
{
    unsigned char b[8];
    uint64_t v = count << 8 | (unsigned char)kind;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    fwrite(b, 1, sizeof b, out);
}

static void on_marker(unsigned int vcpu, void *udata)
{
    const struct marker *m = udata;
    (void)vcpu;
    switch (m->action) {
    case MARK_BEGIN:
        open_kind = m->kind;
        started = insns;
        mm_insns = 0;
        mm_calls = 0;
        break;
    case MARK_MM_BEGIN:
        mm_started = insns;
        break;
    case MARK_MM_END:
        mm_insns += insns - mm_started;
        mm_calls++;
        break;
    case MARK_END:
        if (open_kind != m->kind)
            put_record('?', 0);
        else if (mm_calls)
            put_record((char)(m->kind - 'A' + 'a'), insns - started - mm_insns);
        else
            put_record(m->kind, insns - started);
        open_kind = 0;
        pairs++;
        break;
    default:
        fflush(out);
        break;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (i == 0) {
            const char *sym = qemu_plugin_insn_symbol(insn);
            if (sym && strncmp(sym, "hb_mark_", 8) == 0) {
                uint64_t va = qemu_plugin_insn_vaddr(insn);
                for (size_t k = 0; k < sizeof markers / sizeof *markers; k++) {
                    struct marker *m = &markers[k];
                    if (strcmp(sym, m->symbol) != 0)
                        continue;
                    if (!m->entry)
                        m->entry = va;
                    if (m->entry == va)
                        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, m);
                }
            }
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns, 1);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    if (out) {
        fflush(out);
        fclose(out);
        out = NULL;
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL;
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            path = argv[i] + 4;
    if (!path) {
        fprintf(stderr, "hbpath: needs out=FILE (qemu-<arch> -plugin libhbpath.so,out=FILE ...)\n");
        return -1;
    }
    out = fopen(path, "w");
    if (!out) {
        perror(path);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
