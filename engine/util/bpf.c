/*
 * bpf.c — BPF filters: one program per link type, compiled on first use with
 * pcap_compile() against a "dead" pcap handle of that link type, applied with
 * pcap_offline_filter() (the same interpreter tcpdump -r uses).
 *
 * Gotchas:
 * - Capture files store LINKTYPE_ values; pcap_open_dead() takes DLT_ values.
 *   They differ for raw IP (LINKTYPE_RAW 101, DLT_RAW 12 or 14) and a few
 *   others; link_to_dlt() maps the ones the library decodes, as libpcap's
 *   own reader does for tcpdump.
 * - pcap_compile() was not thread-safe before libpcap 1.8, and extract runs
 *   captures on several threads: compiling holds one global lock.
 */
#include "bpf.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>

/* The snap length the programs are compiled for (tcpdump's default). */
#define TS_BPF_SNAPLEN 262144

/* A program for one link type; `ok` false: it does not compile for it. */
typedef struct {
    int linktype;
    bool ok;
    struct bpf_program program;
} compiled;

struct ts_bpf {
    char *expression;
    GArray *programs; /* compiled, a handful at most */
    char *warning;
};

static GMutex compile_lock;

/* The DLT_ value pcap_open_dead() wants for a file's LINKTYPE_ value. */
static int
link_to_dlt(int linktype)
{
    switch (linktype) {
    case TS_LINKTYPE_RAW:
    case TS_LINKTYPE_RAW_12:
    case TS_LINKTYPE_RAW_14: return DLT_RAW;
    case TS_LINKTYPE_PPP_HDLC: return DLT_PPP_SERIAL;
    case TS_LINKTYPE_C_HDLC: return DLT_C_HDLC;
    case TS_LINKTYPE_LOOP: return DLT_LOOP;
    default: return linktype;
    }
}

/* Compiles `expression` for `linktype` into *program; on failure returns
 * false with pcap's reason in *reason (caller frees). */
static bool
compile_for(const char *expression, int linktype, struct bpf_program *program, char **reason)
{
    g_mutex_lock(&compile_lock);
    pcap_t *dead = pcap_open_dead(link_to_dlt(linktype), TS_BPF_SNAPLEN);
    bool ok = dead != NULL && pcap_compile(dead, program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (!ok)
        *reason = g_strdup(dead != NULL ? pcap_geterr(dead) : "libpcap cannot open link type");
    if (dead != NULL)
        pcap_close(dead);
    g_mutex_unlock(&compile_lock);
    return ok;
}

/* Compiles a filter, checked for Ethernet then raw IP (see bpf.h). */
ts_bpf *
ts_bpf_new(const char *expression, GError **error)
{
    char *reason = NULL;
    struct bpf_program probe;
    int first = TS_LINKTYPE_ETHERNET;
    if (!compile_for(expression, first, &probe, &reason)) {
        g_free(reason);
        reason = NULL;
        first = TS_LINKTYPE_RAW;
        if (!compile_for(expression, first, &probe, &reason)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "filter '%s': %s",
                        expression, reason);
            g_free(reason);
            return NULL;
        }
    }
    ts_bpf *f = g_new0(ts_bpf, 1);
    f->expression = g_strdup(expression);
    f->programs = g_array_new(FALSE, FALSE, sizeof(compiled));
    compiled c = {first, true, probe};
    g_array_append_val(f->programs, c);
    return f;
}

/* The program for `linktype`, compiled now if it is the first use. */
static const compiled *
program_for(ts_bpf *f, int linktype)
{
    for (guint i = 0; i < f->programs->len; i++) {
        const compiled *c = &g_array_index(f->programs, compiled, i);
        if (c->linktype == linktype)
            return c;
    }
    compiled c = {linktype, false, {0, NULL}};
    char *reason = NULL;
    c.ok = compile_for(f->expression, linktype, &c.program, &reason);
    if (!c.ok && f->warning == NULL)
        f->warning = g_strdup_printf("filter '%s' does not apply to link type %d (%s); no frame "
                                     "of it was selected",
                                     f->expression, linktype, reason);
    g_free(reason);
    g_array_append_val(f->programs, c);
    return &g_array_index(f->programs, compiled, f->programs->len - 1);
}

/* Whether `frame` matches; see bpf.h. */
bool
ts_bpf_match(ts_bpf *f, const ts_frame *frame)
{
    const compiled *c = program_for(f, frame->linktype);
    if (!c->ok)
        return false;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = frame->caplen;
    h.len = frame->origlen;
    return pcap_offline_filter(&c->program, &h, frame->data) != 0;
}

const char *
ts_bpf_warning(const ts_bpf *f)
{
    return f->warning;
}

const char *
ts_bpf_expression(const ts_bpf *f)
{
    return f->expression;
}

void
ts_bpf_free(ts_bpf *f)
{
    if (f == NULL)
        return;
    for (guint i = 0; i < f->programs->len; i++) {
        compiled *c = &g_array_index(f->programs, compiled, i);
        if (c->ok)
            pcap_freecode(&c->program);
    }
    g_array_free(f->programs, TRUE);
    g_free(f->warning);
    g_free(f->expression);
    g_free(f);
}

/* ---- writing the selected frames ------------------------------------------ */

typedef struct {
    ts_bpf *filter;
    const char *out;
    pcap_t *dead;
    pcap_dumper_t *dumper;
    int linktype;
    uint64_t written;
    GError *error; /* the first failure; frames after it are not written */
} selection_writer;

static bool
writer_select(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    return ts_bpf_match(((selection_writer *)user)->filter, f);
}

/* Opens the output for frames of `linktype`; false with w->error set. */
static bool
open_dumper(selection_writer *w, int linktype)
{
    w->linktype = linktype;
    w->dead = pcap_open_dead_with_tstamp_precision(link_to_dlt(linktype), TS_BPF_SNAPLEN,
                                                   PCAP_TSTAMP_PRECISION_NANO);
    w->dumper = w->dead != NULL ? pcap_dump_open(w->dead, w->out) : NULL;
    if (w->dumper == NULL)
        g_set_error(&w->error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", w->out,
                    w->dead != NULL ? pcap_geterr(w->dead) : "cannot write a capture");
    return w->dumper != NULL;
}

/* The frame callback: one record per selected frame. */
static void
writer_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    selection_writer *w = user;
    if (f == NULL || w->error != NULL)
        return;
    if (w->dumper == NULL && !open_dumper(w, f->linktype))
        return;
    if (f->linktype != w->linktype) {
        g_set_error(&w->error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: the selected frames have link types %d and %d; a pcap file holds one",
                    w->out, w->linktype, f->linktype);
        return;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(f->ts_ns / 1000000000);
    h.ts.tv_usec = (suseconds_t)(f->ts_ns % 1000000000); /* nanoseconds: see the precision */
    h.caplen = f->caplen;
    h.len = f->origlen;
    pcap_dump((u_char *)w->dumper, &h, f->data);
    w->written++;
}

/* Flushes and closes the output; false with w->error set on a write error. */
static void
close_dumper(selection_writer *w)
{
    if (w->dumper != NULL) {
        bool failed = pcap_dump_flush(w->dumper) != 0 || ferror(pcap_dump_file(w->dumper));
        if (failed && w->error == NULL)
            g_set_error(&w->error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", w->out,
                        g_strerror(errno));
        pcap_dump_close(w->dumper);
    }
    if (w->dead != NULL)
        pcap_close(w->dead);
}

bool
ts_bpf_write_selected(const char *expression, const char *in, const char *out, uint64_t *selected,
                      GError **error)
{
    selection_writer w = {.out = out};
    w.filter = ts_bpf_new(expression, error);
    if (w.filter == NULL)
        return false;
    ts_options opts;
    ts_options_init(&opts);
    ts_callbacks cb = {.frame = writer_frame, .select_frame = writer_select};
    ts_engine *engine = ts_engine_new(&opts, &cb, &w);
    GError *read_error = NULL;
    bool ok = ts_engine_run_file(engine, in, &read_error);
    ts_engine_free(engine);
    if (ok && w.error == NULL && w.dumper == NULL)
        open_dumper(&w, TS_LINKTYPE_ETHERNET); /* nothing selected: an empty capture */
    close_dumper(&w);
    ts_bpf_free(w.filter);
    if (!ok) {
        g_clear_error(&w.error);
        g_propagate_error(error, read_error);
    } else if (w.error != NULL) {
        ok = false;
        g_propagate_error(error, w.error);
    } else {
        *selected = w.written;
    }
    if (!ok)
        g_unlink(out);
    return ok;
}
