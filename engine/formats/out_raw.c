/*
 * out_raw.c — `extract --format raw`: one folder per session holding the
 * bytes each side delivered, as they are, and a small JSON description.
 *
 *   DIR/000003-10.0.0.1_51234-10.0.0.2_80/client.bin
 *                                        /server.bin
 *                                        /session.json
 *
 * session.json: capture, stream, community_id, client, server, start, end, packets, midstream,
 * client_bytes, server_bytes, client_md5, server_md5, messages (the exchange
 * in delivery order as {"from", "frame", "ts", "offset", "length"}, offset
 * into that side's .bin file), gaps, anomalies, close, first_frame,
 * client_missing_bytes, server_missing_bytes, anomalies_dropped. The folder
 * is built under a temporary name and renamed into place once its three
 * files are written (an earlier run's folder of that name is replaced), so a
 * session's folder is complete or absent, even on a full disk.
 */
#include "format.h"
#include "formats.h"

#include "util/atomic_file.h"
#include "util/json_text.h"
#include "util/out_dir.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

void
ts_raw_format_session(GString *out, const ts_session *s, const ts_json_context *ctx)
{
    ts_json_format_session(out, s, ctx, false);
}

/* Writes the files of session `s` into `folder`. */
static bool
write_session_files(const char *folder, const ts_session *s, const ts_json_context *ctx,
                    GError **error)
{
    static const char *const files[2] = {"client.bin", "server.bin"};
    for (int d = 0; d < 2; d++) {
        size_t len = 0;
        const uint8_t *data = ts_session_payload(s, (ts_direction)d, &len);
        g_autofree char *path = g_build_filename(folder, files[d], NULL);
        if (!ts_atomic_write(path, data, data != NULL ? len : 0, error))
            return false;
    }
    g_autoptr(GString) json = g_string_new(NULL);
    ts_raw_format_session(json, s, ctx);
    g_string_append_c(json, '\n');
    g_autofree char *path = g_build_filename(folder, "session.json", NULL);
    return ts_atomic_write(path, json->str, json->len, error);
}

/* Sets `error` to `failure` with the temporary folder's name `temp` in its
 * message replaced by the final one, `folder`; frees `failure`. */
static void
name_final_folder(GError **error, GError *failure, const char *temp, const char *folder)
{
    const char *at = strstr(failure->message, temp);
    if (at != NULL) {
        g_autofree char *head = g_strndup(failure->message, (gsize)(at - failure->message));
        g_set_error(error, failure->domain, failure->code, "%s%s%s", head, folder,
                    at + strlen(temp));
        g_error_free(failure);
    } else {
        g_propagate_error(error, failure);
    }
}

bool
ts_raw_write_session(const char *dir, const ts_session *s, const ts_json_context *ctx,
                     GError **error)
{
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    const ts_endpoint *c = ts_session_client(s), *v = ts_session_server(s);
    g_autofree char *raw_name = g_strdup_printf(
        "%06" G_GUINT64_FORMAT "-%s_%u-%s_%u", ts_session_stream(s), ts_endpoint_address(c, a),
        (unsigned)c->port, ts_endpoint_address(v, b), (unsigned)v->port);
    g_autofree char *name = ts_path_component(raw_name);
    g_autofree char *folder = g_build_filename(dir, name, NULL);
    /* built under a temporary name: a session's folder is complete or absent */
    if (!ts_out_mkdir(dir, error))
        return false;
    ts_temp *temp = ts_temp_dir_create(folder, error);
    if (temp == NULL)
        return false;
    GError *failure = NULL;
    if (!write_session_files(ts_temp_path(temp), s, ctx, &failure)) {
        name_final_folder(error, failure, ts_temp_path(temp), folder);
        ts_temp_discard(temp);
        return false;
    }
    return ts_temp_commit(temp, folder, error);
}

bool
ts_raw_finish(const char *dir, bool create, GError **raw_error, GError **error)
{
    if (*raw_error != NULL) {
        g_propagate_error(error, g_steal_pointer(raw_error));
        return false;
    }
    return !create || ts_out_mkdir(dir, error);
}

/* ---- the format table entry ------------------------------------------- */

/* A raw run: the capture's folder, the run's JSON keys (capture owned) and
 * the first write failure. */
typedef struct {
    char *dir;
    ts_json_context ctx;
    GError *error;
} raw_writer;

static void *
raw_open(const ts_format_args *args, GError **error)
{
    (void)error;
    raw_writer *w = g_new0(raw_writer, 1);
    w->dir = g_strdup(args->dir);
    w->ctx = (ts_json_context){g_strdup(args->capture), args->community_id_seed};
    return w;
}

/* Writes the session's folder unless an earlier one failed. */
static void
raw_session_done(void *writer, ts_session *s)
{
    raw_writer *w = writer;
    if (w->error == NULL)
        ts_raw_write_session(w->dir, s, &w->ctx, &w->error);
}

static bool
raw_finish(void *writer, bool create_empty, GError **error)
{
    raw_writer *w = writer;
    return ts_raw_finish(w->dir, create_empty, &w->error, error);
}

static void
raw_free(void *writer)
{
    raw_writer *w = writer;
    if (w == NULL)
        return;
    g_clear_error(&w->error);
    g_free(w->dir);
    g_free((char *)w->ctx.capture);
    g_free(w);
}

const ts_format ts_format_raw = {
    .name = "raw",
    .summary = "one folder per session: client.bin, server.bin, session.json",
    .needs = TS_FORMAT_NEEDS_PAYLOAD,
    .open = raw_open,
    .session_done = raw_session_done,
    .finish = raw_finish,
    .free = raw_free,
};
