/*
 * legacy_json.c — one session as the original tcpsession's JSON file.
 *
 * The text is what Python's json.dump(d, fp, indent=1) wrote for the
 * original's dict: one key per line indented by one space, each packet entry
 * a three-line list, ", " never used, no final newline. The hex list comes
 * first and its md5 (of the concatenated hex strings) right after it, so the
 * file is streamed entry by entry through a small buffer; nothing proportional
 * to the session is held besides the engine's own payload.
 */
#include "legacy_json.h"

#include "util/atomic_file.h"
#include "util/json_text.h"
#include "util/py_json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FLUSH_AT (64u * 1024u)

typedef struct {
    FILE *out;
    GString *buf;
    bool failed;
} sink;

static void
sink_flush(sink *k)
{
    if (k->buf->len > 0 && fwrite(k->buf->str, 1, k->buf->len, k->out) != k->buf->len)
        k->failed = true;
    g_string_truncate(k->buf, 0);
}

static void
sink_maybe_flush(sink *k)
{
    if (k->buf->len >= FLUSH_AT)
        sink_flush(k);
}

static void
append_md5_field(GString *b, const char *key, GChecksum *sum)
{
    g_string_append_printf(b, ",\n \"%s\": \"%s\"", key, g_checksum_get_string(sum));
}

/* One list of entries: hex (`ascii` false) or decoded text. Feeds the hex
 * strings to `hex_sum` when given. */
static void
append_entry_list(sink *k, const ts_legacy_entry *e, size_t n, const uint8_t *const pay[2],
                  const char *const ip[2], bool ascii, GChecksum *hex_sum)
{
    if (n == 0) {
        g_string_append(k->buf, "[]");
        return;
    }
    g_string_append(k->buf, "[\n");
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = pay[e[i].from] + e[i].pos;
        g_string_append(k->buf, "  [\n   ");
        ts_py_json_append_string(k->buf, ip[e[i].from]);
        g_string_append(k->buf, ",\n   ");
        ts_json_append_uint(k->buf, e[i].n);
        g_string_append(k->buf, ",\n   \"");
        size_t start = k->buf->len;
        if (ascii)
            ts_py_json_append_decoded(k->buf, data, (size_t)e[i].len);
        else
            ts_json_append_hex(k->buf, data, (size_t)e[i].len);
        if (hex_sum != NULL)
            g_checksum_update(hex_sum, (const guchar *)k->buf->str + start,
                              (gssize)(k->buf->len - start));
        g_string_append(k->buf, i + 1 < n ? "\"\n  ],\n" : "\"\n  ]\n");
        sink_maybe_flush(k);
    }
    g_string_append(k->buf, " ]");
}

/* "combined_src_payload" or "combined_dst_payload": the decoded texts of one
 * direction's entries, concatenated (each entry decoded on its own, as the
 * original did). */
static void
append_combined(sink *k, const ts_legacy_entry *e, size_t n, const uint8_t *const pay[2],
                ts_direction from, GString *text)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].from != from)
            continue;
        const uint8_t *data = pay[from] + e[i].pos;
        ts_py_json_append_decoded(k->buf, data, (size_t)e[i].len);
        if (text != NULL)
            ts_py_decode_append(text, data, (size_t)e[i].len);
        sink_maybe_flush(k);
    }
}

static void
append_extras(GString *b, const ts_session *s)
{
    g_string_append(b, ",\n \"stream\": ");
    ts_json_append_uint(b, ts_session_stream(s));
    size_t n = 0;
    const ts_gap *gaps = ts_session_gaps(s, &n);
    g_string_append(b, ",\n \"gaps\": ");
    if (n == 0)
        g_string_append(b, "[]");
    for (size_t i = 0; i < n; i++) {
        g_string_append(b, i == 0 ? "[\n  {\n   \"from\": " : ",\n  {\n   \"from\": ");
        ts_json_append_direction(b, gaps[i].from);
        g_string_append_printf(b,
                               ",\n   \"offset\": %" G_GUINT64_FORMAT
                               ",\n   \"length\": %" G_GUINT64_FORMAT "\n  }",
                               gaps[i].offset, gaps[i].length);
        if (i + 1 == n)
            g_string_append(b, "\n ]");
    }
    const ts_anomaly *an = ts_session_anomalies(s, &n);
    g_string_append(b, ",\n \"anomalies\": ");
    if (n == 0)
        g_string_append(b, "[]");
    for (size_t i = 0; i < n; i++) {
        g_string_append(b, i == 0 ? "[\n  {\n   \"type\": " : ",\n  {\n   \"type\": ");
        ts_py_json_append_string(b, ts_anomaly_type_name(an[i].type));
        g_string_append_printf(
            b, ",\n   \"frame\": %" G_GUINT64_FORMAT ",\n   \"from\": ", an[i].frame);
        ts_json_append_direction(b, an[i].from);
        g_string_append_printf(b,
                               ",\n   \"offset\": %" G_GUINT64_FORMAT
                               ",\n   \"length\": %" G_GUINT64_FORMAT "\n  }",
                               an[i].offset, an[i].length);
        if (i + 1 == n)
            g_string_append(b, "\n ]");
    }
}

void
ts_legacy_decode_texts(const ts_session *s, const ts_legacy_entry *entries, size_t n,
                       GString *text[2])
{
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const uint8_t *pay = ts_session_payload(s, entries[i].from, &len);
        if (pay == NULL || entries[i].pos > len)
            continue;
        size_t take = (size_t)MIN(entries[i].len, (uint64_t)len - entries[i].pos);
        ts_py_decode_append(text[entries[i].from], pay + entries[i].pos, take);
    }
}

/* A copy of `entries` (caller frees) with every entry cut to the payload
 * that exists; pay[] gets each side's payload ("" when there is none).
 * Defensive: entries always index the payload; one that does not is cut
 * rather than read out of bounds. */
static ts_legacy_entry *
clamp_entries(const ts_session *s, const ts_legacy_entry *entries, size_t n, const uint8_t *pay[2])
{
    size_t len[2] = {0, 0};
    pay[0] = ts_session_payload(s, TS_FROM_CLIENT, &len[0]);
    pay[1] = ts_session_payload(s, TS_FROM_SERVER, &len[1]);
    ts_legacy_entry *e = g_memdup2(entries, n * sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        size_t have = pay[e[i].from] != NULL ? len[e[i].from] : 0;
        if (e[i].pos > have)
            e[i].pos = have;
        if (e[i].len > have - e[i].pos)
            e[i].len = have - e[i].pos;
        if (pay[e[i].from] == NULL)
            pay[e[i].from] = (const uint8_t *)"";
    }
    return e;
}

/* The md5s of all listed bytes and of each side's. */
static void
sum_entries(const ts_legacy_entry *e, size_t n, const uint8_t *const pay[2], GChecksum *all_sum,
            GChecksum *src_sum, GChecksum *dst_sum)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = pay[e[i].from] + e[i].pos;
        g_checksum_update(all_sum, data, (gssize)e[i].len);
        g_checksum_update(e[i].from == TS_FROM_CLIENT ? src_sum : dst_sum, data, (gssize)e[i].len);
    }
}

/* Appends the JSON object of the session to the sink, field by field. */
static void
append_object(sink *k, const ts_session *s, const ts_legacy_entry *e, size_t n,
              const uint8_t *const pay[2], GString *text[2])
{
    char addr[2][TS_ADDRSTRLEN];
    const char *const ip[2] = {ts_endpoint_address(ts_session_client(s), addr[0]),
                               ts_endpoint_address(ts_session_server(s), addr[1])};
    g_string_append(k->buf, "{\n \"sip\": ");
    ts_py_json_append_string(k->buf, ip[0]);
    g_string_append(k->buf, ",\n \"dip\": ");
    ts_py_json_append_string(k->buf, ip[1]);
    g_string_append_printf(k->buf, ",\n \"sport\": %u,\n \"dport\": %u,\n \"proto\": 6",
                           (unsigned)ts_session_client(s)->port,
                           (unsigned)ts_session_server(s)->port);

    g_autoptr(GChecksum) hex_sum = g_checksum_new(G_CHECKSUM_MD5);
    g_autoptr(GChecksum) all_sum = g_checksum_new(G_CHECKSUM_MD5);
    g_autoptr(GChecksum) src_sum = g_checksum_new(G_CHECKSUM_MD5);
    g_autoptr(GChecksum) dst_sum = g_checksum_new(G_CHECKSUM_MD5);
    sum_entries(e, n, pay, all_sum, src_sum, dst_sum);

    g_string_append(k->buf, ",\n \"tcp_payload_hex\": ");
    append_entry_list(k, e, n, pay, ip, false, hex_sum);
    append_md5_field(k->buf, "tcp_ordered_hex_payload_md5sum", hex_sum);
    g_string_append(k->buf, ",\n \"tcp_payload_ascii\": ");
    append_entry_list(k, e, n, pay, ip, true, NULL);
    append_md5_field(k->buf, "tcp_ordered_payload_md5sum", all_sum);
    g_string_append(k->buf, ",\n \"combined_src_payload\": \"");
    append_combined(k, e, n, pay, TS_FROM_CLIENT, text != NULL ? text[0] : NULL);
    g_string_append_c(k->buf, '"');
    append_md5_field(k->buf, "combined_src_payload_md5sum", src_sum);
    g_string_append(k->buf, ",\n \"combined_dst_payload\": \"");
    append_combined(k, e, n, pay, TS_FROM_SERVER, text != NULL ? text[1] : NULL);
    g_string_append_c(k->buf, '"');
    append_md5_field(k->buf, "combined_dst_payload_md5sum", dst_sum);
    append_extras(k->buf, s);
    g_string_append(k->buf, "\n}");
}

bool
ts_legacy_write_file(const char *path, const ts_session *s, const ts_legacy_entry *entries,
                     size_t n, GString *text[2], GError **error)
{
    const uint8_t *pay[2];
    g_autofree ts_legacy_entry *e = clamp_entries(s, entries, n, pay);
    g_autoptr(ts_atomic_file) file = ts_atomic_file_new(path, error);
    if (file == NULL)
        return false;
    sink k = {ts_atomic_file_stream(file), g_string_sized_new(FLUSH_AT + 4096), false};
    append_object(&k, s, e, n, pay, text);
    sink_flush(&k);
    g_string_free(k.buf, TRUE);
    if (k.failed) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                    g_strerror(err));
        return false;
    }
    return ts_atomic_file_commit(g_steal_pointer(&file), error);
}
