/*
 * craft_tunnel.c — the case captures of tunnels and encapsulations.
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md ("Tunnels and encapsulations") and has a
 * row in tests/expected/cases.tsv.
 *
 * Every session is an ordinary scripted_session() (8 packets) built as raw
 * IP with the standard case addresses; a sink wraps each packet, innermost
 * header first, in the case's encapsulations (tunnel headers written here,
 * outer IP/UDP headers by pktbuild) and writes it behind an Ethernet
 * header. The wrapper learns the packet's direction from its inner source
 * address (10.1.0.1 or 2001:db8:1::1 is the client): outer addresses are
 * swapped for the server's packets, except where a mirror sends both
 * directions (ERSPAN).
 *
 * Gotchas: a packet is built from the end of `pkt.b` towards its start, so
 * prepending a header is a copy in front; pktbuild's IP and UDP builders
 * write the whole packet again (checksums over what is inside).
 */
#include "byteorder.h"
#include "craft.h"

#include <glib.h>
#include <string.h>

#define PKT_CAP (2 * PB_MAX_FRAME)

/* A packet being wrapped: b[off .. PKT_CAP). */
typedef struct {
    uint8_t b[PKT_CAP];
    size_t off;
} pkt;

static inline size_t
pkt_len(const pkt *p)
{
    return PKT_CAP - p->off;
}

static inline uint8_t *
pkt_data(pkt *p)
{
    return p->b + p->off;
}

static void
pkt_set(pkt *p, const uint8_t *data, size_t len)
{
    p->off = PKT_CAP - len;
    memmove(p->b + p->off, data, len);
}

static void
prepend(pkt *p, const void *hdr, size_t n)
{
    p->off -= n;
    memcpy(p->b + p->off, hdr, n);
}

/* ---- the headers ------------------------------------------------------- */

/* Ethernet (with a VLAN tag when `vlan` >= 0) for `ethertype`. */
static void
wrap_eth(pkt *p, uint16_t ethertype, int vlan)
{
    uint8_t h[18] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    size_t n = 12;
    if (vlan >= 0) {
        pb_put16(h + n, 0x8100);
        pb_put16(h + n + 2, (uint16_t)vlan);
        n += 4;
    }
    pb_put16(h + n, ethertype);
    prepend(p, h, n + 2);
}

/* Ethernet type of the IP packet at the start of `p`. */
static uint16_t
ip_ethertype(pkt *p)
{
    return (pkt_data(p)[0] >> 4) == 6 ? 0x86dd : 0x0800;
}

/* Outer IP header of `family` src -> dst, protocol `proto`. */
static void
wrap_ip(pkt *p, int family, const char *src, const char *dst, uint8_t proto)
{
    static uint8_t tmp[PKT_CAP];
    size_t n = pb_build_ip(TS_LINKTYPE_RAW, family, src, dst, proto, pkt_data(p), pkt_len(p), tmp,
                           sizeof tmp);
    pkt_set(p, tmp, n);
}

/* Outer IP and UDP headers. */
static void
wrap_udp(pkt *p, int family, const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
    static uint8_t tmp[PKT_CAP];
    size_t n = pb_build_udp(TS_LINKTYPE_RAW, family, src, dst, sport, dport, pkt_data(p),
                            pkt_len(p), tmp, sizeof tmp);
    pkt_set(p, tmp, n);
}

#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000

/* GRE version 0 with `flags` (C, K, S), protocol `proto`, key, sequence
 * number; the checksum covers the GRE header and what it carries. */
static void
wrap_gre(pkt *p, uint16_t flags, uint16_t proto, uint32_t key, uint32_t seq)
{
    uint8_t h[16] = {0};
    size_t n = 4;
    pb_put16(h, flags);
    pb_put16(h + 2, proto);
    size_t csum_at = n;
    if (flags & GRE_C)
        n += 4;
    if (flags & GRE_K) {
        pb_put32(h + n, key);
        n += 4;
    }
    if (flags & GRE_S) {
        pb_put32(h + n, seq);
        n += 4;
    }
    prepend(p, h, n);
    if (flags & GRE_C) {
        uint16_t sum = pb_checksum(pkt_data(p), pkt_len(p), 0);
        pb_put16(pkt_data(p) + csum_at, sum);
    }
}

/* PPTP's enhanced GRE (version 1, protocol 0x880b): payload length and
 * `call` id, a sequence number when `seq` > 0, an acknowledgment number
 * when `ack` > 0. */
static void
wrap_pptp(pkt *p, uint16_t call, uint32_t seq, uint32_t ack)
{
    uint8_t h[16] = {0};
    size_t n = 8;
    h[0] = (uint8_t)(0x20 | (seq > 0 ? 0x10 : 0));
    h[1] = (uint8_t)(0x01 | (ack > 0 ? 0x80 : 0));
    pb_put16(h + 2, 0x880b);
    pb_put16(h + 4, (uint16_t)pkt_len(p));
    pb_put16(h + 6, call);
    if (seq > 0) {
        pb_put32(h + n, seq);
        n += 4;
    }
    if (ack > 0) {
        pb_put32(h + n, ack);
        n += 4;
    }
    prepend(p, h, n);
}

/* VXLAN with VNI `vni` (I flag set). */
static void
wrap_vxlan(pkt *p, uint32_t vni)
{
    uint8_t h[8] = {0x08};
    pb_put32(h + 4, vni << 8);
    prepend(p, h, 8);
}

/* Geneve, VNI `vni`, protocol `proto`, with one 4-byte option (class
 * 0x0104, type 0x01) when `option`. */
static void
wrap_geneve(pkt *p, uint32_t vni, uint16_t proto, bool option)
{
    uint8_t h[16] = {0};
    h[0] = option ? 2 : 0; /* options length in 4-byte words */
    pb_put16(h + 2, proto);
    pb_put32(h + 4, vni << 8);
    if (option) {
        pb_put16(h + 8, 0x0104);
        h[10] = 0x01;
        h[11] = 0x01; /* 1 word of data */
        pb_put32(h + 12, 0xc0ffee00);
    }
    prepend(p, h, option ? 16 : 8);
}

/* GTP-U T-PDU with `teid`; with `ext`, the E flag and a PDU session
 * container extension header (QFI 9). */
static void
wrap_gtpu(pkt *p, uint32_t teid, bool ext)
{
    uint8_t h[16] = {0x30, 0xff};
    size_t n = 8;
    if (ext) {
        h[0] |= 0x04;
        h[11] = 0x85; /* next extension: PDU session container */
        h[12] = 1;    /* 4 bytes */
        h[13] = 0x10; /* PDU type 1 (uplink) */
        h[14] = 0x09; /* QFI 9 */
        h[15] = 0;    /* no further extension */
        n = 16;
    }
    pb_put16(h + 2, (uint16_t)(n - 8 + pkt_len(p)));
    pb_put32(h + 4, teid);
    prepend(p, h, n);
}

/* MPLS labels `labels[0..n)` (outermost first, the last bottom of stack),
 * after a pseudowire control word when `cw`. */
static void
wrap_mpls(pkt *p, const uint32_t *labels, size_t n, bool cw)
{
    if (cw) {
        static const uint8_t zero[4] = {0};
        prepend(p, zero, 4);
    }
    for (size_t i = n; i-- > 0;) {
        uint8_t h[4];
        pb_put32(h, (labels[i] << 12) | (i == n - 1 ? 0x100u : 0u) | 64u);
        prepend(p, h, 4);
    }
}

/* PPP framings: address/control ff 03 and a 2-byte protocol (PPTP), the
 * 2-byte protocol alone (PPPoE, RFC 2516), a 1-byte protocol alone (ACFC and
 * PFC negotiated). */
enum { PPP_HDLC, PPP_PLAIN, PPP_PFC };

/* PPP (protocol 0x0021 / 0x0057 by the IP version) framed as `framing`. */
static void
wrap_ppp(pkt *p, int framing)
{
    bool v6 = (pkt_data(p)[0] >> 4) == 6;
    uint8_t full[4] = {0xff, 0x03, 0x00, (uint8_t)(v6 ? 0x57 : 0x21)};
    size_t skip = framing == PPP_HDLC ? 0 : framing == PPP_PLAIN ? 2 : 3;
    prepend(p, full + skip, 4 - skip);
}

/* PPPoE session `session` (code 0, length of the PPP frame). */
static void
wrap_pppoe(pkt *p, uint16_t session)
{
    uint8_t h[6] = {0x11, 0x00};
    pb_put16(h + 2, session);
    pb_put16(h + 4, (uint16_t)pkt_len(p));
    prepend(p, h, 6);
}

/* ---- the cases ----------------------------------------------------------- */

typedef struct tun_case tun_case;

/* Wraps the inner IP packet in `p` (sent by `from`) for case `t`; leaves a
 * complete Ethernet frame. */
typedef void (*wrap_fn)(tun_case *t, int from, pkt *p);

enum { ONCE, TUNNEL_THEN_PLAIN, PLAIN_THEN_TUNNEL };

struct tun_case {
    pb_writer *w;
    wrap_fn wrap;
    int variant;      /* which session of the capture (the wrapper's choice) */
    int copies;       /* ONCE, or each packet twice (TUNNEL_THEN_PLAIN, ...) */
    uint32_t sent[2]; /* packets wrapped per direction (GRE / PPTP sequence) */
};

/* Who sent the inner packet: its source address ends in 1 for the client. */
static int
inner_from(const uint8_t *ip)
{
    return ip[(ip[0] >> 4) == 6 ? 23 : 15] == 1 ? CLIENT : SERVER;
}

/* The tunnel endpoint addresses of `from`'s packets: `a` is the client's
 * side, `b` the server's. */
static void
ends(int from, const char *a, const char *b, const char **src, const char **dst)
{
    *src = from == CLIENT ? a : b;
    *dst = from == CLIENT ? b : a;
}

static void
write_frame(tun_case *t, int64_t ts_ns, pkt *p)
{
    pb_pcap_write(t->w, ts_ns, pkt_data(p), (uint32_t)pkt_len(p));
}

/* pb_conn sink: wraps each packet (and writes its plain copy, if asked). */
static void
tun_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    static pkt p;
    tun_case *t = user;
    int from = inner_from(frame);
    for (int copy = 0; copy < (t->copies == ONCE ? 1 : 2); copy++) {
        pkt_set(&p, frame, len);
        bool plain = (copy == 0) == (t->copies == PLAIN_THEN_TUNNEL);
        if (plain)
            wrap_eth(&p, ip_ethertype(&p), -1);
        else
            t->wrap(t, from, &p);
        write_frame(t, ts_ns + copy * (SECOND / 2000), &p);
    }
    t->sent[from]++;
}

/* Session `n` of `w` (IPv4 or IPv6 by `family`) through `wrap`. */
static void
tun_session(pb_writer *w, int n, int family, wrap_fn wrap, int variant, int copies,
            const char *label)
{
    tun_case t = {.w = w, .wrap = wrap, .variant = variant, .copies = copies};
    conv k = case_conv(NULL, TS_LINKTYPE_RAW, family, n);
    pb_conn_set_sink(k.c, tun_sink, &t);
    char *req = g_strdup_printf("%s request", label);
    char *resp = g_strdup_printf("%s response", label);
    scripted_session(&k, NULL, req, resp);
    g_free(req);
    g_free(resp);
}

static pb_writer *
open_case(const char *dir, const char *name, char **path)
{
    *path = case_path(dir, name);
    return pb_pcap_open(*path, TS_LINKTYPE_ETHERNET, false, 0);
}

static void
close_case(pb_writer *w, char *path)
{
    pb_pcap_close(w);
    g_free(path);
}

#define V4A "192.0.2.1"
#define V4B "192.0.2.2"
#define V6A "2001:db8:ff::1"
#define V6B "2001:db8:ff::2"

/* ---- GRE: flags C, K, S; IPv4, IPv6 and Ethernet payloads -------------- */

static void
wrap_gre_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    uint32_t seq = t->sent[from] + 1;
    switch (t->variant) {
    case 0: /* checksum, key, sequence; IPv4 in IPv4 */
        wrap_gre(p, GRE_C | GRE_K | GRE_S, 0x0800, 1001, seq);
        ends(from, V4A, V4B, &s, &d);
        wrap_ip(p, 4, s, d, 47);
        break;
    case 1: /* key, sequence; IPv6 in IPv4 */
        wrap_gre(p, GRE_K | GRE_S, 0x86dd, 1002, seq);
        ends(from, V4A, V4B, &s, &d);
        wrap_ip(p, 4, s, d, 47);
        break;
    default: /* checksum, key; Ethernet (0x6558) in IPv6 */
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_gre(p, GRE_C | GRE_K, 0x6558, 1003, 0);
        ends(from, V6A, V6B, &s, &d);
        wrap_ip(p, 6, s, d, 47);
        break;
    }
    wrap_eth(p, ip_ethertype(p), -1);
}

static void
case_gre(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-gre.pcap", &path);
    tun_session(w, 0, 4, wrap_gre_case, 0, ONCE, "gre csum key seq");
    tun_session(w, 1, 6, wrap_gre_case, 1, ONCE, "gre ipv6");
    tun_session(w, 2, 4, wrap_gre_case, 2, ONCE, "gre ethernet");
    close_case(w, path);
}

/* ---- ERSPAN types I, II, III (a mirror: both directions to one collector) */

static void
wrap_erspan_case(tun_case *t, int from, pkt *p)
{
    uint32_t seq = t->sent[CLIENT] + t->sent[SERVER] + 1; /* one mirror session */
    uint8_t h[12] = {0};
    (void)from;
    wrap_eth(p, ip_ethertype(p), -1);
    switch (t->variant) {
    case 0: /* type I: GRE without S, Ethernet at once */ wrap_gre(p, 0, 0x88be, 0, 0); break;
    case 1: /* type II: version 1, VLAN 0, session 100, index 0 */
        h[0] = 0x10;
        pb_put16(h + 2, 100);
        prepend(p, h, 8);
        wrap_gre(p, GRE_S, 0x88be, 0, seq);
        break;
    default: /* type III: version 2, session 200, timestamp, frame type 0 */
        h[0] = 0x20;
        pb_put16(h + 2, 200);
        pb_put32(h + 4, 0x01020304);
        prepend(p, h, 12);
        wrap_gre(p, GRE_S, 0x22eb, 0, seq);
        break;
    }
    wrap_ip(p, 4, "192.0.2.10", "192.0.2.20", 47);
    wrap_eth(p, 0x0800, -1);
}

static void
case_erspan(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-erspan.pcap", &path);
    tun_session(w, 0, 4, wrap_erspan_case, 0, ONCE, "erspan type 1");
    tun_session(w, 1, 4, wrap_erspan_case, 1, ONCE, "erspan type 2");
    tun_session(w, 2, 4, wrap_erspan_case, 2, ONCE, "erspan type 3");
    close_case(w, path);
}

/* ---- VXLAN, VLAN tags outside and inside; on a non-default port -------- */

static void
wrap_vxlan_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    uint16_t sport = from == CLIENT ? 50001 : 50002; /* a per-flow hash */
    switch (t->variant) {
    case 0:
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_vxlan(p, 5001);
        ends(from, V4A, V4B, &s, &d);
        wrap_udp(p, 4, s, d, sport, 4789);
        wrap_eth(p, 0x0800, -1);
        break;
    case 1: /* VLAN 7 outside, VLAN 42 on the inner Ethernet */
        wrap_eth(p, ip_ethertype(p), 42);
        wrap_vxlan(p, 5002);
        ends(from, V4A, V4B, &s, &d);
        wrap_udp(p, 4, s, d, sport, 4789);
        wrap_eth(p, 0x0800, 7);
        break;
    case 2: /* IPv6 outside and inside */
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_vxlan(p, 5003);
        ends(from, V6A, V6B, &s, &d);
        wrap_udp(p, 6, s, d, sport, 4789);
        wrap_eth(p, 0x86dd, -1);
        break;
    default: /* UDP port 8472 (Linux's old default), not IANA's 4789 */
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_vxlan(p, 5004);
        ends(from, V4A, V4B, &s, &d);
        wrap_udp(p, 4, s, d, sport, 8472);
        wrap_eth(p, 0x0800, -1);
        break;
    }
}

static void
case_vxlan(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-vxlan.pcap", &path);
    tun_session(w, 0, 4, wrap_vxlan_case, 0, ONCE, "vxlan");
    tun_session(w, 1, 4, wrap_vxlan_case, 1, ONCE, "vxlan vlans");
    tun_session(w, 2, 6, wrap_vxlan_case, 2, ONCE, "vxlan ipv6");
    close_case(w, path);
    w = open_case(dir, "tunnel-vxlan-port.pcap", &path);
    tun_session(w, 0, 4, wrap_vxlan_case, 3, ONCE, "vxlan port 8472");
    close_case(w, path);
}

/* ---- Geneve ---------------------------------------------------------------- */

static void
wrap_geneve_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    if (t->variant == 0) { /* Ethernet, one option */
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_geneve(p, 6001, 0x6558, true);
    } else { /* IPv4 at once, no option */
        wrap_geneve(p, 6002, 0x0800, false);
    }
    ends(from, V4A, V4B, &s, &d);
    wrap_udp(p, 4, s, d, from == CLIENT ? 50001 : 50002, 6081);
    wrap_eth(p, 0x0800, -1);
}

static void
case_geneve(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-geneve.pcap", &path);
    tun_session(w, 0, 4, wrap_geneve_case, 0, ONCE, "geneve option");
    tun_session(w, 1, 4, wrap_geneve_case, 1, ONCE, "geneve ipv4");
    close_case(w, path);
}

/* ---- MPLS label stacks, the pseudowire control word ----------------------- */

static void
wrap_mpls_case(tun_case *t, int from, pkt *p)
{
    static const uint32_t two[2] = {100, 200}, three[3] = {300, 400, 500}, pw[2] = {600, 700};
    (void)from;
    switch (t->variant) {
    case 0: wrap_mpls(p, two, 2, false); break;
    case 1: wrap_mpls(p, three, 3, false); break;
    default:
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_mpls(p, pw, 2, true);
        break;
    }
    wrap_eth(p, 0x8847, -1);
}

static void
case_mpls(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-mpls.pcap", &path);
    tun_session(w, 0, 4, wrap_mpls_case, 0, ONCE, "mpls two labels");
    tun_session(w, 1, 6, wrap_mpls_case, 1, ONCE, "mpls three labels");
    tun_session(w, 2, 4, wrap_mpls_case, 2, ONCE, "mpls pseudowire");
    close_case(w, path);
}

/* ---- PPPoE sessions ------------------------------------------------------------ */

static void
wrap_pppoe_case(tun_case *t, int from, pkt *p)
{
    (void)from;
    wrap_ppp(p, PPP_PLAIN);
    wrap_pppoe(p, (uint16_t)(0x1234 + t->variant));
    wrap_eth(p, 0x8864, -1);
}

static void
case_pppoe(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-pppoe.pcap", &path);
    tun_session(w, 0, 4, wrap_pppoe_case, 0, ONCE, "pppoe ipv4");
    tun_session(w, 1, 6, wrap_pppoe_case, 1, ONCE, "pppoe ipv6");
    close_case(w, path);
}

/* ---- IP in IP: 4in4, 6in4, 4in6, 6in6 ----------------------------------------- */

static void
wrap_ipip_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    uint8_t proto = (pkt_data(p)[0] >> 4) == 6 ? 41 : 4;
    int outer = t->variant;
    ends(from, outer == 6 ? V6A : V4A, outer == 6 ? V6B : V4B, &s, &d);
    wrap_ip(p, outer, s, d, proto);
    wrap_eth(p, ip_ethertype(p), -1);
}

static void
case_ipip(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-ipip.pcap", &path);
    tun_session(w, 0, 4, wrap_ipip_case, 4, ONCE, "4in4");
    tun_session(w, 1, 6, wrap_ipip_case, 4, ONCE, "6in4");
    tun_session(w, 2, 4, wrap_ipip_case, 6, ONCE, "4in6");
    tun_session(w, 3, 6, wrap_ipip_case, 6, ONCE, "6in6");
    close_case(w, path);
}

/* ---- GTP-U: TEIDs per direction, extension headers ------------------------ */

static void
wrap_gtpu_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    static const uint32_t teid[2][2] = {{0x11111111, 0x22222222}, {0x33333333, 0x44444444}};
    wrap_gtpu(p, teid[t->variant][from], t->variant == 1);
    ends(from, V4A, V4B, &s, &d);
    wrap_udp(p, 4, s, d, 2152, 2152);
    wrap_eth(p, 0x0800, -1);
}

static void
case_gtpu(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-gtpu.pcap", &path);
    tun_session(w, 0, 4, wrap_gtpu_case, 0, ONCE, "gtpu");
    tun_session(w, 1, 4, wrap_gtpu_case, 1, ONCE, "gtpu extension");
    close_case(w, path);
}

/* ---- Teredo: the relay's packets carry an origin indication -------------- */

static void
wrap_teredo_case(tun_case *t, int from, pkt *p)
{
    (void)t;
    if (from == SERVER) { /* origin indication: port and address obfuscated */
        uint8_t h[8] = {0, 0};
        pb_put16(h + 2, (uint16_t)~3544);
        pb_put32(h + 4, ~0xc0000202u);
        prepend(p, h, 8);
        wrap_udp(p, 4, V4B, V4A, 3544, 40123);
    } else {
        wrap_udp(p, 4, V4A, V4B, 40123, 3544);
    }
    wrap_eth(p, 0x0800, -1);
}

static void
case_teredo(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-teredo.pcap", &path);
    tun_session(w, 0, 6, wrap_teredo_case, 0, ONCE, "teredo");
    close_case(w, path);
}

/* ---- tunnels in tunnels, and deeper than the decoder follows -------------- */

static void
wrap_nested_case(tun_case *t, int from, pkt *p)
{
    static const uint32_t label = 800;
    const char *s, *d;
    if (t->variant == 0) { /* VXLAN in GRE */
        wrap_eth(p, ip_ethertype(p), -1);
        wrap_vxlan(p, 8001);
        ends(from, V4A, V4B, &s, &d);
        wrap_udp(p, 4, s, d, 50001, 4789);
        wrap_gre(p, GRE_K, 0x0800, 7, 0);
        ends(from, "198.51.100.1", "198.51.100.2", &s, &d);
        wrap_ip(p, 4, s, d, 47);
        wrap_eth(p, 0x0800, -1);
    } else { /* MPLS in GRE in a VLAN-tagged Ethernet in Geneve over IPv6 */
        wrap_mpls(p, &label, 1, false);
        wrap_gre(p, 0, 0x8847, 0, 0);
        ends(from, V4A, V4B, &s, &d);
        wrap_ip(p, 4, s, d, 47);
        wrap_eth(p, 0x0800, 9);
        wrap_geneve(p, 8002, 0x6558, false);
        ends(from, V6A, V6B, &s, &d);
        wrap_udp(p, 6, s, d, 50001, 6081);
        wrap_eth(p, 0x86dd, -1);
    }
}

/* `variant` GRE headers (IPv4 in IPv4), level i between 192.0.2.(2i+1)
 * and 192.0.2.(2i+2), the outermost last. */
static void
wrap_deep_case(tun_case *t, int from, pkt *p)
{
    for (int i = t->variant - 1; i >= 0; i--) {
        char a[16], b[16];
        const char *s, *d;
        g_snprintf(a, sizeof a, "192.0.2.%d", 2 * i + 1);
        g_snprintf(b, sizeof b, "192.0.2.%d", 2 * i + 2);
        wrap_gre(p, 0, 0x0800, 0, 0);
        ends(from, a, b, &s, &d);
        wrap_ip(p, 4, s, d, 47);
    }
    wrap_eth(p, 0x0800, -1);
}

static void
case_nested(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-nested.pcap", &path);
    tun_session(w, 0, 4, wrap_nested_case, 0, ONCE, "vxlan in gre");
    tun_session(w, 1, 4, wrap_nested_case, 1, ONCE, "mpls in gre in geneve");
    close_case(w, path);
    w = open_case(dir, "tunnel-too-deep.pcap", &path);
    tun_session(w, 0, 4, wrap_deep_case, 12, ONCE, "12 gre");
    tun_session(w, 1, 4, wrap_deep_case, 13, ONCE, "13 gre");
    close_case(w, path);
}

/* ---- one connection seen directly and through a tunnel --------------------- */

static void
wrap_direct_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    (void)t;
    wrap_gre(p, GRE_K, 0x0800, 9, 0);
    ends(from, V4A, V4B, &s, &d);
    wrap_ip(p, 4, s, d, 47);
    wrap_eth(p, 0x0800, -1);
}

static void
case_direct(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-direct-and-tunneled.pcap", &path);
    tun_session(w, 0, 4, wrap_direct_case, 0, TUNNEL_THEN_PLAIN, "tunnel first");
    tun_session(w, 1, 4, wrap_direct_case, 0, PLAIN_THEN_TUNNEL, "plain first");
    close_case(w, path);
}

/* ---- PPTP: enhanced GRE, PPP, acknowledgments alone ------------------------ */

static void
wrap_pptp_case(tun_case *t, int from, pkt *p)
{
    const char *s, *d;
    /* each side sends with its peer's call id and acknowledges the peer's
       last sequence number */
    wrap_ppp(p, t->variant == 1 ? PPP_PFC : PPP_HDLC);
    wrap_pptp(p, from == CLIENT ? 0x4001 : 0x8001, t->sent[from] + 1, t->sent[!from]);
    ends(from, V4A, V4B, &s, &d);
    wrap_ip(p, 4, s, d, 47);
    wrap_eth(p, 0x0800, -1);
}

/* After each server packet, the client's acknowledgment alone. */
static void
pptp_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    static pkt p;
    tun_case *t = user;
    int from = inner_from(frame);
    tun_sink(user, ts_ns, frame, len);
    if (from == SERVER) {
        p.off = PKT_CAP;
        wrap_pptp(&p, 0x4001, 0, t->sent[SERVER]);
        wrap_ip(&p, 4, V4A, V4B, 47);
        wrap_eth(&p, 0x0800, -1);
        write_frame(t, ts_ns + SECOND / 2000, &p);
    }
}

static void
case_pptp(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-pptp.pcap", &path);
    static const char *const label[2] = {"pptp", "pptp compressed ppp"};
    for (int n = 0; n < 2; n++) {
        tun_case t = {.w = w, .wrap = wrap_pptp_case, .variant = n, .copies = ONCE};
        conv k = case_conv(NULL, TS_LINKTYPE_RAW, n == 0 ? 4 : 6, n);
        pb_conn_set_sink(k.c, pptp_sink, &t);
        char *req = g_strdup_printf("%s request", label[n]);
        char *resp = g_strdup_printf("%s response", label[n]);
        scripted_session(&k, NULL, req, resp);
        g_free(req);
        g_free(resp);
    }
    close_case(w, path);
}

/* ---- sFlow: a packet header quoted in a sample, no connection ------------- */

static void
wrap_plain_case(tun_case *t, int from, pkt *p)
{
    (void)t;
    (void)from;
    wrap_eth(p, ip_ethertype(p), -1);
}

#define SFLOW_QUOTE 128 /* bytes of the sampled frame an agent quotes */

/* An sFlow v5 datagram (agent 192.0.2.1 to collector 192.0.2.2, UDP port
 * 6343) with one flow sample whose raw packet header record quotes the
 * first SFLOW_QUOTE bytes of an Ethernet/IPv4/TCP frame of 198.51.100.7:5555
 * -> 198.51.100.8:80 carrying an HTTP request. */
static void
write_sflow_sample(pb_writer *w, int64_t ts_ns)
{
    static const char request[] = "GET /sampled/at/random HTTP/1.1\r\nHost: example.com\r\n"
                                  "User-Agent: craft\r\nAccept: */*\r\nX-Pad: "
                                  "0123456789012345678901234567890123456789\r\n\r\n";
    pb_tcp seg = {.family = 4,
                  .src = "198.51.100.7",
                  .dst = "198.51.100.8",
                  .sport = 5555,
                  .dport = 80,
                  .seq = 1000,
                  .ack = 2000,
                  .flags = TS_TCP_ACK | TS_TCP_PSH,
                  .window = 502,
                  .payload = request,
                  .len = sizeof request - 1};
    static uint8_t frame[PB_MAX_FRAME];
    size_t flen = pb_build_tcp(TS_LINKTYPE_ETHERNET, &seg, frame, sizeof frame);
    g_assert(flen > SFLOW_QUOTE);
    uint8_t d[256] = {0};
    size_t n = 0;
    const uint32_t head[] = {5,      1, 0xc0000201u, 0, 42,
                             360000, 1}; /* version, agent, seq, uptime, 1 sample */
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++, n += 4)
        pb_put32(d + n, head[i]);
    const uint32_t sample[] = {1, 0 /* length, below */, 7, 3, 512, 512 * 7, 0, 3, 4, 1};
    size_t sample_at = n;
    for (size_t i = 0; i < G_N_ELEMENTS(sample); i++, n += 4)
        pb_put32(d + n, sample[i]);
    /* the record: raw packet header (format 1), its length, then header
       protocol 1 (Ethernet), frame length (FCS included), 4 bytes stripped
       (the FCS), quoted bytes */
    const uint32_t record[] = {1, 16 + SFLOW_QUOTE, 1, (uint32_t)flen + 4, 4, SFLOW_QUOTE};
    for (size_t i = 0; i < G_N_ELEMENTS(record); i++, n += 4)
        pb_put32(d + n, record[i]);
    memcpy(d + n, frame, SFLOW_QUOTE);
    n += SFLOW_QUOTE;
    pb_put32(d + sample_at + 4, (uint32_t)(n - sample_at - 8));
    static pkt p;
    pkt_set(&p, d, n);
    wrap_udp(&p, 4, "192.0.2.1", "192.0.2.2", 40000, 6343);
    wrap_eth(&p, 0x0800, -1);
    pb_pcap_write(w, ts_ns, pkt_data(&p), (uint32_t)pkt_len(&p));
}

static void
case_sflow(const char *dir)
{
    char *path;
    pb_writer *w = open_case(dir, "tunnel-sflow-sample.pcap", &path);
    tun_session(w, 0, 4, wrap_plain_case, 0, ONCE, "beside an sflow sample");
    write_sflow_sample(w, 1704153600LL * 1000000000LL + 500000000LL); /* 0.5 s after the SYN */
    close_case(w, path);
}

/* Writes the tunnel case captures into `dir`. */
void
write_tunnel_cases(const char *dir)
{
    case_gre(dir);
    case_erspan(dir);
    case_vxlan(dir);
    case_geneve(dir);
    case_mpls(dir);
    case_pppoe(dir);
    case_ipip(dir);
    case_gtpu(dir);
    case_teredo(dir);
    case_nested(dir);
    case_direct(dir);
    case_pptp(dir);
    case_sflow(dir);
}
