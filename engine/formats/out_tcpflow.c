/*
 * out_tcpflow.c — the tcpflow-compatible output of `tcpsession extract`: one
 * file per session direction that delivered at least one byte, named exactly
 * as tcpflow 1.6.1 names them (SRCIP.SPORT-DSTIP.DPORT, IPv4 octets padded to
 * three digits, ports to five, "c1", "c2"... for later sessions on the same
 * pair of endpoints).
 *
 * Unlike tcpflow, holes are NOT zero-filled: each file holds exactly the bytes
 * the engine delivered for that direction, in order, so its md5 equals the md5
 * of ts_session_payload() (and of `client_md5`/`server_md5` in the JSON lines).
 *
 * The engine runs without keep_payload; bytes arrive through the data callback
 * (in order, without overlap, per direction) and go to a ts_file_writer
 * (file_writer.h), whose threads create, write and rename the files beside the
 * engine. A file is committed (renamed from its temporary name) when its
 * session is done, so it is never seen half written.
 */
#include "format.h"
#include "formats.h"
#include "file_writer.h"

#include <arpa/inet.h>
#include <string.h>

typedef struct {
    ts_out_file *file[2]; /* file of each direction (index = ts_direction) */
    GList link;           /* in ts_tcpflow_writer.live */
} flow_state;

struct ts_tcpflow_writer {
    ts_file_writer *files;
    char *dir;
    GHashTable *pair_counts; /* "endpointA|endpointB" (sorted) -> sessions seen */
    GQueue live;             /* flow_state of sessions not done */
};

/* Writes the tcpflow text of one endpoint ("010.000.000.001.01234"). */
static void
endpoint_name(const ts_endpoint *ep, char *buf, size_t size)
{
    if (ep->family == 6) {
        char addr[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, ep->addr, addr, sizeof addr) == NULL)
            g_strlcpy(addr, "?", sizeof addr);
        g_snprintf(buf, size, "%s.%05u", addr, (unsigned)ep->port);
    } else {
        g_snprintf(buf, size, "%03u.%03u.%03u.%03u.%05u", ep->addr[0], ep->addr[1], ep->addr[2],
                   ep->addr[3], (unsigned)ep->port);
    }
}

char *
ts_tcpflow_file_name(const ts_endpoint *src, const ts_endpoint *dst, unsigned k,
                     char buf[TS_TCPFLOW_NAME_MAX])
{
    char a[TS_TCPFLOW_NAME_MAX / 2 - 8], b[TS_TCPFLOW_NAME_MAX / 2 - 8];
    endpoint_name(src, a, sizeof a);
    endpoint_name(dst, b, sizeof b);
    if (k == 0)
        g_snprintf(buf, TS_TCPFLOW_NAME_MAX, "%s-%s", a, b);
    else
        g_snprintf(buf, TS_TCPFLOW_NAME_MAX, "%s-%sc%u", a, b, k);
    return buf;
}

ts_tcpflow_writer *
ts_tcpflow_writer_new(const char *dir)
{
    ts_tcpflow_writer *w = g_new0(ts_tcpflow_writer, 1);
    w->files = ts_file_writer_new(dir, 0);
    w->dir = g_strdup(dir);
    w->pair_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_queue_init(&w->live);
    return w;
}

static flow_state *
state_new(ts_tcpflow_writer *w, ts_session *s)
{
    const ts_endpoint *client = ts_session_client(s);
    const ts_endpoint *server = ts_session_server(s);

    /* k = sessions already seen on this unordered pair of endpoints. */
    char a[TS_TCPFLOW_NAME_MAX], b[TS_TCPFLOW_NAME_MAX];
    endpoint_name(client, a, sizeof a);
    endpoint_name(server, b, sizeof b);
    g_autofree char *key =
        strcmp(a, b) <= 0 ? g_strconcat(a, "|", b, NULL) : g_strconcat(b, "|", a, NULL);
    gpointer count = NULL;
    unsigned k = 0;
    if (g_hash_table_lookup_extended(w->pair_counts, key, NULL, &count))
        k = GPOINTER_TO_UINT(count);
    g_hash_table_insert(w->pair_counts, g_steal_pointer(&key), GUINT_TO_POINTER(k + 1));

    flow_state *st = g_new0(flow_state, 1);
    char name[TS_TCPFLOW_NAME_MAX];
    g_autofree char *to_server =
        g_build_filename(w->dir, ts_tcpflow_file_name(client, server, k, name), NULL);
    g_autofree char *to_client =
        g_build_filename(w->dir, ts_tcpflow_file_name(server, client, k, name), NULL);
    st->file[TS_FROM_CLIENT] = ts_file_writer_add(w->files, to_server);
    st->file[TS_FROM_SERVER] = ts_file_writer_add(w->files, to_client);
    st->link.data = st;
    g_queue_push_tail_link(&w->live, &st->link);
    ts_session_set_user(s, st);
    return st;
}

void
ts_tcpflow_writer_open(ts_tcpflow_writer *w, ts_session *s)
{
    if (ts_session_get_user(s) == NULL)
        state_new(w, s);
}

void
ts_tcpflow_writer_data(ts_tcpflow_writer *w, ts_session *s, const ts_delivery *d)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        st = state_new(w, s);
    int dir = d->from == TS_FROM_CLIENT ? 0 : 1;
    ts_out_file_append(w->files, st->file[dir], d->data, d->length);
}

void
ts_tcpflow_writer_done(ts_tcpflow_writer *w, ts_session *s)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        return;
    ts_out_file_commit(w->files, st->file[0]);
    ts_out_file_commit(w->files, st->file[1]);
    ts_session_set_user(s, NULL);
    g_queue_unlink(&w->live, &st->link);
    g_free(st);
}

bool
ts_tcpflow_writer_finish(ts_tcpflow_writer *w, bool create_dir, GError **error)
{
    if (create_dir)
        ts_file_writer_ensure_dir(w->files);
    return ts_file_writer_finish(w->files, error);
}

void
ts_tcpflow_writer_free(ts_tcpflow_writer *w)
{
    if (w == NULL)
        return;
    /* Files of sessions never done are removed with the file writer. */
    ts_file_writer_free(w->files);
    while (w->live.head != NULL) {
        flow_state *st = w->live.head->data;
        g_queue_unlink(&w->live, &st->link);
        g_free(st);
    }
    g_hash_table_unref(w->pair_counts);
    g_free(w->dir);
    g_free(w);
}

/* ---- the format table entry ------------------------------------------- */

static void *
tcpflow_open(const ts_format_args *args, GError **error)
{
    (void)error;
    return ts_tcpflow_writer_new(args->dir);
}

static void
tcpflow_session_open(void *w, ts_session *s)
{
    ts_tcpflow_writer_open(w, s);
}

static void
tcpflow_data(void *w, ts_session *s, const ts_delivery *d)
{
    ts_tcpflow_writer_data(w, s, d);
}

static void
tcpflow_session_done(void *w, ts_session *s)
{
    ts_tcpflow_writer_done(w, s);
}

static bool
tcpflow_finish(void *w, bool create_empty, GError **error)
{
    return ts_tcpflow_writer_finish(w, create_empty, error);
}

static void
tcpflow_free(void *w)
{
    ts_tcpflow_writer_free(w);
}

const ts_format ts_format_tcpflow = {
    .name = "tcpflow",
    .summary = "one file per direction with data, named like tcpflow 1.6.1's\n"
               "(SRCIP.SPORT-DSTIP.DPORT[cN]); unlike tcpflow, holes are not\n"
               "zero-filled: a file holds exactly the bytes delivered",
    .needs = TS_FORMAT_NEEDS_DATA,
    .open = tcpflow_open,
    .session_open = tcpflow_session_open,
    .data = tcpflow_data,
    .session_done = tcpflow_session_done,
    .finish = tcpflow_finish,
    .free = tcpflow_free,
};
