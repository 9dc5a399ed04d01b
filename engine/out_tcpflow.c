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
 * (in order, without overlap, per direction) and are buffered per session
 * direction. A buffer is flushed when it passes FLUSH_THRESHOLD, when all
 * buffers together pass TOTAL_BUDGET, and when the session is done. Every
 * flush opens, writes and closes the file, so thousands of concurrent sessions
 * never hold thousands of file descriptors. Files are written under a
 * temporary name ("NAME.tmp.XXXXXX", removed on a fatal signal) and renamed
 * when their session is done: a file is never seen half written.
 */
#include "atomic_file.h"
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_THRESHOLD (64u * 1024u)
#define TOTAL_BUDGET (16u * 1024u * 1024u)

typedef struct {
    char *path[2];      /* file of each direction (index = ts_direction) */
    GByteArray *buf[2]; /* bytes not yet written; NULL when none */
    ts_temp *temp[2];   /* the file being written, NULL before the first byte */
    GList link;         /* in ts_tcpflow_writer.live */
} flow_state;

struct ts_tcpflow_writer {
    char *dir;
    bool dir_ready;
    GHashTable *pair_counts; /* "endpointA|endpointB" (sorted) -> sessions seen */
    GQueue live;             /* flow_state of sessions not done yet */
    size_t buffered;         /* bytes in all buffers */
    GError *error;           /* first failure; later output is skipped */
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
    w->dir = g_strdup(dir);
    w->pair_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_queue_init(&w->live);
    return w;
}

static void
set_errno_error(ts_tcpflow_writer *w, const char *path, int err)
{
    if (w->error == NULL)
        g_set_error(&w->error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                    g_strerror(err));
}

static bool
ensure_dir(ts_tcpflow_writer *w)
{
    if (w->dir_ready)
        return true;
    if (g_mkdir_with_parents(w->dir, 0777) != 0) {
        set_errno_error(w, w->dir, errno);
        return false;
    }
    w->dir_ready = true;
    return true;
}

/* Appends `len` bytes to the direction's file (created empty on first use). */
static void
write_file(ts_tcpflow_writer *w, flow_state *st, int dir, const uint8_t *data, size_t len)
{
    if (len == 0 || w->error != NULL || !ensure_dir(w))
        return;
    if (st->temp[dir] == NULL) {
        st->temp[dir] = ts_temp_create(st->path[dir], w->error == NULL ? &w->error : NULL);
        if (st->temp[dir] == NULL)
            return;
    }
    int fd = open(ts_temp_path(st->temp[dir]), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        set_errno_error(w, st->path[dir], errno);
        return;
    }
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            set_errno_error(w, st->path[dir], n < 0 ? errno : ENOSPC);
            break;
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        set_errno_error(w, st->path[dir], errno);
}

static void
flush_direction(ts_tcpflow_writer *w, flow_state *st, int dir)
{
    GByteArray *buf = st->buf[dir];
    if (buf == NULL)
        return;
    write_file(w, st, dir, buf->data, buf->len);
    w->buffered -= buf->len;
    /* Release the memory: most sessions never need their buffer again. */
    g_byte_array_unref(buf);
    st->buf[dir] = NULL;
}

static void
flush_all(ts_tcpflow_writer *w)
{
    for (GList *l = w->live.head; l != NULL; l = l->next) {
        flow_state *st = l->data;
        flush_direction(w, st, 0);
        flush_direction(w, st, 1);
    }
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
    st->path[TS_FROM_CLIENT] =
        g_build_filename(w->dir, ts_tcpflow_file_name(client, server, k, name), NULL);
    st->path[TS_FROM_SERVER] =
        g_build_filename(w->dir, ts_tcpflow_file_name(server, client, k, name), NULL);
    st->link.data = st;
    g_queue_push_tail_link(&w->live, &st->link);
    ts_session_set_user(s, st);
    return st;
}

static void
state_free(ts_tcpflow_writer *w, flow_state *st)
{
    g_queue_unlink(&w->live, &st->link);
    for (int dir = 0; dir < 2; dir++) {
        if (st->buf[dir] != NULL) {
            w->buffered -= st->buf[dir]->len;
            g_byte_array_unref(st->buf[dir]);
        }
        ts_temp_discard(st->temp[dir]);
        g_free(st->path[dir]);
    }
    g_free(st);
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
    if (d->length == 0 || w->error != NULL)
        return;
    if (d->length >= FLUSH_THRESHOLD) {
        flush_direction(w, st, dir);
        write_file(w, st, dir, d->data, d->length); /* big delivery: no copy */
        return;
    }
    if (st->buf[dir] == NULL)
        st->buf[dir] = g_byte_array_sized_new(MAX((guint)d->length, 4096u));
    GByteArray *buf = st->buf[dir];
    g_byte_array_append(buf, d->data, (guint)d->length);
    w->buffered += d->length;
    if (buf->len >= FLUSH_THRESHOLD)
        flush_direction(w, st, dir);
    if (w->buffered >= TOTAL_BUDGET)
        flush_all(w);
}

void
ts_tcpflow_writer_done(ts_tcpflow_writer *w, ts_session *s)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        return;
    flush_direction(w, st, 0);
    flush_direction(w, st, 1);
    for (int dir = 0; dir < 2; dir++) {
        if (st->temp[dir] != NULL)
            ts_temp_commit(st->temp[dir], st->path[dir], w->error == NULL ? &w->error : NULL);
        st->temp[dir] = NULL;
    }
    ts_session_set_user(s, NULL);
    state_free(w, st);
}

bool
ts_tcpflow_writer_finish(ts_tcpflow_writer *w, bool create_dir, GError **error)
{
    flush_all(w);
    if (create_dir)
        ensure_dir(w);
    if (w->error != NULL) {
        g_propagate_error(error, g_steal_pointer(&w->error));
        return false;
    }
    return true;
}

void
ts_tcpflow_writer_free(ts_tcpflow_writer *w)
{
    if (w == NULL)
        return;
    while (w->live.head != NULL)
        state_free(w, w->live.head->data);
    g_hash_table_unref(w->pair_counts);
    g_clear_error(&w->error);
    g_free(w->dir);
    g_free(w);
}
