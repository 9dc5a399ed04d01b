/*
 * decode.h — from a captured frame down to a TCP segment (internal).
 *
 * One pass over the headers (link, IP, TCP), no state, no allocation:
 * every pointer in the result points into the frame. Every length read from
 * the packet is checked against what was captured before use; lengths are
 * compared, never computed pointers. The IP layer clips the packet to the IP
 * total / payload length, so Ethernet padding and trailers never become
 * payload. "Truncated" (the capture stopped early, snap length) and
 * "malformed" (the header lies) are different outcomes.
 */
#ifndef TS_DECODE_H
#define TS_DECODE_H

#include "tcpsession.h"

#include <stdbool.h>
#include <stdint.h>

/* Link types (TS_LINKTYPE_*) and TCP flag bits (TS_TCP_*) are the public
 * ones of tcpsession.h. */

typedef enum {
    TS_DECODE_TCP = 0,   /* a TCP segment: every field of ts_decoded is set */
    TS_DECODE_NOT_IP,    /* the link carries something else (ARP, LLDP, ...) */
    TS_DECODE_NOT_TCP,   /* IP, but not TCP (UDP, ICMP, ...) */
    TS_DECODE_FRAGMENT,  /* an IPv4/IPv6 fragment: ts_decoded.fragment describes it
                            (nothing else of ts_decoded is set) */
    TS_DECODE_TRUNCATED, /* the frame ends inside a link, IP or TCP header */
    TS_DECODE_MALFORMED, /* a header is inconsistent (bad version, IHL < 5,
                            TCP data offset < 5, total length < header, ...) */
    TS_DECODE_ICMP_TCP,  /* an ICMP/ICMPv6 error quoting a TCP header: addresses,
                            ports, seq and (when quoted) flags of the quoted
                            segment are set; no payload */
    TS_DECODE_UNSUPPORTED_LINK,
    TS_DECODE_TOO_DEEP, /* encapsulations (VLAN tags, MPLS labels, PPPoE,
                           tunnels) nest deeper than TS_MAX_ENCAP */
} ts_decode_status;

/** An IP fragment (TS_DECODE_FRAGMENT): what reassembly needs. The
 *  addresses are those of the IP header holding the fragment (the innermost
 *  one when tunnelled); `data` borrows the frame. */
typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t proto;  /* IPv4 protocol / next header of the IPv6 fragment header */
    bool more;      /* more-fragments flag */
    uint8_t src_addr[16];
    uint8_t dst_addr[16];   /* IPv4 uses the first 4 bytes, rest zero */
    uint32_t id;            /* IPv4 identification (16 bits) or IPv6 (32 bits) */
    uint32_t offset;        /* of data[0] in the datagram's payload, in bytes */
    const uint8_t *data;    /* the fragment's payload (first captured byte) */
    uint32_t data_len;      /* payload bytes present in the frame */
    uint32_t data_wire_len; /* payload bytes per the IP header (> data_len:
                               the snap length cut it, it cannot be used) */
    int depth;              /* IP headers enclosing the fragment's IP header */
} ts_fragment;
/* Most encapsulation layers followed around one TCP segment: each VLAN tag,
 * MPLS label, PPPoE session, IP-in-IP header and tunnel header (GRE and
 * ERSPAN count one each) is one layer. Past it: TS_DECODE_TOO_DEEP. */
#define TS_MAX_ENCAP 12

/* One encapsulation layer around a decoded segment (ts_carrier_kind `kind`),
 * outermost first. `src`/`dst` borrow the frame: the enclosing IP header's
 * addresses (4 or 16 bytes by `family`) for IP-level tunnels, else NULL;
 * `port[]` the UDP ports of UDP tunnels. `id`/`detail` as ts_carrier's. */
typedef struct {
    uint8_t kind;
    uint8_t family; /* 0: no outer IP header */
    bool has_id;
    uint16_t detail;
    uint32_t id;
    uint16_t port[2];   /* source, destination */
    uint16_t tpid, tci; /* VLAN: the tag's TPID and whole TCI (not in ts_carrier) */
    const uint8_t *src, *dst;
} ts_layer;

/* Decoder settings: the UDP ports that select a UDP tunnel (0 = not
 * followed). NULL in ts_decode_frame_cfg() means TS_DECODE_CONFIG_DEFAULT. */
typedef struct {
    uint16_t vxlan, geneve, gtpu, teredo;
} ts_decode_config;

/* tshark's default ports (packet-vxlan.c, packet-geneve.c, packet-gtp.c,
 * packet-teredo.c). */
#define TS_DECODE_CONFIG_DEFAULT                                                                   \
    {                                                                                              \
        4789, 6081, 2152, 3544                                                                     \
    }

/** A decoded TCP segment. Pointers borrow the frame. */
typedef struct {
    uint8_t family;       /* 4 or 6 */
    uint8_t src_addr[16]; /* IPv4 uses the first 4 bytes, rest zero */
    uint8_t dst_addr[16];
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags; /* TS_TCP_* */
    uint16_t window;
    uint16_t urgent;           /* urgent pointer */
    const uint8_t *tcp_header; /* start of the TCP header */
    uint32_t tcp_header_len;   /* data offset * 4 (checked <= captured bytes) */
    const uint8_t *payload;    /* first captured payload byte */
    uint32_t payload_len;      /* payload bytes present in the frame */
    uint32_t payload_wire_len; /* payload length according to the IP header;
                                  > payload_len when the snap length cut it */
    bool frame_cut;            /* set by the engine, not the decoder: the capture
                                  kept fewer bytes than were on the wire (snap
                                  length), so missing payload is a capture cut */
    const uint8_t *ip4_header; /* the IPv4 header nearest the TCP header, or
                                  NULL when the packet has none (IPv6) */
    uint32_t ip4_header_len;
    ts_fragment fragment; /* set only with TS_DECODE_FRAGMENT */
    /* How the segment was carried, outermost layer first: carried[0 ..
       ncarried - 1] (ncarried is 0 for plain traffic and nothing else of
       the array is written then). */
    uint8_t ncarried;
    ts_layer carried[TS_MAX_ENCAP];
    const ts_decode_config *cfg; /* set by ts_decode_frame_cfg() (decoder's use) */
} ts_decoded;

/** Decodes `frame` (`caplen` captured bytes) of link type `linktype` down to
 *  TCP with the default settings. The fields of `out` are meaningful only
 *  when the result is TS_DECODE_TCP (or ICMP_TCP, see above). */
ts_decode_status ts_decode_frame(int linktype, const uint8_t *frame, uint32_t caplen,
                                 ts_decoded *out);

/** ts_decode_frame() with settings `cfg` (NULL: the defaults; borrowed for
 *  the call). */
ts_decode_status ts_decode_frame_cfg(int linktype, const uint8_t *frame, uint32_t caplen,
                                     const ts_decode_config *cfg, ts_decoded *out);

/** True when the IPv4 header checksum of `seg` is right (always true for a
 *  packet without an IPv4 header). */
bool ts_ip_checksum_ok(const ts_decoded *seg);

/** True when the TCP checksum of `seg` is right. Needs the whole segment
 *  captured (payload_len == payload_wire_len); returns true otherwise (an
 *  incomplete segment cannot be checked). */
bool ts_tcp_checksum_ok(const ts_decoded *seg);

#endif /* TS_DECODE_H */
