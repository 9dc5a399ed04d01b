/*
 * extract_sessions.c — a program built against the INSTALLED library only
 * (pkg-config libtcpsession), run by tests/e2e/installed_program.sh: prints
 * one line per session of the capture given, in stream order:
 *
 *   STREAM CLIENT_IP:PORT SERVER_IP:PORT CLIENT_BYTES SERVER_BYTES CLIENT_MD5 SERVER_MD5
 *
 * then "frames N sessions N version V". Everything it allocates is freed, so
 * it runs clean under valgrind and LeakSanitizer.
 */
#include <tcpsession.h>

#include <stdio.h>
#include <stdlib.h>

/* One formatted line per finished session, with its stream for sorting. */
typedef struct {
    uint64_t stream;
    char *line;
} session_line;

static void
line_free(gpointer p)
{
    session_line *l = p;
    g_free(l->line);
    g_free(l);
}

static char *
md5_of(const ts_session *s, ts_direction from)
{
    size_t len = 0;
    const uint8_t *data = ts_session_payload(s, from, &len);
    return g_compute_checksum_for_data(G_CHECKSUM_MD5, data != NULL ? data : (const uint8_t *)"",
                                       len);
}

/* session_done: formats the session into the array `user`. */
static void
on_done(void *user, ts_session *s)
{
    char c[TS_ADDRSTRLEN], v[TS_ADDRSTRLEN];
    const ts_endpoint *client = ts_session_client(s), *server = ts_session_server(s);
    char *md5[2] = {md5_of(s, TS_FROM_CLIENT), md5_of(s, TS_FROM_SERVER)};
    session_line *l = g_new0(session_line, 1);
    l->stream = ts_session_stream(s);
    l->line = g_strdup_printf("%" G_GUINT64_FORMAT " %s:%u %s:%u %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %s %s",
                              l->stream, ts_endpoint_address(client, c), (unsigned)client->port,
                              ts_endpoint_address(server, v), (unsigned)server->port,
                              ts_session_bytes(s, TS_FROM_CLIENT),
                              ts_session_bytes(s, TS_FROM_SERVER), md5[0], md5[1]);
    g_free(md5[0]);
    g_free(md5[1]);
    g_ptr_array_add(user, l);
}

static gint
by_stream(gconstpointer a, gconstpointer b)
{
    const session_line *x = *(session_line *const *)a, *y = *(session_line *const *)b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: extract_sessions CAPTURE\n");
        return 2;
    }
    GPtrArray *lines = g_ptr_array_new_with_free_func(line_free);
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = true;
    ts_callbacks cb = {.session_done = on_done};
    ts_engine *engine = ts_engine_new(&opts, &cb, lines);
    GError *error = NULL;
    int status = 0;
    if (!ts_engine_run_file(engine, argv[1], &error)) {
        fprintf(stderr, "extract_sessions: %s\n", error->message);
        g_error_free(error);
        status = 1;
    }
    g_ptr_array_sort(lines, by_stream);
    for (guint i = 0; i < lines->len; i++)
        printf("%s\n", ((session_line *)lines->pdata[i])->line);
    printf("frames %" G_GUINT64_FORMAT " sessions %" G_GUINT64_FORMAT " version %s\n",
           ts_engine_stats(engine)->frames, ts_engine_stats(engine)->sessions, ts_version());
    ts_engine_free(engine);
    g_ptr_array_unref(lines);
    return status;
}
