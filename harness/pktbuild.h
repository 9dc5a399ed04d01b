/*
 * pktbuild.h — building test frames and writing classic pcap files.
 *
 * Used by the unit tests and by harness/tcpsession-craft. Everything here is
 * for tests: any error (bad address text, buffer too small, I/O failure)
 * prints a message and aborts, so callers never check return codes. TCP
 * flags and link types are those of the public header, tcpsession.h
 * (TS_TCP_*, TS_LINKTYPE_*), which this header includes.
 *
 * Three layers:
 *   - a classic pcap writer (little-endian, microsecond or nanosecond magic);
 *   - frame builders: link header + IPv4/IPv6 + TCP or UDP, with correct IP,
 *     TCP and UDP checksums unless asked to corrupt them; helpers for IPv4
 *     fragmentation and IP-in-IP wrapping;
 *   - pb_conn, a TCP conversation that tracks sequence numbers so a test can
 *     write "handshake, send, send, fin" in a few lines.
 *
 * Gotchas:
 *   - Frames built for linktype 0 (NULL) carry the address family in the
 *     byte order of the machine running the test (2 = AF_INET, 30 =
 *     AF_INET6 as on macOS), exactly like a capture made on that machine.
 *   - Fragment fields in pb_tcp are written raw; no splitting happens. Use
 *     pb_fragment_ipv4() to really split a packet.
 *   - API stable: add fields at the END of structs, never reorder; callers
 *     should use designated initializers.
 */
#ifndef TS_PKTBUILD_H
#define TS_PKTBUILD_H

#include "tcpsession.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame the builders produce (IPv4/IPv6 packet of 64 KiB + headers). */
#define PB_MAX_FRAME 65700

/* ---- pcap writer ------------------------------------------------------ */

typedef struct pb_writer pb_writer;

/* Creates `path` as a classic little-endian pcap file (nanosecond magic when
 * `nanoseconds`); aborts on error. snaplen 0 means 262144. */
pb_writer *pb_pcap_open(const char *path, int linktype, bool nanoseconds, uint32_t snaplen);

/* Appends one record: caplen = min(len, snaplen), origlen = len. */
void pb_pcap_write(pb_writer *w, int64_t ts_ns, const uint8_t *frame, uint32_t len);

/* Appends one record with explicit caplen and origlen (caplen bytes of
 * `frame` are written, even beyond the snaplen: for damaged-file tests). */
void pb_pcap_write_raw(pb_writer *w, int64_t ts_ns, const uint8_t *frame, uint32_t caplen,
                       uint32_t origlen);

/* Link type the writer was opened with. */
int pb_pcap_linktype(const pb_writer *w);

/* Flushes and closes the file, frees the writer; NULL is allowed. */
void pb_pcap_close(pb_writer *w);

/* ---- frame builders ---------------------------------------------------- */

/* One TCP segment. Zero-initialise and set what matters. */
typedef struct {
    int family;      /* 4 or 6 */
    const char *src; /* address text: "10.0.0.1", "2001:db8::1" */
    const char *dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags; /* TS_TCP_* bits */
    uint16_t window, urgent;
    const void *payload;
    size_t len;
    const uint8_t *tcp_options; /* raw bytes, zero-padded to 4 bytes for you */
    size_t tcp_options_len;
    bool bad_checksum; /* corrupt the TCP checksum */
    uint16_t ip_id;
    uint16_t ip_frag_offset_bytes; /* IPv4: fragment offset in bytes (multiple of 8) */
    bool ip_more_fragments;        /* IPv4: MF bit */
    size_t eth_trailer;            /* bytes (0xee) appended after the IP packet */
    int vlan_tags;                 /* number of VLAN tags (Ethernet only) */
    /* --- additions --- */
    bool vlan_qinq;            /* outer tags use TPID 0x88a8 (innermost stays 0x8100) */
    const uint8_t *ip_options; /* IPv4 options, zero-padded to 4 bytes for you (<= 40) */
    size_t ip_options_len;
    const uint8_t *ip6_ext; /* IPv6: raw extension-header chain placed before TCP; */
    size_t ip6_ext_len;     /*   each header's next-header byte is the caller's job, */
    uint8_t ip6_ext_first;  /*   the IPv6 header's next header is ip6_ext_first */
    uint8_t ttl;            /* 0 means 64 */
} pb_tcp;

/* Builds link header + IP + TCP for `linktype` (a TS_LINKTYPE_* of
 * tcpsession.h: 1 Ethernet, 0 NULL, 108 LOOP, 12, 14 and 101 raw, 113 SLL,
 * 276 SLL2, 228, 229, and the variant-0 headers of pb_link_variant()) into `out`; returns the frame
 * length (aborts if `cap` is too small). */
size_t pb_build_tcp(int linktype, const pb_tcp *seg, uint8_t *out, size_t cap);

/* Builds a UDP datagram frame (correct checksums). */
size_t pb_build_udp(int linktype, int family, const char *src, const char *dst, uint16_t sport,
                    uint16_t dport, const void *payload, size_t len, uint8_t *out, size_t cap);

/* Builds link header + IPv4/IPv6 header with protocol `proto` carrying
 * `l4` verbatim (no L4 checksum computed): for ICMP, IP-in-IP, odd protocols. */
size_t pb_build_ip(int linktype, int family, const char *src, const char *dst, uint8_t proto,
                   const void *l4, size_t l4_len, uint8_t *out, size_t cap);

/* Writes only the link header for a payload of `ethertype` (0x0800, 0x86dd,
 * 0x0806, ...) into `out`; returns its length. For NULL/LOOP the family is
 * derived from the ethertype; raw link types write nothing. */
size_t pb_build_link(int linktype, uint16_t ethertype, int vlan_tags, uint8_t *out, size_t cap);

/* Variants of the link headers written by pb_link_variant() (the builders
 * above use variant 0: PPP with address/control and a 2-byte protocol,
 * 802.11 3-address non-QoS data, radiotap with flags and rate, PPI with no
 * field, NFLOG with little-endian TLVs and one packet-header TLV). */
#define PB_LINK_NO_ACFC 0x001     /* PPP: no 0xff 0x03 */
#define PB_LINK_PFC 0x002         /* PPP: 1-byte protocol */
#define PB_LINK_QOS 0x004         /* 802.11: QoS data */
#define PB_LINK_HT 0x008          /* 802.11: HT control (with QoS) */
#define PB_LINK_4ADDR 0x010       /* 802.11: ToDS and FromDS, 4 addresses */
#define PB_LINK_RT_TSFT 0x020     /* radiotap: TSFT field (8-aligned) */
#define PB_LINK_RT_EXT 0x040      /* radiotap: a second present word */
#define PB_LINK_FCS 0x080         /* radiotap: flags say FCS (caller appends 4) */
#define PB_LINK_NFLOG_BE 0x100    /* NFLOG: big-endian TLV length and type */
#define PB_LINK_NFLOG_EXTRA 0x200 /* NFLOG: prefix, uid, timestamp TLVs */

/* Writes the link header of PPP, PPP_HDLC, C_HDLC, IEEE802_11, RADIOTAP,
 * PPI, NFLOG or IPOIB for `ethertype` with variants `v`; returns its
 * length. For NFLOG call pb_link_finish() once the frame is complete. */
size_t pb_link_variant(int linktype, uint16_t ethertype, unsigned v, uint8_t *out, size_t cap);

/* Completes a frame of `n` bytes with a `link`-byte link header (sets the
 * NFLOG payload TLV length; nothing for other link types). */
void pb_link_finish(int linktype, uint8_t *frame, size_t link, size_t n);

/* Wraps an IP packet (IPv4 or IPv6, version from its first nibble) in an
 * outer IPv4/IPv6 header (protocol 4 or 41) behind a link header. */
size_t pb_wrap_ip_in_ip(int linktype, int outer_family, const char *src, const char *dst,
                        const uint8_t *inner_ip, size_t inner_len, uint8_t *out, size_t cap);

/* Offset of the IP header in a frame built by these builders (handles VLAN
 * tags for Ethernet); aborts for unsupported link types. */
size_t pb_ip_offset(int linktype, const uint8_t *frame, size_t len);

/* Splits the IPv4 packet in `frame` (built for `linktype`) into fragments of
 * at most `mtu_payload` IP-payload bytes (rounded down to a multiple of 8).
 * Fragment i goes to outs[i] (each `out_cap` bytes), its length to
 * out_lens[i]; returns the number of fragments (aborts if > max_outs).
 * Link trailers are dropped; the link header is copied. */
size_t pb_fragment_ipv4(int linktype, const uint8_t *frame, size_t len, size_t mtu_payload,
                        uint8_t *const outs[], size_t out_lens[], size_t max_outs, size_t out_cap);

/* Internet checksum (one's complement of the one's-complement sum) over
 * `len` bytes, starting from partial sum `initial` (0 normally). */
uint16_t pb_checksum(const void *data, size_t len, uint32_t initial);

/* ---- conversations ---------------------------------------------------- */

typedef struct pb_conn pb_conn;

/* Receives the frames of a conversation when it has no pcap writer. */
typedef void (*pb_sink_fn)(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len);

/* Creates a conversation client:cport -> server:sport writing to `w` (which
 * the caller keeps owning). The first packet is stamped 1700000000 s; each
 * packet advances time by 1 ms. Next seq starts at ISN+1 for both sides, so
 * data may be sent without a handshake (mid-stream capture). */
pb_conn *pb_conn_new(pb_writer *w, int linktype, int family, const char *client, uint16_t cport,
                     const char *server, uint16_t sport, uint32_t client_isn, uint32_t server_isn);

/* Sends frames to `fn` instead of (or, with a writer, in addition to) the
 * pcap writer. */
void pb_conn_set_sink(pb_conn *c, pb_sink_fn fn, void *user);

/* SYN (seq ISN), SYN-ACK, ACK. */
void pb_conn_handshake(pb_conn *c);

/* Sends bytes from client (from=0) or server (from=1) at the current next
 * seq, PSH|ACK acknowledging the peer's next seq, and advances. */
void pb_conn_send(pb_conn *c, int from, const void *data, size_t len);

/* Sends at relative offset `rel_offset` (0 = ISN+1) without changing state;
 * `flags` 0 means PSH|ACK. For overlaps, retransmissions, out of order. */
void pb_conn_send_at(pb_conn *c, int from, uint32_t rel_offset, const void *data, size_t len,
                     uint8_t flags);

/* FIN|ACK at the current seq; advances by 1. */
void pb_conn_fin(pb_conn *c, int from);

/* RST|ACK at the current seq. */
void pb_conn_rst(pb_conn *c, int from);

/* Pure ACK (no data) from `from` acknowledging the peer's next seq. */
void pb_conn_ack(pb_conn *c, int from);

/* Fills `seg` with a template for a segment from `from`: family, addresses,
 * ports, seq (next), ack (peer next), flags ACK, window 65535. Tweak it and
 * pass it to pb_conn_write(). */
void pb_conn_template(const pb_conn *c, int from, pb_tcp *seg);

/* Emits an arbitrary segment (usually from pb_conn_template) at the
 * conversation's clock; does not change sequence state. */
void pb_conn_write(pb_conn *c, const pb_tcp *seg);

/* Sets the timestamp of the next packet (later packets keep +1 ms steps). */
void pb_conn_set_time(pb_conn *c, int64_t ts_ns);

/* Sets the clock step between packets (default 1 ms). */
void pb_conn_set_step(pb_conn *c, int64_t step_ns);

/* Timestamp the next packet will get. */
int64_t pb_conn_time(const pb_conn *c);

/* Absolute next sequence number of side `from`. */
uint32_t pb_conn_next_seq(const pb_conn *c, int from);

/* Sets the absolute next sequence number of side `from` (to skip bytes and
 * leave a hole, for example). */
void pb_conn_set_next_seq(pb_conn *c, int from, uint32_t seq);

/* Frees the conversation (not the writer); NULL is allowed. */
void pb_conn_free(pb_conn *c);

#endif /* TS_PKTBUILD_H */
