/*
 * cmd_follow.c — `tcpsession follow CAPTURE STREAM [--mode ascii|hex|raw|yaml]`:
 * one session printed exactly as `tshark -q -z follow,tcp,MODE,STREAM` prints
 * it, so the two can be diffed.
 *
 * Records are our deliveries, one per piece of a packet delivered in order
 * (tshark's records: consecutive segments of one side are not merged;
 * an out-of-order segment appears when the hole before it is filled, with its
 * own frame number and time). A gap becomes tshark's stand-in text
 * "[N bytes missing in capture file]" plus a NUL byte (time 0), printed
 * before the data that follows the hole. As in tshark, that data waits for a
 * packet of the other side acknowledging beyond its start, which numbers the
 * stand-in; data still waiting when the session ends is printed then (tshark
 * drops it), and a gap that no data follows is not shown (neither does
 * tshark). Node 0 is the sender of the session's first packet. The output
 * streams as the capture is read: records wait only until the packet that
 * released them has been seen.
 *
 * Under --overlap last a later copy may rewrite delivered bytes (the rewrite
 * callback), as it does the kept payload of `extract`: records then wait,
 * bytes patched in place, until they fall out of the engine's comparison
 * window (more than --retransmission-window bytes of their direction
 * delivered after them), or the session ends (an unlimited window).
 */
#include "cli.h"
#include "formats/follow_text.h"
#include "util/tshark_text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int dir; /* ts_direction of the sender */
    bool gap;
    uint64_t frame; /* 0 for a gap: the packet that releases it */
    int64_t ts_ns;
    size_t start, len; /* in follow_state.bytes; a held gap: len 0 until released */
    uint64_t missing;  /* a held gap: bytes missing */
    uint64_t offset;   /* a held gap: stream offset of the data after it */
    uint64_t index;    /* data: position among the direction's delivered bytes */
    bool has_data;     /* a held gap: data follows it */
} record;

/* A direction's data held after gaps until the other side acknowledges it:
 * records [gap, data..., gap, data...]. */
typedef struct {
    bool active;
    GArray *queue; /* record */
} hold_state;

typedef struct {
    uint64_t stream;
    ts_follow_mode mode;
    ts_session *target;
    bool found, header_done, done;
    int node0_dir;         /* direction of the first packet's sender */
    bool base_set[2];      /* base[] is known */
    uint32_t base[2];      /* sequence number of stream offset 0, per direction */
    uint32_t pos[2];       /* hex offsets per node */
    hold_state hold[2];    /* per direction */
    GArray *queue;         /* record */
    GArray *ready;         /* record: released, waiting out rewrites (--overlap last) */
    uint64_t delivered[2]; /* bytes delivered per direction */
    size_t compact_at;     /* bytes->len that triggers dropping printed bytes */
    GByteArray *bytes;     /* data of the queued, held and ready records */
    GString *out;
    FILE *stdout_file;
    bool write_failed;
    ts_options opts;   /* the reassembly options given */
    ts_selection *sel; /* --filter; NULL: every frame */
} follow_state;

/* ts_callbacks.select_frame: --filter. */
static bool
on_select_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    return ts_selection_frame(((follow_state *)user)->sel, f);
}

/* ts_callbacks.select_session: only the stream followed keeps its bytes. */
static bool
on_select_session(void *user, const ts_session *s)
{
    return ts_session_stream(s) == ((const follow_state *)user)->stream;
}

static void
emit(follow_state *st)
{
    if (st->out->len > 0 && fwrite(st->out->str, 1, st->out->len, st->stdout_file) != st->out->len)
        st->write_failed = true;
    g_string_truncate(st->out, 0);
}

static void
print_header(follow_state *st, const ts_session *s)
{
    const ts_endpoint *node[2] = {NULL, NULL};
    if (s != NULL) {
        const ts_endpoint *ep[2] = {ts_session_client(s), ts_session_server(s)};
        node[0] = ep[st->node0_dir];
        node[1] = ep[!st->node0_dir];
    }
    ts_follow_append_header(st->out, st->mode, st->stream, node);
    st->header_done = true;
}

/* Least bytes->len at which bytes no record uses any more are dropped. */
#define COMPACT_MIN ((size_t)1 << 20)

static void
format_record(follow_state *st, const record *r, uint64_t frame)
{
    int node = r->dir == st->node0_dir ? 0 : 1;
    ts_follow_append_record(st->out, st->mode, node, frame, r->ts_ns, st->bytes->data + r->start,
                            r->len, &st->pos[node]);
}

/* Whether record `r` can no longer be rewritten: a gap, or data more than
 * the comparison window behind the bytes its direction delivered since
 * (the engine compares, and rewrites, nothing further back). */
static bool
settled(const follow_state *st, const record *r)
{
    uint64_t w = st->opts.retransmission_window;
    return r->gap || (w != 0 && r->index + r->len + w <= st->delivered[r->dir]);
}

/* Prints the ready records that can no longer change, in order (all of
 * them when `all`). */
static void
print_ready(follow_state *st, bool all)
{
    guint i = 0;
    for (; i < st->ready->len; i++) {
        const record *r = &g_array_index(st->ready, record, i);
        if (!all && !settled(st, r))
            break;
        format_record(st, r, r->frame);
    }
    g_array_remove_range(st->ready, 0, i);
}

/* Prints records [from, to) of `queue`, gaps numbered `frame` (under
 * --overlap last: moves them to the ready list). */
static void
print_range(follow_state *st, const GArray *queue, guint from, guint to, uint64_t frame)
{
    for (guint i = from; i < to; i++) {
        record r = g_array_index(queue, record, i);
        if (r.gap)
            r.frame = frame;
        if (st->ready != NULL)
            g_array_append_val(st->ready, r);
        else
            format_record(st, &r, r.frame);
    }
}

/* Prints and empties `queue`. */
static void
print_records(follow_state *st, GArray *queue, uint64_t frame)
{
    print_range(st, queue, 0, queue->len, frame);
    g_array_set_size(queue, 0);
}

/* The record lists whose bytes are in st->bytes. */
#define N_LISTS 4
static void
record_lists(follow_state *st, GArray *lists[N_LISTS])
{
    lists[0] = st->queue;
    lists[1] = st->hold[0].queue;
    lists[2] = st->hold[1].queue;
    lists[3] = st->ready; /* may be NULL */
}

/* Drops the bytes before the first one a record still uses, once bytes->len
 * passed compact_at (which then doubles): amortized, whatever stays held. */
static void
compact(follow_state *st)
{
    if (st->bytes->len < st->compact_at)
        return;
    GArray *lists[N_LISTS];
    record_lists(st, lists);
    size_t low = st->bytes->len;
    for (int l = 0; l < N_LISTS; l++) {
        for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++) {
            const record *r = &g_array_index(lists[l], record, i);
            if (r->len > 0) /* a held gap uses none yet */
                low = MIN(low, r->start);
        }
    }
    g_byte_array_remove_range(st->bytes, 0, (guint)low);
    for (int l = 0; l < N_LISTS; l++) {
        for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++) {
            record *r = &g_array_index(lists[l], record, i);
            if (r->len > 0)
                r->start -= low;
        }
    }
    st->compact_at = MAX(COMPACT_MIN, 2 * (size_t)st->bytes->len);
}

static void
queue_record(follow_state *st, GArray *queue, int dir, bool gap, uint64_t frame, int64_t ts_ns,
             const uint8_t *data, size_t len)
{
    record r = {.dir = dir,
                .gap = gap,
                .frame = frame,
                .ts_ns = ts_ns,
                .start = st->bytes->len,
                .len = len};
    g_byte_array_append(st->bytes, data, (guint)len);
    g_array_append_val(queue, r);
}

/* Prints the held gaps of direction `dir` (and the data after each) that the
 * acknowledgement number `ack` passes (compared as sequence numbers, as
 * tshark does), numbered `frame`; everything when `all`. */
static void
release_hold(follow_state *st, int dir, uint32_t ack, uint64_t frame, bool all)
{
    hold_state *h = &st->hold[dir];
    guint i = 0;
    while (i < h->queue->len) {
        record *gap = &g_array_index(h->queue, record, i);
        g_assert(gap->gap);
        if (!all && (!gap->has_data || !ts_seq_after(ack, st->base[dir] + (uint32_t)gap->offset)))
            break;
        guint end = i + 1;
        while (end < h->queue->len && !g_array_index(h->queue, record, end).gap)
            end++;
        if (gap->has_data) {
            char text[TS_MISSING_TEXT_MAX];
            size_t n = ts_missing_bytes_text(gap->missing, text, sizeof text);
            gap->start = st->bytes->len;
            gap->len = n;
            g_byte_array_append(st->bytes, (const uint8_t *)text, (guint)n);
            print_range(st, h->queue, i, end, frame);
        }
        i = end;
    }
    g_array_remove_range(h->queue, 0, i);
    h->active = h->queue->len > 0;
}

/* Prints what may be printed after packet `frame` (0: the end). */
static void
flush(follow_state *st, uint64_t frame)
{
    print_records(st, st->queue, frame);
    if (st->ready != NULL)
        print_ready(st, false);
    if (!st->hold[0].active && !st->hold[1].active && (st->ready == NULL || st->ready->len == 0))
        g_byte_array_set_size(st->bytes, 0);
    else
        compact(st);
    emit(st);
}

static void
on_session_open(void *user, ts_session *s)
{
    follow_state *st = user;
    if (ts_session_stream(s) == st->stream && st->target == NULL && !st->done) {
        st->target = s;
        st->found = true;
    }
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    follow_state *st = user;
    if (s != st->target || d->length == 0)
        return;
    hold_state *h = &st->hold[d->from];
    if (h->active) {
        record *gap = &g_array_index(h->queue, record, h->queue->len - 1);
        if (gap->gap && !gap->has_data) {
            gap->has_data = true;
            gap->offset = d->offset;
        }
    }
    GArray *queue = h->active ? h->queue : st->queue;
    queue_record(st, queue, d->from, false, d->frame, d->ts_ns, d->data, d->length);
    g_array_index(queue, record, queue->len - 1).index = st->delivered[d->from];
    st->delivered[d->from] += d->length;
}

/* Overwrites the bytes of the records of `list` that `r` rewrites. */
static void
patch_records(follow_state *st, GArray *list, const ts_rewrite *r)
{
    for (guint i = 0; list != NULL && i < list->len; i++) {
        const record *rec = &g_array_index(list, record, i);
        if (rec->gap || rec->dir != (int)r->from)
            continue;
        uint64_t lo = MAX(rec->index, r->index);
        uint64_t hi = MIN(rec->index + rec->len, r->index + r->length);
        if (lo < hi)
            memcpy(st->bytes->data + rec->start + (lo - rec->index), r->data + (lo - r->index),
                   (size_t)(hi - lo));
    }
}

/* Under --overlap last: delivered bytes replaced; they are all in records
 * not printed yet (see settled()). */
static void
on_rewrite(void *user, ts_session *s, const ts_rewrite *r)
{
    follow_state *st = user;
    if (s != st->target)
        return;
    GArray *lists[N_LISTS];
    record_lists(st, lists);
    for (int l = 0; l < N_LISTS; l++)
        patch_records(st, lists[l], r);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *gap)
{
    follow_state *st = user;
    if (s != st->target)
        return;
    hold_state *h = &st->hold[gap->from];
    record *last = h->active ? &g_array_index(h->queue, record, h->queue->len - 1) : NULL;
    if (last != NULL && last->gap && !last->has_data) {
        last->missing += gap->length; /* no data between the two holes */
        return;
    }
    record r = {.dir = gap->from, .gap = true, .missing = gap->length};
    g_array_append_val(h->queue, r);
    h->active = true;
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    follow_state *st = user;
    if (s != st->target)
        return;
    int dir = p->from;
    if (!st->header_done) {
        st->node0_dir = dir;
        print_header(st, s);
    }
    st->base[dir] = p->seq + ((p->flags & 0x02) ? 1u : 0u) - (uint32_t)p->offset;
    st->base_set[dir] = true;
    /* tshark shows the other side's data after a hole once this side
       acknowledges beyond its start, before this packet's own data */
    if (st->hold[!dir].active && (p->flags & 0x10) && st->base_set[!dir])
        release_hold(st, !dir, p->ack, p->frame, false);
    flush(st, p->frame);
}

static void
on_session_done(void *user, ts_session *s)
{
    follow_state *st = user;
    if (s != st->target)
        return;
    if (!st->header_done) /* a session without TCP packet (an ICMP error) */
        print_header(st, s);
    print_records(st, st->queue, 0);
    for (int dir = 0; dir < 2; dir++)
        release_hold(st, dir, 0, 0, true);
    if (st->ready != NULL)
        print_ready(st, true);
    flush(st, 0);
    ts_follow_append_footer(st->out, st->mode);
    emit(st);
    st->target = NULL;
    st->done = true;
}

static const char follow_description[] =
    "Prints the session with stream number STREAM (Wireshark's tcp.stream) as\n"
    "tshark -q -z follow,tcp,MODE,STREAM prints it, byte for byte where the data\n"
    "agrees, so the two outputs can be compared with diff. Node 0 is the sender\n"
    "of the session's first packet. Where we deliver data after a hole, the hole\n"
    "shows as tshark's \"[N bytes missing in capture file]\" text.\n"
    "\n"
    "Modes: ascii (default), hex, raw, yaml.\n"
    "\n"
    "CAPTURE '-' is standard input. With --series, CAPTURE... STREAM: the\n"
    "captures are the parts of one rotated capture, as extract --series reads\n"
    "them, and STREAM is numbered across them.\n"
    "\n"
    "Exit status: 0 success, 1 the capture could not be read or has no such\n"
    "stream (tshark's empty output is printed), 2 usage error.";

/* Parses follow's command line: the mode into st->mode, the stream number
 * into st->stream, the capture and stream in *args; false with the exit
 * status in *status after --help or a usage error. */
static bool
parse_args(int argc, char **argv, follow_state *st, char ***args, int *status)
{
    g_autofree char *mode_text = NULL;
    gboolean series = FALSE;
    const GOptionEntry entries[] = {
        {"mode", 'm', 0, G_OPTION_ARG_STRING, &mode_text, "ascii (default), hex, raw or yaml",
         "MODE"},
        {"series", 0, 0, G_OPTION_ARG_NONE, &series,
         "The captures before STREAM (or a folder's, sorted by time) are consecutive parts of one "
         "capture: follow the stream in them as one",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    ts_cli_engine_args engine_args = {0};
    ts_cli_selection_args selection = {0};
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES], selection_rows[TS_CLI_SELECTION_ENTRIES];
    g_autofree GOptionEntry *more =
        ts_cli_join_entries(ts_cli_selection_entries(&selection, false, selection_rows),
                            ts_cli_engine_entries(&engine_args, true, engine_rows));
    bool parsed = ts_cli_parse_more("follow", "CAPTURE STREAM",
                                    "Prints one TCP session as tshark's Follow TCP Stream does.",
                                    follow_description, entries, more, argc, argv, args, status);
    ts_options_init(&st->opts);
    bool applied = parsed && ts_cli_engine_apply(&engine_args, "follow", &st->opts) &&
                   ts_cli_selection_check(&selection, "follow");
    if (applied)
        st->sel = ts_cli_selection_new(&selection);
    ts_cli_engine_args_clear(&engine_args);
    ts_cli_selection_args_clear(&selection);
    if (!parsed)
        return false;
    *status = TS_EXIT_USAGE;
    if (!applied)
        return false;
    if (mode_text != NULL && !ts_follow_mode_parse(mode_text, &st->mode)) {
        fprintf(stderr, "tcpsession: unknown mode '%s' (expected ascii, hex, raw or yaml)\n",
                mode_text);
        return false;
    }
    char **a = *args;
    char *end = NULL;
    guint n = g_strv_length(a);
    const char *stream = n >= 2 ? a[n - 1] : "";
    if (n < 2 || (n > 2 && !series) || !g_ascii_isdigit(stream[0]) ||
        (errno = 0, st->stream = g_ascii_strtoull(stream, &end, 10), errno != 0) || *end != '\0') {
        fprintf(stderr, "tcpsession: expected CAPTURE and a STREAM number\n"
                        "Try 'tcpsession follow --help' for more information.\n");
        return false;
    }
    g_free(a[n - 1]); /* *args keeps the captures only */
    a[n - 1] = NULL;
    if (series) {
        g_autoptr(GError) error = NULL;
        char **files = ts_cli_collect_captures(a, false, true, &error);
        if (files == NULL) {
            fprintf(stderr, "tcpsession: %s\n", error->message);
            *status = TS_EXIT_FAILURE;
            return false;
        }
        g_strfreev(a);
        *args = files;
    }
    return true;
}

/* Runs the engine over `capture`, printing the stream as it goes (and the
 * empty output when the capture has no such stream). */
static bool
follow_capture(follow_state *st, char *const *captures, GError **error)
{
    st->queue = g_array_new(FALSE, FALSE, sizeof(record));
    st->hold[0].queue = g_array_new(FALSE, FALSE, sizeof(record));
    st->hold[1].queue = g_array_new(FALSE, FALSE, sizeof(record));
    st->ready =
        st->opts.overlap == TS_OVERLAP_LAST ? g_array_new(FALSE, FALSE, sizeof(record)) : NULL;
    st->compact_at = COMPACT_MIN;
    st->bytes = g_byte_array_new();
    st->out = g_string_sized_new(1 << 16);
    st->stdout_file = stdout;
    ts_callbacks cb = {
        .session_open = on_session_open,
        .data = on_data,
        .rewrite = on_rewrite,
        .gap = on_gap,
        .packet = on_packet,
        .session_done = on_session_done,
        .select_session = on_select_session,
    };
    ts_cli_selection_wire(st->sel, &cb, on_select_frame, NULL);
    ts_engine *engine = ts_engine_new(&st->opts, &cb, st);
    bool ok = ts_cli_run_captures(engine, captures, error);
    ts_cli_print_warnings(engine, st->sel, ts_cli_capture_name(captures[0]));
    ts_engine_free(engine);
    if (!st->found && ok) {
        print_header(st, NULL);
        ts_follow_append_footer(st->out, st->mode);
        emit(st);
    }
    if (fflush(stdout) != 0)
        st->write_failed = true;
    g_array_unref(st->queue);
    if (st->ready != NULL)
        g_array_unref(st->ready);
    g_array_unref(st->hold[0].queue);
    g_array_unref(st->hold[1].queue);
    g_byte_array_unref(st->bytes);
    g_string_free(st->out, TRUE);
    return ok;
}

int
ts_cmd_follow(int argc, char **argv)
{
    follow_state st = {.mode = TS_FOLLOW_ASCII};
    g_auto(GStrv) args = NULL;
    int status = TS_EXIT_OK;
    if (!parse_args(argc, argv, &st, &args, &status))
        return status;
    g_autoptr(GError) error = NULL;
    bool ok = follow_capture(&st, args, &error);
    ts_selection_free(st.sel);
    if (!ok) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return TS_EXIT_FAILURE;
    }
    if (st.write_failed) {
        fprintf(stderr, "tcpsession: writing the output failed\n");
        return TS_EXIT_FAILURE;
    }
    if (!st.found) {
        fprintf(stderr, "tcpsession: %s has no stream %" PRIu64 "\n", ts_cli_capture_name(args[0]),
                st.stream);
        return TS_EXIT_FAILURE;
    }
    return TS_EXIT_OK;
}
