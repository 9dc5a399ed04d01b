/*
 * out_tcpflow.c — the tcpflow-compatible output of `tcpsession extract`: one
 * file per session direction that delivered at least one byte, named exactly
 * as tcpflow 1.6.1 names them (SRCIP.SPORT-DSTIP.DPORT, IPv4 octets padded to
 * three digits, ports to five; "--TCI" when the direction's packets carry an
 * 802.1Q tag; "c1", "c2"... for later files of the same name).
 *
 * tcpflow's VLAN suffix (flow.cpp, packet_info::vlan()): when the Ethernet
 * type of the packet that opened the direction's flow (its first SYN or
 * data packet) is 0x8100, "--" and the whole 16-bit TCI of that outermost
 * tag in decimal (priority bits included); 802.1ad (0x88a8) or 0x9100
 * outer tags give none. It is not part of tcpflow's flow key, so the two
 * directions of a session may get different suffixes. The "cN" counter
 * counts earlier files of the same name (tcpflow opens the first name that
 * does not exist yet), so each direction is named when its first byte
 * arrives, by then its tag is known.
 *
 * Unlike tcpflow, holes are NOT zero-filled: each file holds exactly the bytes
 * the engine delivered for that direction, in order, so its md5 equals the md5
 * of ts_session_payload() (and of `client_md5`/`server_md5` in the JSON lines).
 *
 * The engine runs without keep_payload; bytes arrive through the data callback
 * (in order, without overlap, per direction; under --overlap last the rewrite
 * callback then overwrites some of them in place) and go to a ts_file_writer
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
    ts_out_file *file[2]; /* file of each direction (index = ts_direction);
                             NULL until its first byte */
    GList link;           /* in ts_tcpflow_writer.live */
} flow_state;

struct ts_tcpflow_writer {
    ts_file_writer *files;
    char *dir;
    GHashTable *name_counts; /* file name without "cN" -> files of that name */
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
ts_tcpflow_file_name(const ts_endpoint *src, const ts_endpoint *dst, int vlan, unsigned k,
                     char buf[TS_TCPFLOW_NAME_MAX])
{
    char a[TS_TCPFLOW_NAME_MAX / 2 - 8], b[TS_TCPFLOW_NAME_MAX / 2 - 8], v[16] = "", c[16] = "";
    endpoint_name(src, a, sizeof a);
    endpoint_name(dst, b, sizeof b);
    if (vlan >= 0)
        g_snprintf(v, sizeof v, "--%d", vlan);
    if (k > 0)
        g_snprintf(c, sizeof c, "c%u", k);
    g_snprintf(buf, TS_TCPFLOW_NAME_MAX, "%s-%s%s%s", a, b, v, c);
    return buf;
}

/* tcpflow's VLAN number of direction `from`: the TCI of an outermost 802.1Q
 * (0x8100) tag, else -1. */
static int
tcpflow_vlan(const ts_session *s, ts_direction from)
{
    uint16_t tpid, tci;
    if (!ts_session_vlan_tag(s, from, &tpid, &tci) || tpid != 0x8100)
        return -1;
    return tci;
}

ts_tcpflow_writer *
ts_tcpflow_writer_new(const char *dir)
{
    ts_tcpflow_writer *w = g_new0(ts_tcpflow_writer, 1);
    w->files = ts_file_writer_new(dir, 0);
    w->dir = g_strdup(dir);
    w->name_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_queue_init(&w->live);
    return w;
}

static flow_state *
state_new(ts_tcpflow_writer *w, ts_session *s)
{
    flow_state *st = g_new0(flow_state, 1);
    st->link.data = st;
    g_queue_push_tail_link(&w->live, &st->link);
    ts_session_set_user(s, st);
    return st;
}

/* The file of direction `from`, named when its first byte arrives: its
 * name, with "cN" when N files of that name came before. */
static ts_out_file *
direction_file(ts_tcpflow_writer *w, ts_session *s, flow_state *st, ts_direction from)
{
    if (st->file[from] != NULL)
        return st->file[from];
    const ts_endpoint *src = from == TS_FROM_CLIENT ? ts_session_client(s) : ts_session_server(s);
    const ts_endpoint *dst = from == TS_FROM_CLIENT ? ts_session_server(s) : ts_session_client(s);
    int vlan = tcpflow_vlan(s, from);
    char name[TS_TCPFLOW_NAME_MAX];
    ts_tcpflow_file_name(src, dst, vlan, 0, name);
    gpointer count = NULL;
    unsigned k = 0;
    if (g_hash_table_lookup_extended(w->name_counts, name, NULL, &count))
        k = GPOINTER_TO_UINT(count);
    g_hash_table_insert(w->name_counts, g_strdup(name), GUINT_TO_POINTER(k + 1));
    g_autofree char *path =
        g_build_filename(w->dir, ts_tcpflow_file_name(src, dst, vlan, k, name), NULL);
    st->file[from] = ts_file_writer_add(w->files, path);
    return st->file[from];
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
    ts_out_file_append(w->files, direction_file(w, s, st, d->from), d->data, d->length);
}

void
ts_tcpflow_writer_rewrite(ts_tcpflow_writer *w, ts_session *s, const ts_rewrite *r)
{
    flow_state *st = ts_session_get_user(s);
    if (st != NULL && st->file[r->from] != NULL) /* the bytes were delivered: it exists */
        ts_out_file_patch(w->files, st->file[r->from], r->index, r->data, r->length);
}

void
ts_tcpflow_writer_done(ts_tcpflow_writer *w, ts_session *s)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        return;
    for (int dir = 0; dir < 2; dir++) {
        if (st->file[dir] != NULL)
            ts_out_file_commit(w->files, st->file[dir]);
    }
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
    g_hash_table_unref(w->name_counts);
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
tcpflow_rewrite(void *w, ts_session *s, const ts_rewrite *r)
{
    ts_tcpflow_writer_rewrite(w, s, r);
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
               "(SRCIP.SPORT-DSTIP.DPORT[--VLAN][cN]); unlike tcpflow, holes are not\n"
               "zero-filled: a file holds exactly the bytes delivered",
    .needs = TS_FORMAT_NEEDS_DATA,
    .open = tcpflow_open,
    .session_open = tcpflow_session_open,
    .data = tcpflow_data,
    .rewrite = tcpflow_rewrite,
    .session_done = tcpflow_session_done,
    .finish = tcpflow_finish,
    .free = tcpflow_free,
};
