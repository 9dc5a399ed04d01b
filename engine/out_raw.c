/*
 * out_raw.c — `extract --format raw`: one folder per session holding the
 * bytes each side delivered, as they are, and a small JSON description.
 *
 *   DIR/000003-10.0.0.1_51234-10.0.0.2_80/client.bin
 *                                        /server.bin
 *                                        /session.json
 *
 * session.json: stream, client, server, start, end, packets, midstream,
 * client_bytes, server_bytes, client_md5, server_md5, messages (the exchange
 * in delivery order as {"from", "frame", "ts", "offset", "length"}, offset
 * into that side's .bin file), gaps, anomalies, close, first_frame,
 * client_missing_bytes, server_missing_bytes, anomalies_dropped. Each file is
 * written atomically.
 */
#include "outputs.h"

#include "atomic_file.h"
#include "json_text.h"

#include <errno.h>
#include <glib/gstdio.h>

static const char *
payload_md5(const ts_session *s, ts_direction from, char md5[33])
{
    size_t len = 0;
    const uint8_t *data = ts_session_payload(s, from, &len);
    g_autofree char *hex = g_compute_checksum_for_data(
        G_CHECKSUM_MD5, data != NULL ? data : (const uint8_t *)"", data != NULL ? len : 0);
    g_strlcpy(md5, hex, 33);
    return md5;
}

static void
append_messages(GString *out, const ts_session *s)
{
    size_t n = 0;
    const ts_chunk *chunks = ts_session_chunks(s, &n);
    g_string_append(out, ",\"messages\":[");
    for (size_t i = 0; i < n; i++) {
        g_string_append(out, i > 0 ? ",{\"from\":" : "{\"from\":");
        ts_json_append_direction(out, chunks[i].from);
        g_string_append(out, ",\"frame\":");
        ts_json_append_uint(out, chunks[i].frame);
        g_string_append(out, ",\"ts\":");
        ts_json_append_seconds(out, chunks[i].ts_ns);
        g_string_append(out, ",\"offset\":");
        ts_json_append_uint(out, chunks[i].offset);
        g_string_append(out, ",\"length\":");
        ts_json_append_uint(out, chunks[i].length);
        g_string_append_c(out, '}');
    }
    g_string_append_c(out, ']');
}

static void
append_gaps_and_anomalies(GString *out, const ts_session *s)
{
    size_t n = 0;
    const ts_gap *gaps = ts_session_gaps(s, &n);
    g_string_append(out, ",\"gaps\":[");
    for (size_t i = 0; i < n; i++) {
        g_string_append(out, i > 0 ? ",{\"from\":" : "{\"from\":");
        ts_json_append_direction(out, gaps[i].from);
        g_string_append(out, ",\"offset\":");
        ts_json_append_uint(out, gaps[i].offset);
        g_string_append(out, ",\"length\":");
        ts_json_append_uint(out, gaps[i].length);
        g_string_append_c(out, '}');
    }
    const ts_anomaly *an = ts_session_anomalies(s, &n);
    g_string_append(out, "],\"anomalies\":[");
    for (size_t i = 0; i < n; i++) {
        g_string_append(out, i > 0 ? ",{\"type\":" : "{\"type\":");
        ts_json_append_string(out, ts_anomaly_type_name(an[i].type));
        g_string_append(out, ",\"frame\":");
        ts_json_append_uint(out, an[i].frame);
        g_string_append(out, ",\"from\":");
        ts_json_append_direction(out, an[i].from);
        g_string_append(out, ",\"offset\":");
        ts_json_append_uint(out, an[i].offset);
        g_string_append(out, ",\"length\":");
        ts_json_append_uint(out, an[i].length);
        g_string_append_c(out, '}');
    }
    g_string_append_c(out, ']');
}

void
ts_raw_format_session(GString *out, const ts_session *s)
{
    char md5[33];
    g_string_append(out, "{\"stream\":");
    ts_json_append_uint(out, ts_session_stream(s));
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
    g_string_append_printf(out, ",\"client_md5\":\"%s\"", payload_md5(s, TS_FROM_CLIENT, md5));
    g_string_append_printf(out, ",\"server_md5\":\"%s\"", payload_md5(s, TS_FROM_SERVER, md5));
    append_messages(out, s);
    append_gaps_and_anomalies(out, s);
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
    g_string_append_c(out, '}');
}

bool
ts_raw_write_session(const char *dir, const ts_session *s, GError **error)
{
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    const ts_endpoint *c = ts_session_client(s), *v = ts_session_server(s);
    g_autofree char *raw_name = g_strdup_printf(
        "%06" G_GUINT64_FORMAT "-%s_%u-%s_%u", ts_session_stream(s), ts_endpoint_address(c, a),
        (unsigned)c->port, ts_endpoint_address(v, b), (unsigned)v->port);
    g_autofree char *name = ts_path_component(raw_name);
    g_autofree char *folder = g_build_filename(dir, name, NULL);
    if (g_mkdir_with_parents(folder, 0777) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", folder,
                    g_strerror(err));
        return false;
    }
    static const char *const files[2] = {"client.bin", "server.bin"};
    for (int d = 0; d < 2; d++) {
        size_t len = 0;
        const uint8_t *data = ts_session_payload(s, (ts_direction)d, &len);
        g_autofree char *path = g_build_filename(folder, files[d], NULL);
        if (!ts_atomic_write(path, data, data != NULL ? len : 0, error))
            return false;
    }
    g_autoptr(GString) json = g_string_new(NULL);
    ts_raw_format_session(json, s);
    g_string_append_c(json, '\n');
    g_autofree char *path = g_build_filename(folder, "session.json", NULL);
    return ts_atomic_write(path, json->str, json->len, error);
}

bool
ts_raw_finish(const char *dir, bool create, GError **raw_error, GError **error)
{
    if (*raw_error != NULL) {
        g_propagate_error(error, g_steal_pointer(raw_error));
        return false;
    }
    if (create && g_mkdir_with_parents(dir, 0777) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", dir,
                    g_strerror(err));
        return false;
    }
    return true;
}
