/*
 * verify_internal.h — the verifier's internals, shared by its files and the
 * unit tests (the commands use verify.h only): our own sessions (ours.c),
 * spawning tshark and tcpflow (tools.c), tshark's per-frame fields
 * (tshark_fields.c) and Follow TCP Stream output (tshark_follow.c), tcpflow's
 * output folder (tcpflow_files.c), pairing and byte comparison with tshark
 * (compare.c), the classification of tshark's differences (classify.c), the
 * comparison with tcpflow's files (tcpflow_compare.c) through a model of what
 * tcpflow writes (tcpflow_model.c, tcpflow_ours.c; its own header
 * tcpflow_model.h), the verification of one capture (capture.c), the run over
 * many (run.c) and what is written (log.c).
 *
 * Conventions: a direction index is a ts_direction (0 client, 1 server) on
 * our side and a node index (0 = sender of the stream's first packet) on
 * tshark's side. Stream offsets count from our offset 0 of a direction with
 * gaps included; "payload positions" index our delivered bytes (gaps left out).
 */
#ifndef TS_VERIFY_INTERNAL_H
#define TS_VERIFY_INTERNAL_H

#include "verify.h"

#include <gio/gio.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/** A run of stream offsets [offset, offset + length). */
typedef struct {
    int64_t offset;
    uint64_t length;
} vf_range;

/** True when the two endpoints are the same address and port. */
bool vf_endpoint_equal(const ts_endpoint *a, const ts_endpoint *b);

/** Parses "1.2.3.4:80" or "[2001:db8::1]:80" into `ep`; false when malformed. */
bool vf_endpoint_parse(const char *text, ts_endpoint *ep);

/** Appends "1.2.3.4:80" or "[2001:db8::1]:80" to `out`. */
void vf_endpoint_append(GString *out, const ts_endpoint *ep);

/** True when the two runs of bytes are equal (either may be NULL when empty). */
bool vf_bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/** The md5 of `len` bytes as 32 lowercase hex digits in `out`. */
void vf_md5(const uint8_t *data, size_t len, char out[33]);

/** Index of the first byte where a and b differ, the shorter length when one
 *  is a prefix of the other, or -1 when they are equal. */
int64_t vf_first_difference(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ------------------------------------------------------------------ */
/* Our sessions (ours.c)                                               */
/* ------------------------------------------------------------------ */

/** One direction of one of our sessions. */
typedef struct {
    GByteArray *payload; /* delivered bytes, gaps left out */
    GArray *holes;       /* vf_range: the gaps merged, ascending stream offsets */
    GArray *chunks;      /* ts_chunk of this direction (offsets: payload positions) */
} vf_ours_dir;

/** One of our sessions, copied out of the engine. */
typedef struct {
    uint64_t stream;
    ts_endpoint ep[2]; /* [TS_FROM_CLIENT], [TS_FROM_SERVER] */
    uint64_t first_frame;
    bool midstream;
    ts_close_reason close;
    vf_ours_dir dir[2];
    GArray *anomalies;   /* ts_anomaly, both directions */
    int tcpflow_vlan[2]; /* tcpflow's "--N" of each direction (TCI of an outer
                            802.1Q tag, ts_session_vlan_tag), or -1 */
} vf_session;

/** Our view of one capture. */
typedef struct {
    GPtrArray *sessions; /* vf_session*, ascending stream number */
    ts_stats stats;
    char *error;            /* why the capture could not be read completely, or NULL */
    GHashTable *frame_vlan; /* frame number -> 1 + TCI of Ethernet frames whose
                               type is 0x8100 (tcpflow's VLAN), NULL if none */
} vf_ours;

/** Runs the engine over `path` (keep_payload, overlap `policy`) and returns
 *  every session; never NULL (a read failure is in ->error). */
vf_ours *vf_ours_run(const char *path, ts_overlap_policy policy);

/** tcpflow's VLAN number of frame `frame` (packet_info::vlan(): the TCI
 *  after an Ethernet header whose type is 0x8100), or -1. */
int vf_ours_frame_vlan(const vf_ours *ours, uint64_t frame);
void vf_ours_free(vf_ours *ours);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vf_ours, vf_ours_free)

/** Stream offset of payload position `pos` of direction `d` (holes added). */
int64_t vf_ours_stream_offset(const vf_ours_dir *d, uint64_t pos);

/** Payload position of stream offset `off` (holes before it left out). */
uint64_t vf_ours_payload_pos(const vf_ours_dir *d, int64_t off);

/** The session with this stream number, or NULL. */
const vf_session *vf_ours_find(const vf_ours *ours, uint64_t stream);

/* ------------------------------------------------------------------ */
/* Spawning the tools (tools.c)                                        */
/* ------------------------------------------------------------------ */

/** The program to run for `tool`: $TS_TSHARK / $TS_TCPFLOW when set, else
 *  the tool's name (looked up in PATH when spawned). */
const char *vf_tool_program(vf_tool tool);

/** Called for each line of a tool's output (without its newline). */
typedef void (*vf_line_fn)(void *user, const char *line, size_t len);

/** Runs `argv`, handing every line of its standard output to `fn` (in the
 *  calling thread); standard error is collected. False with `error` when it
 *  could not be started or exited with a failure (message includes the end
 *  of its standard error). */
bool vf_run_lines(const char *const *argv, vf_line_fn fn, void *user, GError **error);

/** A running vf_run_lines in its own thread. */
typedef struct vf_job vf_job;
/** Starts vf_run_lines(argv, fn, user) in a new thread (argv is copied). */
vf_job *vf_job_start(const char *const *argv, vf_line_fn fn, void *user);
/** Waits for the job; false with `error` as vf_run_lines. Frees the job. */
bool vf_job_finish(vf_job *job, GError **error);

/** A private temporary folder (created); remove with vf_rmtree. */
char *vf_make_temp_dir(GError **error);
/** Removes a folder and everything in it (best effort). */
void vf_rmtree(const char *path);

/** When `path` is gzip-compressed, writes it uncompressed into `tmpdir` and
 *  returns that file's path; otherwise returns a copy of `path`. */
char *vf_uncompressed_copy(const char *path, const char *tmpdir, GError **error);

/** The snapshot length in the capture's file header (pcap) or first
 *  interface description (pcapng), through gzip; 0 when none or unknown.
 *  libpcap cuts longer records to it, so tcpflow never sees their tails. */
uint32_t vf_capture_snaplen(const char *path);

/** True when the file starts like a capture (pcap, pcapng, or gzip). */
bool vf_looks_like_capture(const char *path);

/* ------------------------------------------------------------------ */
/* tshark's per-frame fields (tshark_fields.c)                         */
/* ------------------------------------------------------------------ */

/** Encapsulations in a frame's protocol path that the engine does not decode. */
enum {
    VF_ENCAP_UDP_TUNNEL = 1u << 0, /* TCP carried inside UDP (VXLAN, GTP, ...) */
    VF_ENCAP_LINK = 1u << 1,       /* a link type or layer we do not decode */
    VF_ENCAP_OTHER = 1u << 2,      /* GRE and other tunnels */
    VF_ENCAP_SAMPLED = 1u << 3,    /* a packet header quoted in an sFlow sample */
};

/** Why tcpflow 1.6.1 does not decode a frame's segment (vf_frame.tcpflow_skip). */
enum {
    VF_SKIP_NONE = 0,
    VF_SKIP_TUNNEL,    /* tunnelled, or quoted by an ICMP error */
    VF_SKIP_LINK,      /* PPPoE, MPLS, 802.3 LLC, IPv6 over BSD NULL */
    VF_SKIP_IPV6_EXT,  /* IPv6 extension headers before TCP */
    VF_SKIP_FRAGMENT,  /* IP fragments: tcpflow keeps only the first one's bytes */
    VF_SKIP_IP_LENGTH, /* IP length field 0 (TSO, BIG TCP, jumbogram) */
};

/** One TCP frame as tshark dissected it. */
typedef struct {
    uint32_t frame;
    uint32_t stream;
    uint32_t seq;      /* raw sequence number */
    uint32_t ack;      /* raw acknowledgement number */
    uint32_t len;      /* TCP payload length */
    uint32_t cap_len;  /* bytes of the frame in the capture */
    uint32_t wire_len; /* bytes of the frame on the wire */
    uint8_t flags;
    uint8_t from_node1;   /* sent by the stream's node 1 */
    uint8_t fragmented;   /* carried in (reassembled) IP fragments */
    uint8_t encap;        /* VF_ENCAP_* */
    uint8_t in_icmp;      /* a TCP header quoted by an ICMP error, not a segment */
    uint8_t v6;           /* carried by IPv6 */
    uint8_t tcpflow_skip; /* VF_SKIP_* */
    uint8_t big_ip;       /* IPv4 length above 1500 as tshark shows it */
    uint8_t odd_trailer;  /* bytes after the IP packet dissected as a protocol
                             (F5, VSS): not in the extra bytes until fetched */
    uint32_t extra_off;   /* bytes after the IP packet (padding, trailer, FCS) */
    uint32_t extra_len;   /*   in vf_frames.extra */
} vf_frame;

/** One tshark stream: its nodes and frames. */
typedef struct {
    ts_endpoint node[2]; /* node 0: source of the stream's first frame */
    uint32_t first_frame;
    GArray *frames; /* uint32_t indexes into vf_frames.frames, capture order */
} vf_tstream;

/** Every TCP frame of a capture. */
typedef struct {
    GArray *frames;    /* vf_frame, capture order */
    GPtrArray *stream; /* vf_tstream* indexed by stream number (NULL: never seen) */
    GByteArray *extra; /* pool of bytes after IP packets */
    uint64_t lines;    /* lines parsed */
    uint64_t bad_lines;
} vf_frames;

/** The argv of tshark's fields pass over `capture` (NULL-terminated, free
 *  with g_strfreev). */
char **vf_fields_argv(const char *capture);
vf_frames *vf_frames_new(void);
void vf_frames_free(vf_frames *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vf_frames, vf_frames_free)
/** Parses one output line of the fields pass (a vf_line_fn). */
void vf_frames_add_line(void *frames, const char *line, size_t len);
/** The stream, or NULL. */
const vf_tstream *vf_frames_stream(const vf_frames *f, uint64_t stream);
/** The frame with this number, or NULL (binary search). */
const vf_frame *vf_frames_get(const vf_frames *f, uint32_t frame);

/** Marks the frames whose IPv4 length field is really 0 (tshark shows the
 *  length it presumes for TSO; tcpflow drops them) with VF_SKIP_IP_LENGTH. */
bool vf_check_ip_lengths(const char *capture, vf_frames *frames, GError **error);

/** Fetches the TCP payload bytes of the given frames (tshark -T json -x).
 *  Returns frame number -> GBytes; the bytes after their IP packets go to
 *  `trailers` (frame -> GBytes) when not NULL. */
GHashTable *vf_fetch_payloads(const char *capture, const uint32_t *frames, size_t n,
                              GHashTable *trailers, GError **error);
/** The first IP fragments (more-fragments set, offset 0) of TCP segments
 *  from `src` to `dst`, dissected without reassembly: appends vf_frame
 *  (frame, seq, len, flags) to `out`. */
bool vf_first_fragments(const char *capture, const ts_endpoint *src, const ts_endpoint *dst,
                        GArray *out, GError **error);

/** Replaces the bytes after a frame's IP packet. */
void vf_frames_set_extra(vf_frames *f, uint32_t frame, GBytes *bytes);
/** Parses tshark's `-T json -x` output lines into `table` (frame -> GBytes);
 *  exposed for the unit tests. */
typedef struct vf_json_payloads vf_json_payloads;
vf_json_payloads *vf_json_payloads_new(GHashTable *table, GHashTable *trailers);
void vf_json_payloads_line(void *parser, const char *line, size_t len);
void vf_json_payloads_free(vf_json_payloads *p);

/* ------------------------------------------------------------------ */
/* tshark's Follow TCP Stream, raw (tshark_follow.c)                   */
/* ------------------------------------------------------------------ */

/** One followed stream. */
typedef struct {
    uint64_t stream;
    ts_endpoint node[2];
    bool has_nodes; /* false for "Node 0: :0" (no packet) */
    GByteArray *data[2];
} vf_follow;

void vf_follow_free(gpointer follow);

/** Parser of `-q -z follow,tcp,raw,N ...` output. */
typedef struct vf_follow_parser vf_follow_parser;
vf_follow_parser *vf_follow_parser_new(void);
/** Parses one line (a vf_line_fn). */
void vf_follow_parser_line(void *parser, const char *line, size_t len);
/** Returns stream number -> vf_follow* (owned by the table) and frees the
 *  parser; *bad gets the number of lines that could not be understood. */
GHashTable *vf_follow_parser_finish(vf_follow_parser *p, uint64_t *bad);

/** The argv of one follow run over `streams[0..n)`. */
char **vf_follow_argv(const char *capture, const uint64_t *streams, size_t n);

/** The text tshark puts in place of `n` missing bytes, NUL included. */
size_t vf_missing_text(uint64_t n, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* tcpflow's output (tcpflow_files.c)                                  */
/* ------------------------------------------------------------------ */

/** One file tcpflow wrote. */
typedef struct {
    char *name;
    ts_endpoint src, dst;
    unsigned k; /* 0, or N of the "cN" suffix */
    int vlan;   /* VLAN id of a "--N" suffix, or -1 */
    GBytes *data;
} vf_flowfile;

/** Parses a tcpflow 1.6.1 file name; false when it is not one. */
bool vf_tcpflow_parse_name(const char *name, vf_flowfile *out);

/** Runs tcpflow over `capture` in a temporary folder under `tmpdir` and
 *  returns its files (vf_flowfile*, sorted by name), or NULL with `error`. */
GPtrArray *vf_tcpflow_run(const char *capture, const char *tmpdir, GError **error);
void vf_flowfile_free(gpointer file);

/* ------------------------------------------------------------------ */
/* Results and classification (compare.c, classify.c)                 */
/* ------------------------------------------------------------------ */

void vf_result_free(gpointer r);
/** A result for session `stream` (-1: none of ours), verdict same. */
vf_result *vf_result_new(vf_tool tool, int64_t stream, int64_t other_stream,
                         const ts_endpoint ep[2]);
/** Sets both sides' lengths and md5s (length -1: that side has no such
 *  session) and the first difference. */
void vf_result_set_sides(vf_result *r, const uint8_t *ours, int64_t ours_len, const uint8_t *other,
                         int64_t other_len);
/** Sets the verdict (explained or unexplained), its categories and detail
 *  (taken). */
void vf_result_set_verdict(vf_result *r, bool explained, uint32_t cats, char *detail);

/** Everything known about one capture while it is being verified. */
typedef struct {
    const char *path;
    vf_ours *ours;
    vf_ours *ours_last;   /* same capture with overlap "last", or NULL */
    vf_ours *ours_linux;  /* same capture with overlap "linux", or NULL */
    vf_frames *frames;    /* tshark fields, or NULL without tshark */
    GHashTable *follow;   /* stream -> vf_follow*, or NULL */
    GPtrArray *flowfiles; /* vf_flowfile*, or NULL */
    GHashTable *payloads; /* frame -> GBytes of anomaly frames, or NULL */
    uint32_t snaplen;     /* file's snapshot length (vf_capture_snaplen) */
    /* tshark stream of each of our sessions (by index in ours->sessions) and
       back, -1 when there is none; set by vf_pair_streams */
    int64_t *ts_of;
    int64_t *ours_of;
    guint n_ts;
} vf_capture;

/** Pairs our sessions with tshark's streams: same number and endpoints, else
 *  same endpoints and first frame, else the same endpoints in order. */
void vf_pair_streams(vf_capture *cap);
/** Frees what vf_pair_streams allocated. */
void vf_unpair_streams(vf_capture *cap);

/** Frames whose payload bytes the classification needs (anomalies that
 *  carry bytes we do not deliver), as a sorted array of uint32_t. */
GArray *vf_needed_payload_frames(const vf_capture *cap);

/** True when some session has an overlap_conflict anomaly (`ip` false) or
 *  an ip_overlap_conflict anomaly (`ip` true). */
bool vf_has_overlap_conflicts(const vf_ours *ours, bool ip);

/** True when session `s` has an ip_overlap_conflict anomaly. */
bool vf_has_ip_overlap_conflict(const vf_session *s);

/** Compares our sessions with tshark's follow output; appends vf_result* to
 *  `out`. */
void vf_compare_tshark(const vf_capture *cap, GPtrArray *out);
/** Compares our sessions with tcpflow's files through a model of what
 *  tcpflow writes (tcpflow_compare.c); appends vf_result* to `out`. */
void vf_compare_tcpflow(const vf_capture *cap, GPtrArray *out);

/** Direction of one comparison, as classify.c sees it. */
typedef struct {
    const vf_capture *cap;
    const vf_session *s;       /* our session */
    int dir;                   /* ts_direction */
    const vf_session *s_linux; /* same session with overlap "linux" (tshark), or NULL */
    const vf_session *s_last;  /* same session with overlap "last" when IP fragments of it
                                  overlapped with different bytes (tshark), or NULL */
    const vf_tstream *ts;      /* tshark's stream of this session, or NULL */
    int node;                  /* tshark node index of direction `dir` */
    const uint8_t *other;
    size_t other_len;
} vf_case;

/** A run of one direction's bytes at stream offsets [off, off + len); data
 *  NULL: bytes of IP fragments we do not have (any value). */
typedef struct {
    int64_t off;
    uint64_t len;
    const uint8_t *data;
    int cat; /* VF_CAT_COUNT_: bytes we deliver; else the category of bytes we
                deliberately do not deliver, or VF_CAT_IP_FRAGMENTS */
} vf_seg;

/** The bytes of direction c->dir at stream offsets (`base`: raw sequence
 *  number of offset 0), sorted: what `src` delivered (holes left out), the
 *  bytes of c->s's anomalies that carry bytes we do not deliver (RST payload,
 *  beyond the FIN, before the start, and the late ones when `late`), placed
 *  where their frames put them, and wildcards for IP fragments. False with a
 *  reason in `why` when an anomaly's bytes are unknown. */
bool vf_segments(const vf_case *c, const vf_session *src, bool late, uint32_t base, GArray *segs,
                 GString *why);

/** Tries to explain other != ours for one direction. Returns true with the
 *  categories (bits) and a detail string (caller frees) when proved. */
bool vf_classify_tshark(const vf_case *c, uint32_t *categories, char **detail);

/** Explains a session only one side has: `ts` is tshark's stream when tshark
 *  has it and we do not; otherwise `s` is ours and the tool lacks it. */
bool vf_classify_presence(const vf_capture *cap, vf_tool tool, const vf_session *s,
                          const vf_tstream *ts, uint32_t *categories, char **detail);

/** Raw sequence number of stream offset 0 of our direction `dir`, found from
 *  the frames that carried the chunks; false when unknown. */
bool vf_direction_base(const vf_capture *cap, const vf_session *s, int dir, const vf_tstream *ts,
                       int node, uint32_t *base);

/* ------------------------------------------------------------------ */
/* One capture (capture.c)                                             */
/* ------------------------------------------------------------------ */

/** What the verification of one capture needs to know about its run. */
typedef struct {
    bool want[VF_TOOL_COUNT_];  /* requested */
    bool avail[VF_TOOL_COUNT_]; /* requested (or needed) and installed */
    guint batch;                /* streams per follow run */
    guint follow_parallel;      /* follow runs at once for one capture */
    const char *filter;         /* --filter, or NULL */
} vf_plan;

/** One capture to verify and, once done, what came of it. */
typedef struct {
    char *path;         /* as given or found: what the report names */
    const char *source; /* what the tools read: `path`, or under --filter the
                           temporary capture of the selected frames */
    char *group;
    GPtrArray *results; /* vf_result*, tshark's then tcpflow's; NULL until done */
    GString *notes;     /* messages for stderr */
    bool error;         /* our engine could not read it to the end */
    bool skipped[VF_TOOL_COUNT_];
} vf_item;

/** A new item for `path` in `group` (both copied). */
vf_item *vf_item_new(const char *path, const char *group);
void vf_item_free(gpointer item);

/** Verifies one capture: starts tshark's fields pass and tcpflow, runs our
 *  engine meanwhile, pairs the sessions, runs tshark's follow passes while
 *  it fetches the bytes the classification needs, then compares. Fills
 *  it->results, ->notes, ->error and ->skipped. */
void vf_item_verify(vf_item *it, const vf_plan *plan);

G_END_DECLS

#endif /* TS_VERIFY_INTERNAL_H */
