/*
 * out_jsonl.c — the JSON lines output of `tcpsession extract`: one compact
 * JSON object per session in DIR/sessions.jsonl (or on a stream: `-o -`),
 * sorted by stream number (stream order) or in the order the sessions end
 * (end order: live capture, pipes).
 *
 * Stream order: sessions finish in no particular order, and their lines
 * carry the whole payload in hex, so they are not kept in memory: each line
 * goes straight to a temporary file, in pieces of about 1 MiB while it is
 * formatted (a session of 8 MB is 16 MB of hex), and only (stream, offset,
 * length) is remembered. At the end the temporary file is renamed when the
 * lines happen to be in order already, or else mapped and copied line by
 * line in stream order into a second temporary file, itself renamed when
 * complete: sessions.jsonl is never seen half written. Both temporary files
 * ("sessions.jsonl.tmp.XXXXXX") are removed on a fatal signal
 * (atomic_file.h). On a stream the temporary file is an anonymous one
 * (tmpfile()), copied to the stream in stream order at the end.
 *
 * End order: sessions.jsonl is created when the writer is (so a reader can
 * follow it from the start) and each session's line is written with one
 * write() as the session ends, so a reader never sees part of a line; a
 * line of more than ONE_WRITE_MAX bytes is written in pieces as it is
 * formatted (its memory stays bounded). Nothing is collected: memory is one
 * line at a time.
 */
#include "util/atomic_file.h"
#include "format.h"
#include "formats.h"
#include "util/json_text.h"
#include "util/out_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OUTPUT_NAME "sessions.jsonl"
#define STDIO_BUFFER (1u << 20)

typedef struct {
    uint64_t stream;
    uint64_t offset;
    uint64_t length;
} line_ref;

/* End order: lines up to this size are written with one write(). */
#define ONE_WRITE_MAX ((size_t)64 << 20)

struct ts_jsonl_writer {
    char *dir;             /* NULL on a stream */
    char *final_path;      /* DIR/sessions.jsonl, or "standard output" */
    FILE *dest;            /* on a stream: where the lines go (borrowed) */
    ts_jsonl_order order;  /* stream or end order */
    int end_fd;            /* end order: the descriptor lines are written to, else -1 */
    bool end_fd_owned;     /* end_fd is sessions.jsonl (closed by the writer) */
    uint64_t end_lines;    /* end order: lines written */
    uint64_t end_offset;   /* end order: bytes written to end_fd */
    uint64_t end_complete; /* end order: bytes of the complete lines among them */
    ts_temp *temp_file;    /* stream order in a folder: the unsorted lines */
    FILE *temp;            /* stream order: the unsorted lines */
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

/* A writer with nothing open yet. */
static ts_jsonl_writer *
writer_alloc(ts_jsonl_order order)
{
    ts_jsonl_writer *w = g_new0(ts_jsonl_writer, 1);
    w->order = order;
    w->end_fd = -1;
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

ts_jsonl_writer *
ts_jsonl_writer_new(const char *dir)
{
    return ts_jsonl_writer_new_ordered(dir, TS_JSONL_STREAM_ORDER, NULL);
}

ts_jsonl_writer *
ts_jsonl_writer_new_ordered(const char *dir, ts_jsonl_order order, GError **error)
{
    ts_jsonl_writer *w = writer_alloc(order);
    w->dir = g_strdup(dir);
    w->final_path = g_build_filename(dir, OUTPUT_NAME, NULL);
    if (order == TS_JSONL_END_ORDER) {
        if (ts_out_mkdir(dir, &w->error))
            w->end_fd =
                ts_out_file_open(w->final_path, O_WRONLY | O_CREAT | O_TRUNC, 0666, &w->error);
        w->end_fd_owned = w->end_fd >= 0;
        if (w->error != NULL) {
            g_propagate_error(error, g_steal_pointer(&w->error));
            ts_jsonl_writer_free(w);
            return NULL;
        }
    }
    return w;
}

ts_jsonl_writer *
ts_jsonl_writer_new_stream(FILE *stream, ts_jsonl_order order)
{
    ts_jsonl_writer *w = writer_alloc(order);
    w->dest = stream;
    w->final_path = g_strdup("standard output");
    if (order == TS_JSONL_END_ORDER) {
        fflush(stream); /* the lines go around its buffer, one write() each */
        w->end_fd = fileno(stream);
    }
    return w;
}

/* A new stream writing temporary file `t` from its start; NULL with errno. */
static FILE *
open_temp_stream(ts_temp *t)
{
    int fd = ts_temp_open(t, O_WRONLY | O_TRUNC);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL && fd >= 0) {
        int err = errno;
        close(fd);
        errno = err;
    }
    return f;
}

/* Stream order: opens the file the lines are collected in (a registered
 * temporary file beside sessions.jsonl, or an anonymous one on a stream). */
static bool
open_temp(ts_jsonl_writer *w)
{
    if (w->temp != NULL)
        return true;
    if (w->error != NULL)
        return false;
    if (w->dest != NULL) {
        w->temp = tmpfile();
        if (w->temp == NULL) {
            set_errno_error(w, "temporary file for standard output", errno);
            return false;
        }
    } else {
        if (!ts_out_mkdir(w->dir, &w->error))
            return false;
        w->temp_file = ts_temp_create(w->final_path, &w->error);
        if (w->temp_file == NULL)
            return false;
        w->temp = open_temp_stream(w->temp_file);
        if (w->temp == NULL) {
            set_errno_error(w, ts_temp_path(w->temp_file), errno);
            return false;
        }
    }
    w->temp_buffer = g_malloc(STDIO_BUFFER);
    setvbuf(w->temp, w->temp_buffer, _IOFBF, STDIO_BUFFER);
    return true;
}

/* Name of the file the lines are collected in, for messages. */
static const char *
temp_name(const ts_jsonl_writer *w)
{
    return w->temp_file != NULL ? w->final_path : "temporary file"; /* the name users know */
}

/* Writes the formatted part of the current line (drain callback). */
static void
drain_line(void *ctx, GString *out)
{
    ts_jsonl_writer *w = ctx;
    if (!w->line_failed && fwrite(out->str, 1, out->len, w->temp) != out->len) {
        set_errno_error(w, temp_name(w), errno);
        w->line_failed = true;
    }
    w->line_written += out->len;
    g_string_truncate(out, 0);
}

/* Writes all of `len` bytes to `fd`; false with errno set on failure. */
static bool
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* End order: writes what is formatted of the current line to end_fd. */
static void
write_end(ts_jsonl_writer *w, GString *out)
{
    if (!w->line_failed && write_all(w->end_fd, out->str, out->len)) {
        w->end_offset += out->len;
    } else if (!w->line_failed) {
        set_errno_error(w, w->final_path, errno);
        w->line_failed = true;
        /* a full disk: the file keeps its complete lines only */
        if (w->end_fd_owned && ftruncate(w->end_fd, (off_t)w->end_complete) != 0)
            set_errno_error(w, w->final_path, errno);
    }
    g_string_truncate(out, 0);
}

/* End order drain callback: a line is written whole, unless it grows past
 * ONE_WRITE_MAX (then in pieces, to keep its memory bounded). */
static void
drain_end(void *ctx, GString *out)
{
    if (out->len >= ONE_WRITE_MAX)
        write_end(ctx, out);
}

/* Keeps the reusable buffer from holding on to one huge session. */
static void
shrink_line(ts_jsonl_writer *w)
{
    if (w->line->allocated_len > (1u << 24)) {
        g_string_free(w->line, TRUE);
        w->line = g_string_sized_new(4096);
    }
}

/* End order: the session's line, written and visible at once. */
static void
add_end_order(ts_jsonl_writer *w, const ts_session *s)
{
    g_string_truncate(w->line, 0);
    drain dr = {drain_end, w};
    format_session(w->line, s, &w->ctx, true, &dr);
    g_string_append_c(w->line, '\n');
    write_end(w, w->line);
    if (!w->line_failed) {
        w->end_lines++;
        w->end_complete = w->end_offset;
    }
    shrink_line(w);
}

/* Stream order: the session's line to the temporary file, remembered. */
static void
add_stream_order(ts_jsonl_writer *w, const ts_session *s)
{
    if (!open_temp(w))
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
    shrink_line(w);
}

void
ts_jsonl_writer_add(ts_jsonl_writer *w, const ts_session *s)
{
    if (w->line_failed || w->error != NULL)
        return;
    if (w->order == TS_JSONL_END_ORDER)
        add_end_order(w, s);
    else
        add_stream_order(w, s);
}

static int
compare_refs(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Maps the collected lines (NULL with w->error on failure). */
static GMappedFile *
map_temp(ts_jsonl_writer *w)
{
    g_autoptr(GError) map_error = NULL;
    GMappedFile *map = NULL;
    if (w->temp_file != NULL) {
        int fd = ts_temp_open(w->temp_file, O_RDONLY);
        if (fd < 0)
            g_set_error(&map_error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
                        ts_temp_path(w->temp_file), g_strerror(errno));
        else
            map = g_mapped_file_new_from_fd(fd, FALSE, &map_error);
        if (fd >= 0)
            close(fd);
    } else {
        map = g_mapped_file_new_from_fd(fileno(w->temp), FALSE, &map_error);
    }
    if (map == NULL && w->error == NULL)
        w->error = g_steal_pointer(&map_error);
    return map;
}

/* Copies the lines of the mapped temporary file `map` to `out` in stream
 * order; false on a write failure (errno set). */
static bool
copy_sorted(ts_jsonl_writer *w, GMappedFile *map, FILE *out)
{
    const char *data = g_mapped_file_get_contents(map);
    if (!w->sorted)
        g_array_sort(w->lines, compare_refs);
    bool ok = true;
    for (guint i = 0; i < w->lines->len && ok; i++) {
        const line_ref *ref = &g_array_index(w->lines, line_ref, i);
        ok = fwrite(data + ref->offset, 1, ref->length, out) == ref->length;
    }
    return ok;
}

/* Copies the lines of the temporary file to the final file in stream order. */
static bool
write_sorted(ts_jsonl_writer *w)
{
    g_autoptr(GMappedFile) map = map_temp(w);
    if (map == NULL)
        return false;
    ts_temp *sorted = ts_temp_create(w->final_path, &w->error);
    if (sorted == NULL)
        return false;
    FILE *out = open_temp_stream(sorted);
    if (out == NULL) {
        set_errno_error(w, w->final_path, errno);
        ts_temp_discard(sorted);
        return false;
    }
    g_autofree char *buffer = g_malloc(STDIO_BUFFER);
    setvbuf(out, buffer, _IOFBF, STDIO_BUFFER);
    bool ok = copy_sorted(w, map, out);
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

/* Stream order on a stream: the collected lines to `dest`, in order. */
static void
write_to_dest(ts_jsonl_writer *w)
{
    if (w->written == 0 || w->error != NULL)
        return; /* an empty file cannot be mapped; nothing to copy */
    g_autoptr(GMappedFile) map = map_temp(w);
    if (map == NULL)
        return;
    if (!copy_sorted(w, map, w->dest) || fflush(w->dest) != 0)
        set_errno_error(w, w->final_path, errno);
}

/* Closes the file the lines were collected in. */
static void
close_temp(ts_jsonl_writer *w)
{
    int rc = fclose(w->temp);
    int err = errno;
    w->temp = NULL;
    g_clear_pointer(&w->temp_buffer, g_free);
    if (rc != 0)
        set_errno_error(w, temp_name(w), err);
}

/* Stream order: sessions.jsonl renamed or written sorted, or the lines
 * copied to the stream. */
static void
finish_stream_order(ts_jsonl_writer *w, bool create_empty)
{
    if (w->temp == NULL && create_empty && w->dest == NULL)
        open_temp(w);
    if (w->temp == NULL)
        return;
    if (w->dest != NULL) { /* the anonymous file is mapped while open */
        if (fflush(w->temp) != 0)
            set_errno_error(w, temp_name(w), errno);
        write_to_dest(w);
        close_temp(w);
        return;
    }
    close_temp(w);
    if (w->error == NULL && w->sorted) {
        ts_temp_commit(g_steal_pointer(&w->temp_file), w->final_path, &w->error);
    } else {
        if (w->error == NULL)
            write_sorted(w);
        ts_temp_discard(g_steal_pointer(&w->temp_file));
    }
}

/* End order: closes sessions.jsonl; removes it (and its folder, when
 * empty) when no line was written and it is not wanted empty. */
static void
finish_end_order(ts_jsonl_writer *w, bool create_empty)
{
    if (!w->end_fd_owned) {
        w->end_fd = -1;
        return;
    }
    if (close(w->end_fd) != 0)
        set_errno_error(w, w->final_path, errno);
    w->end_fd = -1;
    w->end_fd_owned = false;
    if (w->end_lines == 0 && !create_empty) {
        ts_out_unlink(w->final_path);
        g_rmdir(w->dir);
    }
}

bool
ts_jsonl_writer_finish(ts_jsonl_writer *w, bool create_empty, GError **error)
{
    if (w->order == TS_JSONL_END_ORDER)
        finish_end_order(w, create_empty);
    else
        finish_stream_order(w, create_empty);
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
    if (w->end_fd_owned)
        close(w->end_fd);
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
    ts_jsonl_order order = args->end_order ? TS_JSONL_END_ORDER : TS_JSONL_STREAM_ORDER;
    ts_jsonl_writer *w = args->stream != NULL
                             ? ts_jsonl_writer_new_stream(args->stream, order)
                             : ts_jsonl_writer_new_ordered(args->dir, order, error);
    if (w != NULL)
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
    .writes_stream = true,
    .open = jsonl_open,
    .session_done = jsonl_session_done,
    .finish = jsonl_finish,
    .free = jsonl_free,
};
