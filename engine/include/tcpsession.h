/*
 * tcpsession.h — TCP session extraction from packet captures.
 *
 * libtcpsession reads a pcap or pcapng capture (optionally gzip-compressed)
 * and hands back every TCP connection in it, with the bytes each side really
 * delivered to the other's application: retransmissions dropped, segments put
 * in order, overlaps resolved by a chosen policy, and every gap, conflicting
 * overlap and oddity recorded as data rather than hidden.
 *
 * Typical use:
 *
 *     ts_options opts;
 *     ts_options_init(&opts);
 *     opts.keep_payload = true;               // sessions carry their bytes
 *     ts_callbacks cb = { .session_done = on_done };
 *     ts_engine *engine = ts_engine_new(&opts, &cb, my_state);
 *     GError *error = NULL;
 *     if (!ts_engine_run_file(engine, "capture.pcapng", &error)) { ... }
 *     ts_engine_free(engine);
 *
 * Sessions are numbered like Wireshark's `tcp.stream`: in order of their first
 * packet, a new number on the same 4-tuple when a SYN (without ACK) carries an
 * initial sequence number different from the one already seen that way.
 *
 * Memory ownership: every pointer the library hands to a callback is borrowed
 * for the duration of that call only. Objects returned by *_new functions are
 * owned by the caller and released with the matching *_free function.
 * Out-of-memory aborts the process (GLib convention).
 */
#ifndef TCPSESSION_H
#define TCPSESSION_H

#include "tcpsession_version.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Everything declared here is the library's exported API: the library is
 * compiled with -fvisibility=hidden, so these are its only dynamic symbols
 * (tests/e2e/check_exports.sh checks it). */
#pragma GCC visibility push(default)

/* ------------------------------------------------------------------ */
/* Protocol constants                                                  */
/* ------------------------------------------------------------------ */

/* TCP flag bits, as in the 14th byte of the TCP header (ts_packet.flags,
 * ts_segment.flags). */
#define TS_TCP_FIN 0x01
#define TS_TCP_SYN 0x02
#define TS_TCP_RST 0x04
#define TS_TCP_PSH 0x08
#define TS_TCP_ACK 0x10
#define TS_TCP_URG 0x20
#define TS_TCP_ECE 0x40
#define TS_TCP_CWR 0x80

/* The link types (LINKTYPE_* of https://www.tcpdump.org/linktypes.html) the
 * library decodes, for ts_frame.linktype; frames of any other link type are
 * counted in ts_stats.unsupported_link. */
#define TS_LINKTYPE_NULL 0         /* BSD loopback: 4-byte host-order family */
#define TS_LINKTYPE_ETHERNET 1     /* Ethernet, with VLAN tags, MPLS, PPPoE */
#define TS_LINKTYPE_RAW_12 12      /* raw IP, DLT_RAW of some BSDs */
#define TS_LINKTYPE_RAW_14 14      /* raw IP, DLT_RAW of OpenBSD */
#define TS_LINKTYPE_RAW 101        /* raw IPv4 or IPv6 */
#define TS_LINKTYPE_LOOP 108       /* OpenBSD loopback: network-order family */
#define TS_LINKTYPE_LINUX_SLL 113  /* Linux "cooked" capture */
#define TS_LINKTYPE_IPV4 228       /* raw IPv4 */
#define TS_LINKTYPE_IPV6 229       /* raw IPv6 */
#define TS_LINKTYPE_LINUX_SLL2 276 /* Linux "cooked" capture v2 */
#define TS_LINKTYPE_PPP 9          /* PPP: optional 0xff 0x03, protocol */
#define TS_LINKTYPE_PPP_HDLC 50    /* PPP in HDLC-like framing (or Cisco) */
#define TS_LINKTYPE_C_HDLC 104     /* Cisco HDLC: address, control, type */
#define TS_LINKTYPE_IEEE802_11 105 /* 802.11 data frames with LLC/SNAP */
#define TS_LINKTYPE_RADIOTAP 127   /* radiotap header, then 802.11 */
#define TS_LINKTYPE_PPI 192        /* PPI header (DLT 105 inside), 802.11 */
#define TS_LINKTYPE_NFLOG 239      /* Linux NFLOG: TLVs, payload TLV 9 */
#define TS_LINKTYPE_IPOIB 242      /* IP over InfiniBand, 44-byte header */

/* ------------------------------------------------------------------ */
/* Sequence-number arithmetic                                          */
/* ------------------------------------------------------------------ */

/* TCP sequence and acknowledgement numbers are 32-bit and wrap (RFC 9293
 * 3.4): they are compared by their signed distance modulo 2^32. These are
 * the only helpers for it; code outside the library uses them instead of
 * writing (int32_t)(a - b) itself. Header-only: no symbol is exported. */

/** Signed distance from `b` to `a` modulo 2^32 (positive: a is after b). */
static inline int32_t
ts_seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/** True when `a` comes strictly before `b` in sequence space. */
static inline bool
ts_seq_before(uint32_t a, uint32_t b)
{
    return ts_seq_diff(a, b) < 0;
}

/** True when `a` comes strictly after `b` in sequence space. */
static inline bool
ts_seq_after(uint32_t a, uint32_t b)
{
    return ts_seq_diff(a, b) > 0;
}

/* ------------------------------------------------------------------ */
/* Basic types                                                         */
/* ------------------------------------------------------------------ */

/** Which side sent a byte. The client is the side that sent the SYN. */
typedef enum {
    TS_FROM_CLIENT = 0,
    TS_FROM_SERVER = 1,
} ts_direction;

/** How bytes that two segments both carry, with different values, are chosen. */
typedef enum {
    TS_OVERLAP_FIRST = 0, /* bytes received first win (Wireshark, Zeek, libnids) */
    TS_OVERLAP_LAST,      /* bytes received last win (tcpflow) */
    TS_OVERLAP_LINUX,     /* what a Linux receiver delivers (tcp_input.c) */
} ts_overlap_policy;

/** One end of a connection. `addr` holds 4 bytes (IPv4) or 16 (IPv6). */
typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} ts_endpoint;

/** Longest string ts_endpoint_address() writes, including the NUL. */
#define TS_ADDRSTRLEN 46

/** Writes the textual address of `ep` (dotted quad or compressed IPv6) into
 *  `buf` and returns `buf`. */
const char *ts_endpoint_address(const ts_endpoint *ep, char buf[TS_ADDRSTRLEN]);

/** Why a session ended. */
typedef enum {
    TS_CLOSE_FIN = 0,        /* both sides sent FIN */
    TS_CLOSE_RST,            /* a RST was seen */
    TS_CLOSE_REUSED,         /* a new connection took over the same 4-tuple */
    TS_CLOSE_END_OF_CAPTURE, /* still open when the capture ended */
    TS_CLOSE_IDLE,           /* no packet for longer than the idle timeout */
    /* added after 0.1.0: */
    TS_CLOSE_EVICTED, /* finished early, still open, when the session memory
                         budget (ts_options.max_session_memory) was reached: it
                         had seen no packet for the longest; a later packet of
                         its 4-tuple starts a new session (mid-stream) */
} ts_close_reason;

/** Name of a close reason ("fin", "rst", "reused", "end_of_capture", "idle",
 *  "evicted"). */
const char *ts_close_reason_name(ts_close_reason reason);

/** Kinds of oddity recorded on a session. */
typedef enum {
    TS_ANOMALY_OVERLAP_CONFLICT = 0, /* two copies of the same bytes differ */
    TS_ANOMALY_SYN_WITH_DATA,        /* a SYN carried payload (it is delivered) */
    TS_ANOMALY_RST_WITH_DATA,        /* a RST carried payload (not delivered) */
    TS_ANOMALY_DATA_AFTER_FIN,       /* bytes beyond the sender's FIN (not delivered) */
    TS_ANOMALY_DATA_BEFORE_START,    /* bytes before the first byte of a mid-stream
                                        direction (not delivered) */
    TS_ANOMALY_LATE_DATA,            /* bytes for a range already declared a gap */
    TS_ANOMALY_BUFFER_LIMIT,         /* out-of-order buffer full: a hole was declared
                                        a gap early */
    TS_ANOMALY_SNAPLEN_CUT,          /* segment cut short by the capture snap length */
    TS_ANOMALY_BAD_CHECKSUM,         /* TCP checksum wrong (only with verify_checksums;
                                        the segment is dropped) */
    TS_ANOMALY_URGENT_DATA,          /* URG flag with urgent pointer (bytes kept inline) */
    TS_ANOMALY_FIN_CONFLICT,         /* a second FIN at another sequence number */
    TS_ANOMALY_SYN_CONFLICT,         /* SYN-ACK or SYN inside the session with a
                                        different sequence number */
    TS_ANOMALY_INVALID_FLAGS,        /* impossible flag combination (SYN+FIN, SYN+RST,
                                        no flags at all, ...) */
    TS_ANOMALY_ROLES_INFERRED,       /* no SYN seen: client and server were guessed */
    TS_ANOMALY_ICMP_ERROR,           /* an ICMP error quoted a segment of the session */
    TS_ANOMALY_STALE_SEGMENT,        /* a segment acknowledging what the peer never sent in
                                        this connection (before its SYN, or far beyond): left
                                        over from an earlier connection on the 4-tuple, not
                                        processed */
    TS_ANOMALY_SHORT_FRAME,          /* the frame ends before the length its IP header
                                        states, though the capture did not cut it */
    /* added after 0.1.0: */
    TS_ANOMALY_IP_OVERLAP_CONFLICT,      /* two IP fragments of the segment's datagram carried
                                            the same bytes with different values (or two last
                                            fragments different ends); recorded once for each of
                                            the two frames, the copy kept follows
                                            ts_options.overlap; offset/length: the differing
                                            bytes in the stream when they are TCP payload,
                                            else the segment's offset and 0 */
    TS_ANOMALY_UNCHECKED_RETRANSMISSION, /* bytes arrived again from before the comparison
                                            window (ts_options.retransmission_*): not
                                            compared with the delivered copy, so a
                                            conflict there would go unseen; reported the
                                            same with and without keep_payload */
    TS_ANOMALY_COUNT_
} ts_anomaly_type;

/** Stable lowercase name of an anomaly type, e.g. "overlap_conflict". */
const char *ts_anomaly_type_name(ts_anomaly_type type);

/** One recorded oddity. `offset`/`length` are in the direction's stream
 *  (0 = first byte of application data); both are 0 when not applicable. */
typedef struct {
    ts_anomaly_type type;
    ts_direction from;
    uint64_t frame; /* 1-based frame number of the packet that showed it */
    uint64_t offset;
    uint64_t length;
} ts_anomaly;

/** Bytes of one direction that were never captured. */
typedef struct {
    ts_direction from;
    uint64_t offset; /* stream offset of the first missing byte */
    uint64_t length;
} ts_gap;

/** A run of consecutive bytes from one side in the exchange order (the order
 *  in which bytes became available to the receiving application): the bytes
 *  [offset, offset+length) of direction `from`. `frame` and `ts_ns` are those
 *  of the packet that carried the run's first byte. A gap ends a run. */
typedef struct {
    ts_direction from;
    uint64_t offset;
    uint64_t length;
    uint64_t frame;
    int64_t ts_ns;
} ts_chunk;

/* ------------------------------------------------------------------ */
/* Sessions                                                            */
/* ------------------------------------------------------------------ */

/** What carried a session's first packet: one layer of encapsulation,
 *  listed outermost first by ts_session_carriage(). */
typedef enum {
    TS_CARRIER_VLAN = 1, /* 802.1Q / 802.1ad tag; id: VLAN id (12 bits) */
    TS_CARRIER_MPLS,     /* one MPLS label; id: the label (20 bits); detail 1 on
                            the bottom label when a pseudowire control word
                            and an Ethernet frame follow */
    TS_CARRIER_PPPOE,    /* PPPoE session; id: session id */
    TS_CARRIER_IPIP,     /* IP in IP (4in4, 6in4, 4in6, 6in6); detail: inner IP
                            version (4 or 6); outer: the enclosing header */
    TS_CARRIER_GRE,      /* GRE; id: key (has_id: K flag); detail: protocol type */
    TS_CARRIER_ERSPAN,   /* ERSPAN inside GRE; detail: type 1, 2 or 3; id: session
                            id (types 2 and 3) */
    TS_CARRIER_VXLAN,    /* VXLAN; id: VNI (has_id: I flag) */
    TS_CARRIER_GENEVE,   /* Geneve; id: VNI; detail: protocol type */
    TS_CARRIER_GTPU,     /* GTP-U T-PDU; id: TEID */
    TS_CARRIER_TEREDO,   /* Teredo (IPv6 in UDP) */
} ts_carrier_kind;

/** One layer of a session's carriage. For IP-level kinds (IPIP, GRE, ERSPAN,
 *  VXLAN, GENEVE, GTPU, TEREDO) `outer_src`/`outer_dst` are the enclosing IP
 *  header's addresses (family 4 or 6; ports: the UDP ports of UDP tunnels,
 *  else 0); for VLAN, MPLS and PPPoE their family is 0. This struct does not
 *  grow (arrays of it are handed out): a new field would come with a new
 *  accessor. */
typedef struct {
    ts_carrier_kind kind;
    bool has_id;     /* `id` is meaningful */
    uint32_t id;     /* see ts_carrier_kind */
    uint16_t detail; /* see ts_carrier_kind; 0 otherwise */
    ts_endpoint outer_src, outer_dst;
} ts_carrier;

/** Name of a carrier kind for output ("vlan", "mpls", "pppoe", "ipip",
 *  "gre", "erspan", "vxlan", "geneve", "gtpu", "teredo"; "unknown"). */
const char *ts_carrier_kind_name(ts_carrier_kind kind);

/** A TCP connection. Owned by the engine; valid inside callbacks only. */
typedef struct ts_session ts_session;

/** Wireshark-compatible stream number (0-based, per capture). */
uint64_t ts_session_stream(const ts_session *s);
/** The side that sent the SYN (or the inferred client). */
const ts_endpoint *ts_session_client(const ts_session *s);
/** The side that received the SYN (or the inferred server). */
const ts_endpoint *ts_session_server(const ts_session *s);
/** Timestamp of the first and last packet, nanoseconds since the epoch. */
int64_t ts_session_start_ns(const ts_session *s);
int64_t ts_session_end_ns(const ts_session *s);
/** Frame number of the session's first packet. */
uint64_t ts_session_first_frame(const ts_session *s);
/** Number of packets of the session (both directions). */
uint64_t ts_session_packets(const ts_session *s);
/** True when the capture did not show the client's SYN first. */
bool ts_session_midstream(const ts_session *s);
/** Why the session ended (meaningful in session_done). */
ts_close_reason ts_session_close_reason(const ts_session *s);
/** Bytes delivered so far in one direction (gaps not counted). */
uint64_t ts_session_bytes(const ts_session *s, ts_direction from);
/** Bytes of one direction known to be missing (sum of its gaps). */
uint64_t ts_session_missing_bytes(const ts_session *s, ts_direction from);

/** The delivered bytes of one direction, gaps left out, in stream order.
 *  Only with ts_options.keep_payload; NULL (and *len = 0) otherwise.
 *  Owned by the session; valid until the direction delivers more bytes or
 *  the session is freed. Bytes the engine moved to its spool file (see
 *  ts_options.max_payload_memory) are read back into one buffer on the first
 *  call (later calls return it again), so the first call may take time and
 *  memory proportional to the direction's bytes. */
const uint8_t *ts_session_payload(const ts_session *s, ts_direction from, size_t *len);

/** The exchange in delivery order; chunk offsets index the direction's
 *  delivered bytes as returned by ts_session_payload (gaps left out).
 *  Only with keep_payload; otherwise *n = 0. Owned by the session. */
const ts_chunk *ts_session_chunks(const ts_session *s, size_t *n);

/** Gaps of both directions in the order they were found (a hole declared in
 *  pieces is one gap; until the direction delivers more or the session
 *  ends, its last gap may still grow). A trailing gap ends before the
 *  sender's FIN, or, when the FIN was not captured, before the last
 *  acknowledged sequence number when that is taken to be the FIN (see
 *  README, "Gaps"). Owned by the session. */
const ts_gap *ts_session_gaps(const ts_session *s, size_t *n);

/** How the session's first packet was carried, outermost layer first;
 *  `*n` layers (0 and NULL for plain traffic). The array belongs to the
 *  session and lives as long as it. A session is identified by its
 *  innermost TCP 4-tuple whatever carried it. */
const ts_carrier *ts_session_carriage(const ts_session *s, size_t *n);

/** The outermost VLAN tag of direction `from`'s packets, as tcpflow names
 *  its files by it: that of the direction's first packet with a SYN or
 *  payload (while it has none: of its first packet), when that packet's
 *  outermost layer is a VLAN tag. Sets `*tpid` (0x8100, 0x88a8 or 0x9100)
 *  and `*tci` (the whole Tag Control Information: priority in the top 3
 *  bits, DEI, the 12-bit VLAN id) and returns true; false (both 0) when the
 *  packet was not tagged or the direction sent nothing. Added after 0.1.0
 *  (interface 1 of libtcpsession.so.0). */
bool ts_session_vlan_tag(const ts_session *s, ts_direction from, uint16_t *tpid, uint16_t *tci);

/** Packets of the session (after the first) that came carried differently
 *  from its first packet (other layers, ids, outer addresses or ports): a
 *  connection seen both directly and through a tunnel, say. Packets of the
 *  other direction are compared by layer kinds and details and outer
 *  address pairs in either order: ids and ports may differ between
 *  directions (GTP-U TEIDs, PPTP call ids, VXLAN source ports), so an
 *  ordinary tunnelled connection counts 0. */
uint64_t ts_session_carried_differently(const ts_session *s);

/** Anomalies in the order they were found. At most ts_options.max_anomalies
 *  are kept; ts_session_anomalies_dropped() counts the rest. */
const ts_anomaly *ts_session_anomalies(const ts_session *s, size_t *n);
uint64_t ts_session_anomalies_dropped(const ts_session *s);

/** The caller's per-session pointer (NULL until set). */
void *ts_session_get_user(const ts_session *s);
/** Attaches a caller pointer to the session; the caller owns what it points
 *  to and must release it by session_done at the latest. */
void ts_session_set_user(ts_session *s, void *user);

/** Length of a Community ID string, its NUL included ("1:" and 28 base64
 *  characters). */
#define TS_COMMUNITY_ID_LEN 31

/** The session's Community ID (corelight community-id-spec, version 1, the
 *  flow identifier of Zeek, Suricata, Arkime and Wireshark's communityid):
 *  "1:" and the base64 SHA-1 of `seed` and the client and server addresses
 *  and ports, ordered so that the ID is the same whichever side is the
 *  client. Written into the caller's `buf`, which is returned. Seed 0 is
 *  what those tools use by default. Added after 0.1.0. */
const char *ts_session_community_id(const ts_session *s, uint16_t seed,
                                    char buf[TS_COMMUNITY_ID_LEN]);

/* ------------------------------------------------------------------ */
/* The engine                                                          */
/* ------------------------------------------------------------------ */

typedef struct {
    ts_overlap_policy overlap;
    bool keep_payload;         /* sessions keep their bytes and chunks (default false) */
    bool verify_checksums;     /* drop segments whose TCP checksum is wrong (default false) */
    size_t max_buffered_bytes; /* memory out-of-order data may take per direction, each
                                  piece's header and tree node included: a 1-byte segment
                                  costs 112 bytes (default 64 MiB; 0: the default) */
    size_t max_anomalies;      /* anomalies kept per session (default 1000) */
    double idle_timeout;       /* seconds of capture time without packets after which
                                  an open session is finished; <= 0: never (default 0) */
    double close_linger;       /* seconds of capture time a closed (FIN/RST) session
                                  keeps absorbing late packets (default 60) */
    size_t max_payload_memory; /* keep_payload: memory the kept bytes of all live sessions
                                  may take (default 32 MiB; 0 = no limit, all in memory).
                                  Past it, the engine moves directions' bytes to its spool
                                  file and reads them back for ts_session_payload(). */
    const char *spool_dir;     /* folder of that spool file (default NULL: g_get_tmp_dir(),
                                  i.e. $TMPDIR or /tmp). The string is copied by
                                  ts_engine_new(). The file is created on the first spill
                                  and deleted at once (it has no name; nothing is left
                                  behind); if it cannot be created or written, the bytes
                                  stay in memory and ts_engine_warnings() says why. */
    /* added after 0.1.0 (interface 1 of libtcpsession.so.0): */
    bool map_files;             /* ts_engine_run_file(): read a plain capture file by mapping it
                                   (default true), else with read() (a little slower). See
                                   "Mapped files and SIGBUS" below. */
    double ip_fragment_timeout; /* seconds of capture time after its first fragment an
                                   incomplete IP datagram is dropped (default 30, Linux's
                                   ipfrag_time; <= 0: never) */
    size_t ip_fragment_memory;  /* memory the fragments of incomplete datagrams may take
                                   (default 4 MiB, Linux's ipfrag_high_thresh; 0: no
                                   limit); past it the oldest datagrams are dropped */
    /* UDP ports that select a UDP tunnel, tshark's defaults; 0: not followed */
    uint16_t vxlan_port;  /* VXLAN (default 4789) */
    uint16_t geneve_port; /* Geneve (default 6081) */
    uint16_t gtpu_port;   /* GTP-U (default 2152) */
    uint16_t teredo_port; /* Teredo (default 3544) */
    /* Bytes that arrive again are compared with the delivered copy when they
       lie among the last retransmission_window bytes their direction delivered
       (default 1 MiB; 0: no limit) and not more than retransmission_acked bytes
       below what the receiver acknowledged (default 16 KiB; 0: no limit; while
       the receiver acknowledged nothing, below the last byte delivered); older
       ones are unchecked_retransmission anomalies. The same with and without
       keep_payload, so are the anomalies. Without keep_payload each direction
       holds those bytes in memory: its unacknowledged bytes plus the
       acknowledged tail, at most retransmission_window. */
    size_t retransmission_window;
    size_t retransmission_acked;
    /* added after 0.1.0: the session memory budget */
    size_t max_session_memory; /* memory all live sessions' state may take, overhead
                                  included: session structs, flow-table entries,
                                  history rings, gaps, chunks, anomalies, out-of-order
                                  pieces with their headers, the finished sessions the
                                  engine remembers (default 64 MiB; 0 = no limit; kept
                                  payload has its own budget, max_payload_memory). When a
                                  packet takes it past the budget, the finished sessions
                                  remembered longest are forgotten, then the live
                                  sessions idle longest are finished at once as at the
                                  end of the capture (an open one with close reason
                                  TS_CLOSE_EVICTED; see ts_stats.sessions_evicted), until
                                  it fits; the last session left gives up out-of-order
                                  data as at max_buffered_bytes. A later packet of an
                                  evicted session's 4-tuple starts a new session, so
                                  stream numbers then differ from Wireshark's. */
} ts_options;

/* Mapped files and SIGBUS. With map_files (the default), ts_engine_run_file()
 * maps a regular, uncompressed capture file 2 MiB at a time (gzip files,
 * pipes and devices are always read()). Should another process truncate the
 * file meanwhile (tcpdump -C -W reusing it, say), touching a page past its new
 * end raises SIGBUS. To turn that into an error (TS_ERROR_CORRUPT, "the file
 * shrank while being read") instead of a crash, the first mapping installs,
 * once per process and for good, a SIGBUS handler (sigaction with SA_SIGINFO |
 * SA_NODEFER). For a fault inside the window the faulting thread is reading,
 * it maps zero pages over the rest of that window and lets the read resume
 * (nothing read from the zeros is returned). Any other SIGBUS goes to the
 * disposition that was there before: an SA_SIGINFO handler is called
 * directly; otherwise that disposition is put back (ours is then gone) and
 * handles the fault when the faulting instruction runs again. A program that
 * sets its own SIGBUS handler afterwards should chain to the one it replaces,
 * or set map_files to false: then no handler is ever installed and the file
 * is read with read(), which sees a truncation as an early end of file. */

/* ABI rule. ts_options and ts_callbacks (which callers allocate) only ever
 * grow by fields appended at their end. The functions that take them are
 * given the size of the struct the caller was compiled with (as zlib's
 * deflateInit_() is): the library reads only that prefix and gives every
 * later field its default (a callback: NULL), so a program built against an
 * older tcpsession.h keeps working with a newer library. ts_options_init()
 * and ts_engine_new() below pass sizeof for the caller. A size below the
 * first version's (0.1.0: TS_OPTIONS_MIN_SIZE, TS_CALLBACKS_MIN_SIZE) or
 * above this version's is a programming error: nothing is done (a GLib
 * critical is logged) and ts_engine_new_sized() returns NULL. Structs the
 * library hands out (ts_packet, ts_segment, ts_stats...) grow the same way;
 * read only the fields you know. ts_frame never grows. */

/** Size of ts_options in 0.1.0 (through spool_dir). */
#define TS_OPTIONS_MIN_SIZE (offsetof(ts_options, spool_dir) + sizeof(const char *))

/** Fills the first `size` bytes of `opts` (sizeof the caller's ts_options)
 *  with the defaults described above. */
void ts_options_init_sized(ts_options *opts, size_t size);

#ifndef TS_INSIDE_LIBTCPSESSION /* the library defines 0.1.0's ts_options_init() */
/** Fills `opts` with the defaults described above. */
static inline void
ts_options_init(ts_options *opts)
{
    ts_options_init_sized(opts, sizeof *opts);
}
#endif

/** Where delivered bytes came from, for ts_callbacks.data. */
typedef struct {
    ts_direction from;
    uint64_t offset;     /* stream offset of data[0] */
    const uint8_t *data; /* borrowed for the call */
    size_t length;
    uint64_t frame; /* frame that carried data[0] */
    int64_t ts_ns;
} ts_delivery;

/** Delivered bytes that a later copy replaced, for ts_callbacks.rewrite. */
typedef struct {
    ts_direction from;
    uint64_t offset;     /* stream offset of data[0] (gaps counted) */
    uint64_t index;      /* position of data[0] among the direction's delivered
                            bytes (gaps left out): in ts_session_payload(), and
                            in a file of the `data` deliveries appended */
    const uint8_t *data; /* the new bytes, borrowed for the call */
    size_t length;
    uint64_t frame; /* frame that carried the new bytes */
    int64_t ts_ns;
} ts_rewrite;

/** One TCP packet as the session saw it, for ts_callbacks.packet. */
typedef struct {
    ts_direction from;
    uint64_t frame;
    int64_t ts_ns;
    uint8_t flags;          /* TCP flags byte: TS_TCP_* bits */
    uint32_t seq, ack;      /* raw sequence and acknowledgement numbers */
    int64_t offset;         /* stream offset of the first payload byte (may be
                               negative: before the stream's start) */
    const uint8_t *payload; /* captured payload, borrowed for the call */
    uint32_t length;        /* captured payload bytes */
    uint32_t wire_length;   /* payload bytes on the wire (> length: snap length) */
    /* added after 0.1.0 (interface 1 of libtcpsession.so.0): */
    const uint8_t *tcp_header;  /* the TCP header, options included, borrowed */
    uint32_t tcp_header_length; /* its bytes (data offset * 4, all captured) */
    uint16_t window;            /* window field as sent (not scaled) */
    uint16_t urgent;            /* urgent pointer field */
} ts_packet;

/** One TCP segment as decoded from a frame, for ts_callbacks.segment. Unlike
 *  ts_packet it is given for every frame that decodes to a TCP segment,
 *  whether or not a session then processes it (late packets, bad checksums,
 *  ...), and before the engine does. Pointers borrow the frame. */
typedef struct {
    uint64_t frame; /* 1-based frame number */
    int64_t ts_ns;
    ts_endpoint src, dst; /* sender and receiver */
    uint8_t flags;        /* TS_TCP_* bits */
    uint32_t seq, ack;    /* raw sequence and acknowledgement numbers */
    uint16_t window;      /* window field as sent (not scaled) */
    uint16_t urgent;      /* urgent pointer field */
    const uint8_t *tcp_header;
    uint32_t tcp_header_length; /* data offset * 4 (all captured) */
    const uint8_t *payload;     /* captured payload */
    uint32_t length;            /* captured payload bytes */
    uint32_t wire_length;       /* payload bytes on the wire (> length: snap length) */
} ts_segment;

/** One captured frame, for ts_engine_feed() and ts_callbacks.frame. This
 *  struct does not grow (callers allocate it): a new field would come with a
 *  new function. */
typedef struct {
    int linktype; /* TS_LINKTYPE_* (another value: counted as unsupported_link) */
    int64_t ts_ns;
    uint32_t caplen;  /* bytes present in data */
    uint32_t origlen; /* bytes on the wire */
    const uint8_t *data;
} ts_frame;

/** Callbacks; any may be NULL. `user` is the pointer given to ts_engine_new. */
typedef struct {
    /* A new session was seen (its first packet). */
    void (*session_open)(void *user, ts_session *s);
    /* Bytes became available in order. Offsets of one direction grow without
       overlap; after a gap the next delivery starts past it. Under
       TS_OVERLAP_LAST, `rewrite` may later replace some of them. */
    void (*data)(void *user, ts_session *s, const ts_delivery *d);
    /* Bytes [offset, offset+length) of one direction will never be delivered.
       Called once per gap, complete: a hole declared in pieces with nothing
       delivered between them is one gap, handed over just before the next
       byte of that direction is delivered, or when the session ends (before
       session_done). */
    void (*gap)(void *user, ts_session *s, const ts_gap *gap);
    /* The session is complete; afterwards it is freed. */
    void (*session_done)(void *user, ts_session *s);
    /* A packet of the session was processed (after its bytes were handled). */
    void (*packet)(void *user, ts_session *s, const ts_packet *p);
    /* added after 0.1.0 (interface 1 of libtcpsession.so.0): */
    /* Every frame, numbered `number` (1-based), before the engine processes
       it (before sessions whose time ran out are finished, and before the
       frame is decoded); then once with NULL (number 0) when the engine
       finishes, before the sessions still open are finished. `f` and the
       bytes at f->data stay valid until the engine is done with the frame:
       through every callback it makes while processing it (ts_engine_feed():
       until it returns; ts_engine_run_file(): until the next frame is read). */
    void (*frame)(void *user, const ts_frame *f, uint64_t number);
    /* Every frame that decodes to a TCP segment, after `frame` and before the
       segment is handed to a session (see ts_segment). */
    void (*segment)(void *user, const ts_segment *seg);
    /* ts_engine_run_file() only: how far the reading is, with the bytes of
       (uncompressed) capture consumed and the frames read so far. Called at
       most about five times a second (the clock is read every 1024 frames). */
    void (*progress)(void *user, uint64_t bytes_read, uint64_t frames);
    /* added after 0.1.0: the "last" overlap policy */
    /* Under TS_OVERLAP_LAST only: bytes already handed to `data` arrived
       again with other values, inside the comparison window (see
       retransmission_window), and the newer ones win. A consumer that kept or
       wrote the delivered bytes overwrites [index, index+length) of that
       direction with `data`; the session's kept payload (keep_payload)
       already holds them. Called after the overlap_conflict anomaly that
       reports them, never for bytes outside the window (those get an
       unchecked_retransmission anomaly and stay as delivered). Spans of one
       direction may repeat or overlap; apply them in order. */
    void (*rewrite)(void *user, ts_session *s, const ts_rewrite *r);
    /* added after 0.1.0: the frames of each stream */
    /* The frame being processed (`f`, numbered `number`, as given to
       `frame`) belongs to stream `stream` (ts_session_stream()), as
       Wireshark gives it that tcp.stream: it carries a segment of the
       session, processed or not (a stale segment; a bad checksum under
       verify_checksums; a late packet after the session's session_done,
       while the engine remembers its 4-tuple), or the IP fragment that
       completed the datagram of one (not the fragments before), or it is an
       ICMP error quoting one. Called before the session handles the frame
       (after session_open when the frame opens it), at most once per frame.
       Then once with `f` NULL and `number` 0 when the stream can get no
       frame any more: after its session_done, at once when the 4-tuple was
       reused or the capture ended, else when the engine forgets the
       finished session (ten minutes of capture time after it ended, or
       when a new connection takes the 4-tuple), at the latest when the
       engine finishes. A bad-checksum SYN that opens no session is given to
       no stream. */
    void (*stream_frame)(void *user, uint64_t stream, const ts_frame *f, uint64_t number);
    /* added after 0.1.0: selection (--filter, --stream, --since, --until) */
    /* Chooses the frames sessions are made of. Called for every frame,
       numbered `number` as in the whole capture, before `frame`. A frame for
       which it returns false is left out as if it were not in the capture
       (no other callback sees it; ts_stats.frames_not_selected counts it),
       except that it keeps its number and still counts for the stream
       numbers: streams are numbered as in the whole capture (as Wireshark
       numbers them, whatever display filter hides frames), by a second,
       internal engine that sees every frame. A session is then one stream of
       the whole capture made of its selected frames; when a selected frame
       belongs to another stream than the session of its 4-tuple, that
       session ends (TS_CLOSE_REUSED) and a new one, with that stream's
       number, begins. */
    bool (*select_frame)(void *user, const ts_frame *f, uint64_t number);
    /* Chooses sessions: called once per new session, before session_open,
       when its stream number, endpoints, first frame and start time are
       known. A session for which it returns false is still followed (it
       takes its stream number and its packets, so numbering and the other
       sessions are exactly those of a run that selects everything) but keeps
       no payload and gets no callback at all: no session_open, data, gap,
       packet, rewrite, stream_frame or session_done. */
    bool (*select_session)(void *user, const ts_session *s);
} ts_callbacks;

/** Counters for one capture. */
typedef struct {
    uint64_t frames;           /* frames read */
    uint64_t bytes_read;       /* bytes of capture file consumed (uncompressed) */
    uint64_t tcp_segments;     /* TCP segments handed to sessions */
    uint64_t not_ip;           /* frames that are not IPv4/IPv6 */
    uint64_t not_tcp;          /* IP packets that are not TCP */
    uint64_t ip_fragments;     /* IP fragment frames (reassembled into datagrams, see
                                  the ip_datagrams_* counters) */
    uint64_t truncated;        /* frames cut inside a header by the snap length */
    uint64_t malformed;        /* frames whose headers are inconsistent */
    uint64_t unsupported_link; /* frames of a link type we do not decode */
    uint64_t bad_checksums;    /* segments dropped for a wrong TCP checksum */
    uint64_t sessions;         /* sessions seen */
    uint64_t late_packets;     /* packets for finished sessions, counted only */
    uint64_t icmp_errors;      /* ICMP errors quoting a TCP segment */
    /* added after 0.1.0: IP fragment reassembly (fragments overlap by
       ts_options.overlap; see ts_options.ip_fragment_*) */
    uint64_t ip_datagrams_reassembled;    /* datagrams completed from fragments */
    uint64_t ip_datagrams_timed_out;      /* incomplete past ip_fragment_timeout */
    uint64_t ip_datagrams_memory_dropped; /* dropped for ip_fragment_memory */
    uint64_t ip_datagrams_policy_dropped; /* dropped by the linux overlap policy */
    uint64_t ip_datagrams_incomplete;     /* still incomplete at the end of the capture */
    uint64_t ip_fragments_cut;            /* fragments cut by the snap length (unusable) */
    /* added after 0.1.0: tunnels */
    uint64_t too_deep; /* frames whose encapsulations (VLAN, MPLS, PPPoE,
                          tunnels) nest deeper than the decoder follows (12) */
    /* added after 0.1.0: pcapng blocks Wireshark numbers as frames */
    uint64_t non_packet_frames; /* pcapng Custom and Systemd Journal Export
                                   blocks: counted in frames, carry no packet */
    /* added after 0.1.0: selection */
    uint64_t frames_not_selected; /* frames left out by ts_callbacks.select_frame */
    /* added after 0.1.0: the session memory budget (max_session_memory) */
    uint64_t sessions_evicted;    /* live sessions the budget finished early (open ones
                                     with close reason "evicted"; closed ones keep theirs) */
    uint64_t sessions_forgotten;  /* finished sessions forgotten early: a later packet of
                                     theirs starts a new session instead of counting as
                                     late */
    uint64_t session_memory_peak; /* most session memory held at once (bytes) */
} ts_stats;

typedef struct ts_engine ts_engine;

/** Size of ts_callbacks in 0.1.0 (through packet). */
#define TS_CALLBACKS_MIN_SIZE (offsetof(ts_callbacks, packet) + sizeof(void (*)(void)))

/** Creates an engine for ONE capture (stream and frame numbers are per
 *  capture). The first `opts_size` bytes of `opts` and `cb_size` of `cb` are
 *  copied (see the ABI rule above); NULL means defaults / no callbacks (its
 *  size is then ignored). The caller owns the result: ts_engine_free(). */
ts_engine *ts_engine_new_sized(const ts_options *opts, size_t opts_size, const ts_callbacks *cb,
                               size_t cb_size, void *user);

#ifndef TS_INSIDE_LIBTCPSESSION /* the library defines 0.1.0's ts_engine_new() */
/** ts_engine_new_sized() with the sizes this header gives the structs. */
static inline ts_engine *
ts_engine_new(const ts_options *opts, const ts_callbacks *cb, void *user)
{
    return ts_engine_new_sized(opts, sizeof *opts, cb, sizeof *cb, user);
}
#endif

/** Reads the whole capture at `path` (pcap, pcapng, either gzip-compressed)
 *  frame by frame (as ts_engine_feed() would, calling the frame, segment and
 *  progress callbacks), sets ts_stats.bytes_read, then finishes every session
 *  (ts_engine_finish()).
 *  - The capture cannot be opened, or is not a capture (TS_ERROR_IO,
 *    TS_ERROR_FORMAT): returns false with `error` set, having read nothing;
 *    the engine is NOT finished (sessions fed before with ts_engine_feed()
 *    stay open: call ts_engine_finish() to receive them).
 *  - The capture is damaged (TS_ERROR_CORRUPT; the message names the file,
 *    byte offset and reason): the sessions read up to the damage are still
 *    delivered, the engine is finished, and false is returned.
 *  - How the file is read, and the SIGBUS handler that mapping it installs:
 *    see ts_options.map_files.
 *  - A truncated last record is not an error: the reader's warning ("FILE:
 *    offset N: last record truncated (...)") is put FIRST in
 *    ts_engine_warnings(), before the warnings that arose while reading.
 *  - `path` "-" is standard input (named "stdin" in messages), as for
 *    libpcap's pcap_open_offline(). Added after 0.1.0.
 *  - Pipes (and FIFOs, character devices, sockets: whatever is not a
 *    regular file) are read sequentially, never seeked nor mapped, gzip
 *    included, with memory bounded by the read buffer. Added after 0.1.0.
 *  - Wall-time bound (pipes only): sessions end in capture time, the newest
 *    frame timestamp (close_linger after a closed session's last packet,
 *    idle_timeout after an open one's), so that the output does not depend
 *    on how fast the capture is read. A pipe that stays open but quiet would
 *    stop capture time and hold ended sessions back, so whenever no byte
 *    arrives for 200 ms the clock moves to the newest frame timestamp plus
 *    the wall time since that frame was read (as ts_engine_advance()):
 *    session_done then comes at most close_linger (or idle_timeout) seconds
 *    of wall time, plus 200 ms, after the session's last packet was read.
 *    Frames that come later keep their own timestamps. Also, while waiting,
 *    ts_engine_interrupt() ends the reading within 200 ms. Added after
 *    0.1.0. */
bool ts_engine_run_file(ts_engine *engine, const char *path, GError **error);

/** Asks a ts_engine_run_file() running on this engine to stop reading: it
 *  reads no frame after the one being processed, then finishes every
 *  session still open (session_done is called for each, as at the end of
 *  the capture) and returns true (ts_stats.bytes_read: what was read). Safe
 *  from any thread, from the engine's own callbacks and from a signal
 *  handler (it only sets an atomic flag); it stays set, so a later
 *  ts_engine_run_file() on the engine reads nothing. For Ctrl-C, and for a
 *  consumer that no longer wants the rest (the Python package's open()).
 *  Added after 0.1.0. */
void ts_engine_interrupt(ts_engine *engine);

/** Reads the capture at `path` into the engine frame by frame, as
 *  ts_engine_run_file() does, but does NOT finish the engine: the sessions
 *  still open stay open for the next capture read into it. For a series of
 *  captures that are consecutive parts of one (rotated files): frame and
 *  stream numbers continue across them, and a session spanning files is
 *  one session. Call ts_engine_finish() after the last. A capture whose
 *  first frame is older than the newest frame read before gets a warning
 *  (ts_engine_warnings(): "FILE: starts at T, before the end of the
 *  previous capture (T2); read after it, as mergecap -a would"); its frames
 *  are read all the same. Errors as for ts_engine_run_file(); on damage the
 *  sessions read so far stay open. ts_stats.bytes_read adds up the files.
 *  "-", pipes and the wall-time bound on a quiet pipe: as for
 *  ts_engine_run_file(). Added after 0.1.0. */
bool ts_engine_read_file(ts_engine *engine, const char *path, GError **error);

/** Moves the engine's clock to `now_ns` (nanoseconds since the epoch, as
 *  frame timestamps) when that is later than the newest frame seen:
 *  sessions whose close_linger or idle_timeout has run out by then are
 *  finished at once (session_done), as they would be by a frame with that
 *  timestamp. For live capture, where frames are stamped by the wall clock
 *  and a quiet link would otherwise hold finished sessions back. Not from
 *  inside a callback. Added after 0.1.0. */
void ts_engine_advance(ts_engine *engine, int64_t now_ns);

/** Processes one frame (numbered after the ones before it). For tests and
 *  embedders that read packets themselves. `frame->data` is borrowed. */
void ts_engine_feed(ts_engine *engine, const ts_frame *frame);

/** Finishes every session still open (end of capture). Idempotent. */
void ts_engine_finish(ts_engine *engine);

/** Counters so far. Owned by the engine. */
const ts_stats *ts_engine_stats(const ts_engine *engine);

/** Warnings collected while reading (e.g. "capture.pcap: offset 1234:
 *  last record truncated (...)"), NULL-terminated; owned by the engine. */
const char *const *ts_engine_warnings(const ts_engine *engine, size_t *n);

/** Frees the engine. Sessions still open are dropped without callbacks:
 *  call ts_engine_finish() first to receive them. */
void ts_engine_free(ts_engine *engine);

/** The version of the library running ("MAJOR.MINOR.MICRO"; TS_VERSION is
 *  that of the header compiled against). Static string. */
const char *ts_version(void);

/** Error domain of this library's GErrors. */
#define TS_ERROR (ts_error_quark())
GQuark ts_error_quark(void);

typedef enum {
    TS_ERROR_IO,      /* the file could not be opened or read */
    TS_ERROR_FORMAT,  /* not a capture format we know */
    TS_ERROR_CORRUPT, /* the capture is damaged at some offset */
} ts_error_code;

#pragma GCC visibility pop

G_END_DECLS

#endif /* TCPSESSION_H */
