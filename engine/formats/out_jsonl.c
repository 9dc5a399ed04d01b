/*
 * out_jsonl.c — the JSON lines output of `tcpsession extract`: one compact
 * JSON object per session in DIR/sessions.jsonl, sorted by stream number.
 *
 * Sessions finish in no particular order, and their lines carry the whole
 * payload in hex, so they are not kept in memory: each line goes straight to a
 * temporary file, in pieces of about 1 MiB while it is formatted (a session
 * of 8 MB is 16 MB of hex), and only (stream, offset, length) is remembered. At the end
 * the temporary file is renamed when the lines happen to be in order already,
 * or else mapped and copied line by line in stream order into a second
 * temporary file, itself renamed when complete: sessions.jsonl is never seen
 * half written. Both temporary files ("sessions.jsonl.tmp.XXXXXX") are
 * removed on a fatal signal (atomic_file.h).
 */
#include "util/atomic_file.h"
#include "format.h"
#include "formats.h"
#include "util/json_text.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define OUTPUT_NAME "sessions.jsonl"
#define STDIO_BUFFER (1u << 20)

typedef struct {
    uint64_t stream;
    uint64_t offset;
    uint64_t length;
} line_ref;

struct ts_jsonl_writer {
    char *dir;
    ts_temp *temp_file; /* the unsorted lines */
    char *final_path;
    FILE *temp;
    char *temp_buffer;     /* stdio buffer of `temp` */
    uint64_t written;      /* bytes in the temporary file */
    GArray *lines;         /* line_ref, in the order written */
    bool sorted;           /* lines are in stream order so far */
    GString *line;         /* reused for formatting (drained to `temp` as it grows) */
    uint64_t line_written; /* bytes of the current line written so far */
    bool line_failed;      /* writing failed: no more output */
    GError *error;         /* first failure; later output is skipped */
    ts_json_context ctx;   /* the lines' capture (owned) and Community ID seed */
};

static const char *
direction_md5(const ts_session *s, ts_direction from, char md5[33])
{
    size_t len = 0;
    const uint8_t *data = ts_session_payload(s, from, &len);
    g_autofree char *hex = g_compute_checksum_for_data(
        G_CHECKSUM_MD5, data != NULL ? data : (const uint8_t *)"", data != NULL ? len : 0);
    g_strlcpy(md5, hex, 33);
    return md5;
}

/* Where a line being formatted may go before it is complete, so that a big
 * session's hex never sits in memory whole: `fn` takes out->str and empties
 * `out`. */
typedef struct {
    void (*fn)(void *ctx, GString *out);
    void *ctx;
} drain;

/* A line is drained once it holds this much (and hex is made in pieces of
 * half as many bytes). */
#define DRAIN_AT ((size_t)1 << 20)

/* The exchange: each chunk's bytes in hex (`hex`), or their offset and
 * length in the side's delivered bytes (the raw format's .bin files). */
static void
append_messages(GString *out, const ts_session *s, bool hex, const drain *dr)
{
    size_t payload_len[2] = {0, 0};
    const uint8_t *payload[2] = {
        ts_session_payload(s, TS_FROM_CLIENT, &payload_len[0]),
        ts_session_payload(s, TS_FROM_SERVER, &payload_len[1]),
    };
    size_t n = 0;
    const ts_chunk *chunks = ts_session_chunks(s, &n);
    g_string_append(out, ",\"messages\":[");
    for (size_t i = 0; i < n; i++) {
        const ts_chunk *c = &chunks[i];
        int dir = c->from == TS_FROM_CLIENT ? 0 : 1;
        /* Defensive: never read outside the payload even if a chunk is off. */
        uint64_t start = MIN(c->offset, (uint64_t)payload_len[dir]);
        uint64_t length = MIN(c->length, (uint64_t)payload_len[dir] - start);
        if (i > 0)
            g_string_append_c(out, ',');
        g_string_append(out, "{\"from\":");
        ts_json_append_direction(out, c->from);
        g_string_append(out, ",\"frame\":");
        ts_json_append_uint(out, c->frame);
        g_string_append(out, ",\"ts\":");
        ts_json_append_seconds(out, c->ts_ns);
        if (hex) {
            g_string_append(out, ",\"data\":\"");
            for (uint64_t at = 0; payload[dir] != NULL && at < length;) {
                size_t piece = (size_t)MIN(length - at, (uint64_t)DRAIN_AT / 2);
                ts_json_append_hex(out, payload[dir] + start + at, piece);
                at += piece;
                if (dr != NULL && out->len >= DRAIN_AT)
                    dr->fn(dr->ctx, out);
            }
            g_string_append(out, "\"}");
        } else {
            g_string_append(out, ",\"offset\":");
            ts_json_append_uint(out, c->offset);
            g_string_append(out, ",\"length\":");
            ts_json_append_uint(out, c->length);
            g_string_append_c(out, '}');
        }
    }
    g_string_append_c(out, ']');
}

static void
append_gaps(GString *out, const ts_session *s)
{
    size_t n = 0;
    const ts_gap *gaps = ts_session_gaps(s, &n);
    g_string_append(out, ",\"gaps\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        g_string_append(out, "{\"from\":");
        ts_json_append_direction(out, gaps[i].from);
        g_string_append(out, ",\"offset\":");
        ts_json_append_uint(out, gaps[i].offset);
        g_string_append(out, ",\"length\":");
        ts_json_append_uint(out, gaps[i].length);
        g_string_append_c(out, '}');
    }
    g_string_append_c(out, ']');
}

static void
append_anomalies(GString *out, const ts_session *s)
{
    size_t n = 0;
    const ts_anomaly *anomalies = ts_session_anomalies(s, &n);
    g_string_append(out, ",\"anomalies\":[");
    for (size_t i = 0; i < n; i++) {
        const ts_anomaly *a = &anomalies[i];
        if (i > 0)
            g_string_append_c(out, ',');
        g_string_append(out, "{\"type\":");
        ts_json_append_string(out, ts_anomaly_type_name(a->type));
        g_string_append(out, ",\"frame\":");
        ts_json_append_uint(out, a->frame);
        g_string_append(out, ",\"from\":");
        ts_json_append_direction(out, a->from);
        g_string_append(out, ",\"offset\":");
        ts_json_append_uint(out, a->offset);
        g_string_append(out, ",\"length\":");
        ts_json_append_uint(out, a->length);
        g_string_append_c(out, '}');
    }
    g_string_append_c(out, ']');
}

/* ",\"carried\":[...]" (and carried_differently) when the session's first
 * packet came through tunnels, tags or labels; nothing for plain traffic. */
static void
append_carriage(GString *out, const ts_session *s)
{
    size_t n = 0;
    const ts_carrier *c = ts_session_carriage(s, &n);
    char buf[TS_ADDRSTRLEN];
    if (n > 0) {
        g_string_append(out, ",\"carried\":[");
        for (size_t i = 0; i < n; i++) {
            g_string_append(out, i > 0 ? ",{\"kind\":" : "{\"kind\":");
            ts_json_append_string(out, ts_carrier_kind_name(c[i].kind));
            if (c[i].kind == TS_CARRIER_IPIP)
                g_string_append_printf(out, ",\"variant\":\"%din%d\"", c[i].detail,
                                       c[i].outer_src.family);
            if (c[i].kind == TS_CARRIER_ERSPAN)
                g_string_append_printf(out, ",\"type\":%u", c[i].detail);
            if (c[i].kind == TS_CARRIER_MPLS && c[i].detail == 1)
                g_string_append(out, ",\"pseudowire\":true");
            if (c[i].outer_src.family != 0) {
                g_string_append(out, ",\"outer\":{\"src\":");
                ts_json_append_string(out, ts_endpoint_address(&c[i].outer_src, buf));
                g_string_append(out, ",\"dst\":");
                ts_json_append_string(out, ts_endpoint_address(&c[i].outer_dst, buf));
                g_string_append_c(out, '}');
            }
            if (c[i].has_id) {
                g_string_append(out, ",\"id\":");
                ts_json_append_uint(out, c[i].id);
            }
            g_string_append_c(out, '}');
        }
        g_string_append_c(out, ']');
    }
    if (ts_session_carried_differently(s) > 0) {
        g_string_append(out, ",\"carried_differently\":");
        ts_json_append_uint(out, ts_session_carried_differently(s));
    }
}

/* ",\"capture\":PATH,\"community_id\":ID": what the line says of its run,
 * so that lines of several captures stay apart and join other tools'. */
static void
append_run_keys(GString *out, const ts_session *s, const ts_json_context *ctx)
{
    char id[TS_COMMUNITY_ID_LEN];
    g_string_append(out, ",\"capture\":");
    if (ctx != NULL && ctx->capture != NULL)
        ts_json_append_string(out, ctx->capture);
    else
        g_string_append(out, "null");
    g_string_append(out, ",\"community_id\":");
    ts_json_append_string(out,
                          ts_session_community_id(s, ctx != NULL ? ctx->community_id_seed : 0, id));
}

static void
format_session(GString *out, const ts_session *s, const ts_json_context *ctx, bool hex_messages,
               const drain *dr)
{
    char md5[33];
    g_string_append(out, "{\"stream\":");
    ts_json_append_uint(out, ts_session_stream(s));
    append_run_keys(out, s, ctx);
    g_string_append(out, ",\"client\":");
    ts_json_append_endpoint(out, ts_session_client(s));
    g_string_append(out, ",\"server\":");
    ts_json_append_endpoint(out, ts_session_server(s));
    g_string_append(out, ",\"start\":");
    ts_json_append_seconds(out, ts_session_start_ns(s));
    g_string_append(out, ",\"end\":");
    ts_json_append_seconds(out, ts_session_end_ns(s));
    g_string_append(out, ",\"packets\":");
    ts_json_append_uint(out, ts_session_packets(s));
    g_string_append(out, ts_session_midstream(s) ? ",\"midstream\":true" : ",\"midstream\":false");
    g_string_append(out, ",\"client_bytes\":");
    ts_json_append_uint(out, ts_session_bytes(s, TS_FROM_CLIENT));
    g_string_append(out, ",\"server_bytes\":");
    ts_json_append_uint(out, ts_session_bytes(s, TS_FROM_SERVER));
    g_string_append(out, ",\"client_md5\":\"");
    g_string_append(out, direction_md5(s, TS_FROM_CLIENT, md5));
    g_string_append(out, "\",\"server_md5\":\"");
    g_string_append(out, direction_md5(s, TS_FROM_SERVER, md5));
    g_string_append_c(out, '"');
    append_messages(out, s, hex_messages, dr);
    append_gaps(out, s);
    append_anomalies(out, s);
    g_string_append(out, ",\"close\":");
    ts_json_append_string(out, ts_close_reason_name(ts_session_close_reason(s)));
    g_string_append(out, ",\"first_frame\":");
    ts_json_append_uint(out, ts_session_first_frame(s));
    g_string_append(out, ",\"client_missing_bytes\":");
    ts_json_append_uint(out, ts_session_missing_bytes(s, TS_FROM_CLIENT));
    g_string_append(out, ",\"server_missing_bytes\":");
    ts_json_append_uint(out, ts_session_missing_bytes(s, TS_FROM_SERVER));
    g_string_append(out, ",\"anomalies_dropped\":");
    ts_json_append_uint(out, ts_session_anomalies_dropped(s));
    append_carriage(out, s);
    g_string_append_c(out, '}');
}

void
ts_json_format_session(GString *out, const ts_session *s, const ts_json_context *ctx,
                       bool hex_messages)
{
    format_session(out, s, ctx, hex_messages, NULL);
}

void
ts_jsonl_format_session(GString *out, const ts_session *s, const ts_json_context *ctx)
{
    ts_json_format_session(out, s, ctx, true);
}

ts_jsonl_writer *
ts_jsonl_writer_new(const char *dir)
{
    ts_jsonl_writer *w = g_new0(ts_jsonl_writer, 1);
    w->dir = g_strdup(dir);
    w->final_path = g_build_filename(dir, OUTPUT_NAME, NULL);
    w->lines = g_array_new(FALSE, FALSE, sizeof(line_ref));
    w->sorted = true;
    w->line = g_string_sized_new(4096);
    return w;
}

static void
set_errno_error(ts_jsonl_writer *w, const char *path, int err)
{
    if (w->error == NULL)
        g_set_error(&w->error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                    g_strerror(err));
}

static bool
open_temp(ts_jsonl_writer *w)
{
    if (w->temp != NULL)
        return true;
    if (w->error != NULL)
        return false;
    if (g_mkdir_with_parents(w->dir, 0777) != 0) {
        set_errno_error(w, w->dir, errno);
        return false;
    }
    w->temp_file = ts_temp_create(w->final_path, &w->error);
    if (w->temp_file == NULL)
        return false;
    w->temp = fopen(ts_temp_path(w->temp_file), "wb");
    if (w->temp == NULL) {
        set_errno_error(w, ts_temp_path(w->temp_file), errno);
        return false;
    }
    w->temp_buffer = g_malloc(STDIO_BUFFER);
    setvbuf(w->temp, w->temp_buffer, _IOFBF, STDIO_BUFFER);
    return true;
}

/* Writes the formatted part of the current line (drain callback). */
static void
drain_line(void *ctx, GString *out)
{
    ts_jsonl_writer *w = ctx;
    if (!w->line_failed && fwrite(out->str, 1, out->len, w->temp) != out->len) {
        set_errno_error(w, ts_temp_path(w->temp_file), errno);
        w->line_failed = true;
    }
    w->line_written += out->len;
    g_string_truncate(out, 0);
}

void
ts_jsonl_writer_add(ts_jsonl_writer *w, const ts_session *s)
{
    if (w->line_failed || !open_temp(w))
        return;
    g_string_truncate(w->line, 0);
    w->line_written = 0;
    drain dr = {drain_line, w};
    format_session(w->line, s, &w->ctx, true, &dr);
    g_string_append_c(w->line, '\n');
    drain_line(w, w->line);
    if (w->line_failed)
        return;
    line_ref ref = {ts_session_stream(s), w->written, w->line_written};
    if (w->lines->len > 0 &&
        g_array_index(w->lines, line_ref, w->lines->len - 1).stream > ref.stream)
        w->sorted = false;
    g_array_append_val(w->lines, ref);
    w->written += w->line_written;
    /* Keep the reusable buffer from holding on to one huge session. */
    if (w->line->allocated_len > (1u << 24)) {
        g_string_free(w->line, TRUE);
        w->line = g_string_sized_new(4096);
    }
}

static int
compare_refs(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Copies the lines of the temporary file to the final file in stream order. */
static bool
write_sorted(ts_jsonl_writer *w)
{
    g_autoptr(GError) map_error = NULL;
    g_autoptr(GMappedFile) map = g_mapped_file_new(ts_temp_path(w->temp_file), FALSE, &map_error);
    if (map == NULL) {
        if (w->error == NULL)
            w->error = g_steal_pointer(&map_error);
        return false;
    }
    const char *data = g_mapped_file_get_contents(map);
    g_array_sort(w->lines, compare_refs);
    ts_temp *sorted = ts_temp_create(w->final_path, &w->error);
    if (sorted == NULL)
        return false;
    FILE *out = fopen(ts_temp_path(sorted), "wb");
    if (out == NULL) {
        set_errno_error(w, w->final_path, errno);
        ts_temp_discard(sorted);
        return false;
    }
    g_autofree char *buffer = g_malloc(STDIO_BUFFER);
    setvbuf(out, buffer, _IOFBF, STDIO_BUFFER);
    bool ok = true;
    for (guint i = 0; i < w->lines->len && ok; i++) {
        const line_ref *ref = &g_array_index(w->lines, line_ref, i);
        ok = fwrite(data + ref->offset, 1, ref->length, out) == ref->length;
    }
    int err = errno;
    if (fclose(out) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        set_errno_error(w, w->final_path, err);
        ts_temp_discard(sorted);
        return false;
    }
    return ts_temp_commit(sorted, w->final_path, w->error == NULL ? &w->error : NULL);
}

bool
ts_jsonl_writer_finish(ts_jsonl_writer *w, bool create_empty, GError **error)
{
    if (w->temp == NULL && create_empty)
        open_temp(w);
    if (w->temp != NULL) {
        int rc = fclose(w->temp);
        int err = errno;
        w->temp = NULL;
        g_clear_pointer(&w->temp_buffer, g_free);
        if (rc != 0)
            set_errno_error(w, ts_temp_path(w->temp_file), err);
        if (w->error == NULL && w->sorted) {
            ts_temp_commit(w->temp_file, w->final_path, &w->error);
        } else {
            if (w->error == NULL)
                write_sorted(w);
            ts_temp_discard(w->temp_file);
        }
        w->temp_file = NULL;
    }
    if (w->error != NULL) {
        g_propagate_error(error, g_steal_pointer(&w->error));
        return false;
    }
    return true;
}

void
ts_jsonl_writer_free(ts_jsonl_writer *w)
{
    if (w == NULL)
        return;
    if (w->temp != NULL)
        fclose(w->temp);
    ts_temp_discard(w->temp_file);
    g_free(w->temp_buffer);
    g_free(w->dir);
    g_free(w->final_path);
    g_array_unref(w->lines);
    g_string_free(w->line, TRUE);
    g_clear_error(&w->error);
    g_free((char *)w->ctx.capture);
    g_free(w);
}

/* ---- the format table entry ------------------------------------------- */

static void *
jsonl_open(const ts_format_args *args, GError **error)
{
    (void)error;
    ts_jsonl_writer *w = ts_jsonl_writer_new(args->dir);
    w->ctx = (ts_json_context){g_strdup(args->capture), args->community_id_seed};
    return w;
}

static void
jsonl_session_done(void *w, ts_session *s)
{
    ts_jsonl_writer_add(w, s);
}

static bool
jsonl_finish(void *w, bool create_empty, GError **error)
{
    return ts_jsonl_writer_finish(w, create_empty, error);
}

static void
jsonl_free(void *w)
{
    ts_jsonl_writer_free(w);
}

const ts_format ts_format_jsonl = {
    .name = "jsonl",
    .summary = "sessions.jsonl: one JSON object per session, sorted by stream, with\n"
               "endpoints, times, byte counts, md5s, messages (hex), gaps, anomalies",
    .mention = "jsonl (default)",
    .needs = TS_FORMAT_NEEDS_PAYLOAD,
    .open = jsonl_open,
    .session_done = jsonl_session_done,
    .finish = jsonl_finish,
    .free = jsonl_free,
};
