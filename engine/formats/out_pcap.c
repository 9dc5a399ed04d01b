/*
 * out_pcap.c — `extract --format pcap`: one capture file per session holding
 * exactly the frames Wireshark gives that tcp.stream, unchanged (link type,
 * timestamp, caplen, origlen, bytes) and in capture order: packet for packet
 * what `tshark -r CAPTURE -Y "tcp.stream == N" -w FILE` writes.
 *
 *   DIR/stream-000003_10.0.0.1.51234-10.0.0.2.80.pcap
 *
 * The name is the stream number (six digits or more, so names sort by
 * stream), then client and server as ADDRESS.PORT (IPv6 addresses as
 * ts_endpoint_address() writes them). Files are classic pcap, little-endian,
 * with the nanosecond magic (0xa1b23c4d) whatever the capture's resolution,
 * so no timestamp is rounded; the header's snap length is 262144, or the
 * largest caplen of the file when that is more.
 *
 * A pcap file has one link type: a stream whose frames came through
 * interfaces of several link types (pcapng) gets one file per link type, the
 * first link type's named as above, each other one's with ".linktype-N"
 * before ".pcap" (N: its LINKTYPE_ number); each file holds that link
 * type's frames of the stream in capture order.
 *
 * The library says which frames belong to which stream (ts_callbacks.
 * stream_frame: the session's segments, processed or not, late ones, ICMP
 * errors quoting them, the fragment completing a reassembled datagram); each
 * frame is appended to its stream's file as it comes, through a
 * ts_file_writer (file_writer.h), whose memory is bounded. A file is
 * committed (renamed from its temporary name) when the library says the
 * stream can get no more frames: at once for a session ended by the end of
 * the capture or a reused 4-tuple, else when the engine forgets the finished
 * session (late packets still come until then).
 */
#include "format.h"
#include "file_writer.h"

#include "util/atomic_file.h"

#include <string.h>

#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_SNAPLEN 262144u
#define NS_PER_S 1000000000LL

/* One output file: the frames of one link type of a stream. */
typedef struct pcap_file {
    ts_out_file *file;
    int linktype;
    uint32_t max_caplen;
    struct pcap_file *next; /* the stream's file of another link type */
} pcap_file;

/* A stream's files; the key of its entry in pcap_writer.streams. */
typedef struct {
    uint64_t stream;
    char *name;       /* file name without ".pcap" */
    pcap_file *files; /* NULL until the first frame; first link type first */
} stream_state;

/* One capture's run. */
typedef struct {
    ts_file_writer *files;
    char *dir;
    GHashTable *streams; /* &stream_state.stream -> stream_state of streams not over */
} pcap_writer;

/* Stores `v` little-endian at `p`. */
static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Frees a stream's state (its files must be committed or left to the
 * file writer). */
static void
stream_free(gpointer p)
{
    stream_state *st = p;
    for (pcap_file *f = st->files, *next; f != NULL; f = next) {
        next = f->next;
        g_free(f);
    }
    g_free(st->name);
    g_free(st);
}

/* A writer of the capture's folder (created with its first file). */
static void *
pcap_open(const ts_format_args *args, GError **error)
{
    (void)error;
    pcap_writer *w = g_new0(pcap_writer, 1);
    w->files = ts_file_writer_new(args->dir, 0);
    w->dir = g_strdup(args->dir);
    w->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
    return w;
}

/* Names the session's files: "stream-NNNNNN_CLIENT.PORT-SERVER.PORT". */
static void
pcap_session_open(void *writer, ts_session *s)
{
    pcap_writer *w = writer;
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    const ts_endpoint *c = ts_session_client(s), *v = ts_session_server(s);
    g_autofree char *raw = g_strdup_printf(
        "stream-%06" G_GUINT64_FORMAT "_%s.%u-%s.%u", ts_session_stream(s),
        ts_endpoint_address(c, a), (unsigned)c->port, ts_endpoint_address(v, b), (unsigned)v->port);
    stream_state *st = g_new0(stream_state, 1);
    st->stream = ts_session_stream(s);
    st->name = ts_path_component(raw);
    g_hash_table_replace(w->streams, &st->stream, st);
}

/* The stream's file for `linktype`, created with its pcap header. */
static pcap_file *
file_for(pcap_writer *w, stream_state *st, int linktype)
{
    pcap_file **end = &st->files;
    for (pcap_file *f = st->files; f != NULL; f = f->next) {
        if (f->linktype == linktype)
            return f;
        end = &f->next;
    }
    g_autofree char *name = st->files == NULL
                                ? g_strdup_printf("%s.pcap", st->name)
                                : g_strdup_printf("%s.linktype-%d.pcap", st->name, linktype);
    g_autofree char *path = g_build_filename(w->dir, name, NULL);
    pcap_file *f = g_new0(pcap_file, 1);
    f->file = ts_file_writer_add(w->files, path);
    f->linktype = linktype;
    *end = f;
    uint8_t h[24];
    put_le32(h, PCAP_MAGIC_NS);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
    put_le32(h + 8, 0);                     /* thiszone */
    put_le32(h + 12, 0);                    /* sigfigs */
    put_le32(h + 16, PCAP_SNAPLEN);
    put_le32(h + 20, (uint32_t)linktype);
    ts_out_file_append(w->files, f->file, h, sizeof h);
    return f;
}

/* Appends frame `f` to its file as one pcap record. */
static void
append_frame(pcap_writer *w, stream_state *st, const ts_frame *f)
{
    pcap_file *pf = file_for(w, st, f->linktype);
    int64_t sec = f->ts_ns / NS_PER_S, nsec = f->ts_ns % NS_PER_S;
    if (nsec < 0) /* before 1970: the second below */
        sec--, nsec += NS_PER_S;
    uint8_t h[16];
    put_le32(h, (uint32_t)sec);
    put_le32(h + 4, (uint32_t)nsec);
    put_le32(h + 8, f->caplen);
    put_le32(h + 12, f->origlen);
    ts_out_file_append(w->files, pf->file, h, sizeof h);
    ts_out_file_append(w->files, pf->file, f->data, f->caplen);
    if (f->caplen > pf->max_caplen)
        pf->max_caplen = f->caplen;
}

/* Commits the stream's files (a snap length raised to the largest caplen)
 * and forgets the stream. */
static void
stream_end(pcap_writer *w, stream_state *st)
{
    for (pcap_file *f = st->files; f != NULL; f = f->next) {
        if (f->max_caplen > PCAP_SNAPLEN) {
            uint8_t v[4];
            put_le32(v, f->max_caplen);
            ts_out_file_patch(w->files, f->file, 16, v, sizeof v);
        }
        ts_out_file_commit(w->files, f->file);
    }
    g_hash_table_remove(w->streams, &st->stream);
}

/* A frame of `stream` (f NULL: the stream is over). */
static void
pcap_stream_frame(void *writer, uint64_t stream, const ts_frame *f, uint64_t number)
{
    (void)number;
    pcap_writer *w = writer;
    stream_state *st = g_hash_table_lookup(w->streams, &stream);
    if (st == NULL) /* session_open comes first: not expected */
        return;
    if (f == NULL)
        stream_end(w, st);
    else
        append_frame(w, st, f);
}

/* Files of streams not over (a capture that could not be read to its end
 * without the engine finishing) are removed by the file writer. */
static bool
pcap_finish(void *writer, bool create_empty, GError **error)
{
    pcap_writer *w = writer;
    if (create_empty)
        ts_file_writer_ensure_dir(w->files);
    return ts_file_writer_finish(w->files, error);
}

/* Frees the writer and the state of streams not over. */
static void
pcap_free(void *writer)
{
    pcap_writer *w = writer;
    if (w == NULL)
        return;
    ts_file_writer_free(w->files); /* removes the files not committed */
    g_hash_table_unref(w->streams);
    g_free(w->dir);
    g_free(w);
}

const ts_format ts_format_pcap = {
    .name = "pcap",
    .summary = "one capture file per session with exactly its frames, unchanged (what\n"
               "tshark -Y \"tcp.stream == N\" -w writes): stream-NNNNNN_CLIENT.PORT-\n"
               "SERVER.PORT.pcap, nanosecond pcap",
    .needs = TS_FORMAT_NEEDS_STREAM_FRAMES,
    .open = pcap_open,
    .session_open = pcap_session_open,
    .stream_frame = pcap_stream_frame,
    .finish = pcap_finish,
    .free = pcap_free,
};
