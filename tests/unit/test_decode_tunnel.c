/*
 * test_decode_tunnel.c — unit tests for decode_tunnel.c and the MPLS
 * pseudowire: every tunnel kind, GRE flag combinations, PPTP's enhanced
 * GRE (version 1), ERSPAN I/II/III, GTP-U extension headers, Teredo
 * indication headers, the recorded
 * carriage (and, through the engine, a session's carriage and what counts
 * as carried differently), the UDP port settings, and cut or lying headers
 * (exact status).
 *
 * The carried frame is an IPv4 TCP segment (raw, or behind Ethernet) built
 * by pktbuild; tunnel headers are written by hand in front of it and the
 * outer IP/UDP header is built by pktbuild around the result.
 */
#include "decode.h"
#include "pktbuild.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *ts_decode_tunnel_suite(void);

static uint8_t F[PB_MAX_FRAME];
static uint8_t T[PB_MAX_FRAME]; /* tunnel header + carried packet */
static const char PAYLOAD[] = "hello, tunnel";

/* The carried segment: 192.0.2.1:40000 -> 198.51.100.2:80. */
static size_t
inner(int linktype, uint8_t *out, size_t cap)
{
    pb_tcp s;
    memset(&s, 0, sizeof s);
    s.family = 4;
    s.src = "192.0.2.1";
    s.dst = "198.51.100.2";
    s.sport = 40000;
    s.dport = 80;
    s.seq = 7;
    s.flags = TS_TCP_PSH | TS_TCP_ACK;
    s.window = 100;
    s.payload = PAYLOAD;
    s.len = sizeof PAYLOAD - 1;
    return pb_build_tcp(linktype, &s, out, cap);
}

/* `hdr` (hlen bytes) then the carried packet (`linktype` RAW or ETHERNET)
 * into T; returns the length. */
static size_t
tunnel(const uint8_t *hdr, size_t hlen, int linktype)
{
    memcpy(T, hdr, hlen);
    return hlen + inner(linktype, T + hlen, sizeof T - hlen);
}

/* Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 / protocol `proto` / T. */
static size_t
outer_ip(uint8_t proto, size_t tlen)
{
    return pb_build_ip(TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", "10.0.0.2", proto, T, tlen, F,
                       sizeof F);
}

/* Ethernet / IPv4 / UDP sport -> dport / T. */
static size_t
outer_udp(uint16_t sport, uint16_t dport, size_t tlen)
{
    return pb_build_udp(TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", "10.0.0.2", sport, dport, T, tlen, F,
                        sizeof F);
}

static ts_decode_status
decode(size_t len, ts_decoded *d)
{
    memset(d, 0xa5, sizeof *d); /* nothing is left to chance */
    return ts_decode_frame(TS_LINKTYPE_ETHERNET, F, (uint32_t)len, d);
}

/* Asserts the carried segment was found with `n` layers. */
static void
check_inner(const ts_decoded *d, unsigned n)
{
    ck_assert_uint_eq(d->src_port, 40000);
    ck_assert_uint_eq(d->dst_port, 80);
    ck_assert_uint_eq(d->payload_len, sizeof PAYLOAD - 1);
    ck_assert_mem_eq(d->payload, PAYLOAD, sizeof PAYLOAD - 1);
    ck_assert_uint_eq(d->ncarried, n);
}

/* Asserts layer `l` is an IP-level layer with the outer addresses. */
static void
check_outer(const ts_layer *l, uint8_t kind)
{
    static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    ck_assert_uint_eq(l->kind, kind);
    ck_assert_uint_eq(l->family, 4);
    ck_assert_mem_eq(l->src, src, 4);
    ck_assert_mem_eq(l->dst, dst, 4);
}

START_TEST(test_gre_flags)
{
    ts_decoded d;
    /* every combination of C, K, S (and R with one SRE), IPv4 inside */
    for (unsigned m = 0; m < 16; m++) {
        uint8_t h[64] = {0};
        size_t hl = 4;
        uint16_t flags = (uint16_t)(((m & 1) ? 0x8000 : 0) | ((m & 2) ? 0x2000 : 0) |
                                    ((m & 4) ? 0x1000 : 0) | ((m & 8) ? 0x4000 : 0));
        h[0] = (uint8_t)(flags >> 8);
        h[2] = 0x08;
        if (flags & 0xc000)
            hl += 4;
        if (flags & 0x2000) {
            h[hl] = 0x12, h[hl + 1] = 0x34, h[hl + 2] = 0x56, h[hl + 3] = 0x78;
            hl += 4;
        }
        if (flags & 0x1000)
            hl += 4;
        if (flags & 0x4000) { /* one 4-byte SRE (family 2), then the NULL SRE */
            h[hl + 1] = 2, h[hl + 3] = 4;
            hl += 8 + 4;
        }
        size_t n = outer_ip(47, tunnel(h, hl, TS_LINKTYPE_RAW));
        ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
        check_inner(&d, 1);
        check_outer(&d.carried[0], TS_CARRIER_GRE);
        ck_assert_uint_eq(d.carried[0].detail, 0x0800);
        ck_assert(d.carried[0].has_id == ((flags & 0x2000) != 0));
        ck_assert_uint_eq(d.carried[0].id, (flags & 0x2000) ? 0x12345678u : 0);
        /* cut inside the GRE header: truncated; an IP length ending in it:
           malformed */
        ck_assert_int_eq(decode(14 + 20 + hl - 1, &d), TS_DECODE_TRUNCATED);
        n = outer_ip(47, hl - 1);
        ck_assert_int_eq(decode(n, &d), TS_DECODE_MALFORMED);
    }
    /* an unknown version or protocol is not followed */
    uint8_t v2[4] = {0, 0x02, 0x08, 0x00};
    ck_assert_int_eq(decode(outer_ip(47, tunnel(v2, 4, TS_LINKTYPE_RAW)), &d), TS_DECODE_NOT_TCP);
    uint8_t other[4] = {0, 0, 0x88, 0x3e};
    ck_assert_int_eq(decode(outer_ip(47, tunnel(other, 4, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_NOT_TCP);
}
END_TEST

/* PPTP's enhanced GRE header (flags `b0` `b1`, protocol 0x880b, payload
 * length `plen`, call id 0xbeef, sequence 5 and acknowledgment 3 when
 * flagged) into `h`; its length. */
static size_t
pptp_header(uint8_t *h, uint8_t b0, uint8_t b1, size_t plen)
{
    size_t hl = 8;
    memset(h, 0, 16);
    h[0] = b0, h[1] = b1, h[2] = 0x88, h[3] = 0x0b;
    h[4] = (uint8_t)(plen >> 8), h[5] = (uint8_t)plen, h[6] = 0xbe, h[7] = 0xef;
    if (b0 & 0x10)
        h[hl + 3] = 5, hl += 4;
    if (b1 & 0x80)
        h[hl + 3] = 3, hl += 4;
    return hl;
}

/* Outer IPv4 / GRE v1 (`b0` `b1`) / PPP (`ppp`, `pl` bytes) / the carried
 * IPv4 segment; returns the frame length, the PPTP header's in `*hl`. */
static size_t
pptp_frame(uint8_t b0, uint8_t b1, const uint8_t *ppp, size_t pl, size_t *hl)
{
    uint8_t h[16];
    size_t il = inner(TS_LINKTYPE_RAW, T + 64, sizeof T - 64);
    *hl = pptp_header(h, b0, b1, pl + il);
    memcpy(T, h, *hl);
    memcpy(T + *hl, ppp, pl);
    memmove(T + *hl + pl, T + 64, il);
    return outer_ip(47, *hl + pl + il);
}

START_TEST(test_pptp)
{
    ts_decoded d;
    size_t hl;
    static const uint8_t ppp_ac[4] = {0xff, 0x03, 0x00, 0x21}, ppp_pfc[1] = {0x21};
    /* K and S (sequence), PPP with address/control: IPv4 inside */
    size_t n = pptp_frame(0x30, 0x01, ppp_ac, 4, &hl);
    ck_assert_uint_eq(hl, 12);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    check_outer(&d.carried[0], TS_CARRIER_GRE);
    ck_assert(d.carried[0].has_id);
    ck_assert_uint_eq(d.carried[0].id, 0xbeef); /* the call id */
    ck_assert_uint_eq(d.carried[0].detail, 0x880b);
    /* cut inside the GRE header: truncated; an IP length ending in it:
       malformed; cut inside the payload: the bytes there */
    ck_assert_int_eq(decode(14 + 20 + 10, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(14 + 20 + 4 + 3, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(n - 5, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.payload_len, sizeof PAYLOAD - 1 - 5);
    ck_assert_uint_eq(d.payload_wire_len, sizeof PAYLOAD - 1);
    ck_assert_int_eq(decode(outer_ip(47, 10), &d), TS_DECODE_MALFORMED);
    /* K only, no sequence, compressed PPP (no address/control, 1-byte
       protocol) */
    n = pptp_frame(0x20, 0x01, ppp_pfc, 1, &hl);
    ck_assert_uint_eq(hl, 8);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    ck_assert_uint_eq(d.carried[0].id, 0xbeef);
    /* K, S and A: sequence and acknowledgment numbers */
    n = pptp_frame(0x30, 0x81, ppp_ac, 4, &hl);
    ck_assert_uint_eq(hl, 16);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    ck_assert_int_eq(decode(14 + 20 + 14, &d), TS_DECODE_TRUNCATED);
    /* a payload length past the packet: malformed */
    n = pptp_frame(0x30, 0x81, ppp_ac, 4, &hl);
    F[14 + 20 + 5] += 1;
    ck_assert_int_eq(decode(n, &d), TS_DECODE_MALFORMED);
    /* an acknowledgment alone (A, payload length 0, no payload): not TCP */
    ck_assert_uint_eq(pptp_header(T, 0x20, 0x81, 0), 12);
    ck_assert_int_eq(decode(outer_ip(47, 12), &d), TS_DECODE_NOT_TCP);
    ck_assert_int_eq(decode(14 + 20 + 11, &d), TS_DECODE_TRUNCATED);
    /* PPP control protocols (LCP) carry no IP */
    static const uint8_t lcp[4] = {0xff, 0x03, 0xc0, 0x21};
    ck_assert_int_eq(decode(pptp_frame(0x30, 0x01, lcp, 4, &hl), &d), TS_DECODE_NOT_IP);
    /* not PPTP: without K, with C, or another protocol */
    n = pptp_frame(0x10, 0x01, ppp_ac, 4, &hl);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_NOT_TCP);
    n = pptp_frame(0xb0, 0x01, ppp_ac, 4, &hl);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_NOT_TCP);
    n = pptp_frame(0x30, 0x01, ppp_ac, 4, &hl);
    F[14 + 20 + 3] = 0x0c;
    ck_assert_int_eq(decode(n, &d), TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_gre_payloads)
{
    ts_decoded d;
    /* Ethernet over GRE (0x6558), with a VLAN tag inside */
    uint8_t eth[4] = {0, 0, 0x65, 0x58};
    size_t n = outer_ip(47, tunnel(eth, 4, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    /* an Ethernet header cut short */
    ck_assert_int_eq(decode(outer_ip(47, 4 + 10), &d), TS_DECODE_MALFORMED);
    outer_ip(47, tunnel(eth, 4, TS_LINKTYPE_ETHERNET)); /* whole again, then cut */
    ck_assert_int_eq(decode(14 + 20 + 4 + 10, &d), TS_DECODE_TRUNCATED);
    /* MPLS over GRE: one label (100), bottom of stack */
    uint8_t mpls[8] = {0, 0, 0x88, 0x47, 0x00, 0x06, 0x41, 0x40};
    n = outer_ip(47, tunnel(mpls, 8, TS_LINKTYPE_RAW));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 2);
    ck_assert_uint_eq(d.carried[1].kind, TS_CARRIER_MPLS);
    ck_assert_uint_eq(d.carried[1].id, 100);
}
END_TEST

START_TEST(test_erspan)
{
    ts_decoded d;
    /* type I: 0x88be without S, Ethernet at once */
    uint8_t t1[4] = {0, 0, 0x88, 0xbe};
    ck_assert_int_eq(decode(outer_ip(47, tunnel(t1, 4, TS_LINKTYPE_ETHERNET)), &d), TS_DECODE_TCP);
    check_inner(&d, 2);
    ck_assert_uint_eq(d.carried[1].kind, TS_CARRIER_ERSPAN);
    ck_assert_uint_eq(d.carried[1].detail, 1);
    ck_assert(!d.carried[1].has_id);
    /* type II: S set, 8-byte header version 1, session 0x155 */
    uint8_t t2[16] = {0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x00, 0x01, 0x55, 0, 0, 0, 0};
    size_t n = outer_ip(47, tunnel(t2, 16, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 2);
    ck_assert_uint_eq(d.carried[1].detail, 2);
    ck_assert_uint_eq(d.carried[1].id, 0x155);
    ck_assert_int_eq(decode(14 + 20 + 8 + 5, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(outer_ip(47, 8 + 5), &d), TS_DECODE_MALFORMED);
    t2[8] = 0x20; /* wrong version */
    ck_assert_int_eq(decode(outer_ip(47, tunnel(t2, 16, TS_LINKTYPE_ETHERNET)), &d),
                     TS_DECODE_NOT_TCP);
    /* type III: 0x22eb, 12 bytes version 2, session 7, with the O flag's
       8-byte platform subheader */
    uint8_t t3[24] = {0, 0, 0x22, 0xeb, 0x20, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0x01};
    n = outer_ip(47, tunnel(t3, 24, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 2);
    ck_assert_uint_eq(d.carried[1].detail, 3);
    ck_assert_uint_eq(d.carried[1].id, 7);
    ck_assert_int_eq(decode(14 + 20 + 4 + 20, &d), TS_DECODE_TRUNCATED);
    /* frame type 2: IP, no subheader */
    uint8_t t3ip[16] = {0, 0, 0x22, 0xeb, 0x20, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0x08, 0x00};
    ck_assert_int_eq(decode(outer_ip(47, tunnel(t3ip, 16, TS_LINKTYPE_RAW)), &d), TS_DECODE_TCP);
    check_inner(&d, 2);
}
END_TEST

START_TEST(test_vxlan_geneve)
{
    ts_decoded d;
    uint8_t vx[8] = {0x08, 0, 0, 0, 0, 0, 42, 0};
    size_t n = outer_udp(50000, 4789, tunnel(vx, 8, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    check_outer(&d.carried[0], TS_CARRIER_VXLAN);
    ck_assert_uint_eq(d.carried[0].id, 42);
    ck_assert(d.carried[0].has_id);
    ck_assert_uint_eq(d.carried[0].port[0], 50000);
    ck_assert_uint_eq(d.carried[0].port[1], 4789);
    ck_assert_int_eq(decode(14 + 20 + 8 + 7, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(outer_udp(50000, 4789, 7), &d), TS_DECODE_MALFORMED);
    /* a UDP length longer than the IP payload: malformed */
    n = outer_udp(50000, 4789, tunnel(vx, 8, TS_LINKTYPE_ETHERNET));
    F[14 + 20 + 5] += 1;
    ck_assert_int_eq(decode(n, &d), TS_DECODE_MALFORMED);
    /* another port: plain UDP; the ports can be changed */
    n = outer_udp(50000, 4790, tunnel(vx, 8, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_NOT_TCP);
    ts_decode_config cfg = TS_DECODE_CONFIG_DEFAULT;
    cfg.vxlan = 4790;
    ck_assert_int_eq(ts_decode_frame_cfg(TS_LINKTYPE_ETHERNET, F, (uint32_t)n, &cfg, &d),
                     TS_DECODE_TCP);
    cfg.vxlan = 0;
    n = outer_udp(50000, 4789, tunnel(vx, 8, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(ts_decode_frame_cfg(TS_LINKTYPE_ETHERNET, F, (uint32_t)n, &cfg, &d),
                     TS_DECODE_NOT_TCP);
    /* Geneve with 8 bytes of options, Ethernet and IPv4 payloads */
    uint8_t gn[16] = {0x02, 0, 0x65, 0x58, 0, 0x01, 0x02, 0};
    n = outer_udp(50000, 6081, tunnel(gn, 16, TS_LINKTYPE_ETHERNET));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    check_outer(&d.carried[0], TS_CARRIER_GENEVE);
    ck_assert_uint_eq(d.carried[0].id, 0x102);
    gn[2] = 0x08, gn[3] = 0x00;
    ck_assert_int_eq(decode(outer_udp(50000, 6081, tunnel(gn, 16, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_TCP);
    ck_assert_int_eq(decode(14 + 20 + 8 + 12, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(outer_udp(50000, 6081, 12), &d), TS_DECODE_MALFORMED);
    gn[0] = 0x42; /* version 1 */
    ck_assert_int_eq(decode(outer_udp(50000, 6081, tunnel(gn, 16, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_gtpu)
{
    ts_decoded d;
    size_t il = inner(TS_LINKTYPE_RAW, T, sizeof T);
    /* plain T-PDU, TEID 0x01020304 */
    uint8_t g[32] = {0x30, 0xff, 0, (uint8_t)il, 1, 2, 3, 4};
    size_t n = outer_udp(2152, 2152, tunnel(g, 8, TS_LINKTYPE_RAW));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    check_outer(&d.carried[0], TS_CARRIER_GTPU);
    ck_assert_uint_eq(d.carried[0].id, 0x01020304);
    /* E flag: seq/N-PDU/next type 0x85 (PDU session container, 1 unit)
       then 0x40 (UDP port, 1 unit), ending with next type 0 */
    uint8_t ge[20] = {
        0x34, 0xff, 0, (uint8_t)(il + 12), 1, 2, 3, 4, 0, 0, 0, 0x85, 1, 0x10, 9, 0x40, 1,
        0x12, 0x34, 0};
    n = outer_udp(2152, 2152, tunnel(ge, 20, TS_LINKTYPE_RAW));
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    ck_assert_int_eq(decode(14 + 20 + 8 + 17, &d), TS_DECODE_TRUNCATED);
    ge[16] = 0; /* an extension of length 0 */
    ck_assert_int_eq(decode(outer_udp(2152, 2152, tunnel(ge, 20, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_MALFORMED);
    /* S only: 4 more bytes, no extension walk */
    uint8_t gs[12] = {0x32, 0xff, 0, (uint8_t)(il + 4), 1, 2, 3, 4, 0, 1, 0, 0x85};
    ck_assert_int_eq(decode(outer_udp(2152, 2152, tunnel(gs, 12, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_TCP);
    /* a GTP length past the UDP payload: malformed; echo request: not TCP */
    g[3] = (uint8_t)(il + 1);
    ck_assert_int_eq(decode(outer_udp(2152, 2152, tunnel(g, 8, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_MALFORMED);
    g[3] = (uint8_t)il;
    g[1] = 1;
    ck_assert_int_eq(decode(outer_udp(2152, 2152, tunnel(g, 8, TS_LINKTYPE_RAW)), &d),
                     TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_teredo)
{
    ts_decoded d;
    pb_tcp s;
    memset(&s, 0, sizeof s);
    s.family = 6;
    s.src = "2001::1";
    s.dst = "2001::2";
    s.sport = 40000;
    s.dport = 80;
    s.flags = TS_TCP_PSH | TS_TCP_ACK;
    s.payload = PAYLOAD;
    s.len = sizeof PAYLOAD - 1;
    /* authentication (id 2 bytes, auth 1 byte) then origin indication */
    uint8_t h[32] = {0, 1, 2, 1, 'i', 'd', 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t hl = 4 + 3 + 9 + 8;
    memcpy(T, h, hl);
    size_t tl = hl + pb_build_tcp(TS_LINKTYPE_RAW, &s, T + hl, sizeof T - hl);
    size_t n = outer_udp(3544, 50000, tl);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    check_outer(&d.carried[0], TS_CARRIER_TEREDO);
    ck_assert_int_eq(decode(14 + 20 + 8 + 10, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(outer_udp(3544, 50000, 10), &d), TS_DECODE_MALFORMED);
    /* not IPv6 after the headers: not TCP */
    T[hl] = 0x45;
    ck_assert_int_eq(decode(outer_udp(3544, 50000, tl), &d), TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_mpls_pw_and_depth)
{
    ts_decoded d;
    /* Ethernet / MPLS label 16 (bottom) / control word / Ethernet / IPv4 */
    uint8_t eth[14] = {0};
    eth[12] = 0x88, eth[13] = 0x47;
    uint8_t mpls[8] = {0x00, 0x01, 0x01, 0x40, 0, 0, 0, 0};
    memcpy(F, eth, 14);
    memcpy(F + 14, mpls, 8);
    size_t n = 22 + inner(TS_LINKTYPE_ETHERNET, F + 22, sizeof F - 22);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 1);
    ck_assert_uint_eq(d.carried[0].kind, TS_CARRIER_MPLS);
    ck_assert_uint_eq(d.carried[0].id, 16);
    ck_assert_uint_eq(d.carried[0].detail, 1);
    ck_assert_int_eq(decode(14 + 4 + 3, &d), TS_DECODE_TRUNCATED);
    F[18] = 0x10; /* first nibble 1 (PW associated channel): not IP */
    ck_assert_int_eq(decode(n, &d), TS_DECODE_NOT_IP);
    /* plain traffic: no layer */
    n = inner(TS_LINKTYPE_ETHERNET, F, sizeof F);
    ck_assert_int_eq(decode(n, &d), TS_DECODE_TCP);
    check_inner(&d, 0);
    /* GRE in GRE ... up to TS_MAX_ENCAP layers, then TOO_DEEP */
    uint8_t gre[4] = {0, 0, 0x08, 0x00};
    size_t tl = tunnel(gre, 4, TS_LINKTYPE_RAW);
    for (unsigned depth = 1;; depth++) {
        n = pb_build_ip(TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", "10.0.0.2", 47, T, tl, F, sizeof F);
        ts_decode_status st = decode(n, &d);
        if (depth > TS_MAX_ENCAP) {
            ck_assert_int_eq(st, TS_DECODE_TOO_DEEP);
            break;
        }
        ck_assert_int_eq(st, TS_DECODE_TCP);
        check_inner(&d, depth);
        /* wrap: GRE header + the IPv4 packet just built */
        memmove(T + 4, F + 14, n - 14);
        memcpy(T, gre, 4);
        tl = 4 + n - 14;
    }
}
END_TEST

/* ---- the session's carriage, through the engine ------------------------ */

typedef struct {
    int sessions;
    size_t n;
    ts_carrier first;
    uint64_t differently;
} carriage_seen;

static void
on_carriage_done(void *user, ts_session *s)
{
    carriage_seen *c = user;
    const ts_carrier *layers = ts_session_carriage(s, &c->n);
    if (c->n > 0)
        c->first = layers[0];
    c->differently = ts_session_carried_differently(s);
    c->sessions++;
}

/* The carried segment's direction `from` (0: 192.0.2.1:40000 ->
 * 198.51.100.2:80, 1: back) in VXLAN VNI `vni` between `osrc`:`sport` and
 * `odst`:4789, or plain when `vni` is 0; fed to `e`. */
static void
feed_vxlan(ts_engine *e, int from, uint32_t vni, const char *osrc, const char *odst, uint16_t sport)
{
    static uint32_t seq[2] = {1000, 5000};
    pb_tcp t;
    memset(&t, 0, sizeof t);
    t.family = 4;
    t.src = from == 0 ? "192.0.2.1" : "198.51.100.2";
    t.dst = from == 0 ? "198.51.100.2" : "192.0.2.1";
    t.sport = from == 0 ? 40000 : 80;
    t.dport = from == 0 ? 80 : 40000;
    t.seq = seq[from]++;
    t.flags = TS_TCP_PSH | TS_TCP_ACK;
    t.payload = "x";
    t.len = 1;
    size_t n;
    if (vni == 0) {
        n = pb_build_tcp(TS_LINKTYPE_ETHERNET, &t, F, sizeof F);
    } else {
        uint8_t vx[8] = {0x08, 0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni};
        memcpy(T, vx, 8);
        size_t tl = 8 + pb_build_tcp(TS_LINKTYPE_ETHERNET, &t, T + 8, sizeof T - 8);
        n = pb_build_udp(TS_LINKTYPE_ETHERNET, 4, osrc, odst, sport, 4789, T, tl, F, sizeof F);
    }
    ts_frame f = {TS_LINKTYPE_ETHERNET, 0, (uint32_t)n, (uint32_t)n, F};
    ts_engine_feed(e, &f);
}

START_TEST(test_session_carriage)
{
    carriage_seen c;
    memset(&c, 0, sizeof c);
    ts_options o;
    ts_options_init(&o);
    ts_callbacks cb = {.session_done = on_carriage_done};
    ts_engine *e = ts_engine_new(&o, &cb, &c);
    feed_vxlan(e, 0, 42, "10.0.0.1", "10.0.0.2", 50001); /* the first packet */
    /* the reply: addresses swapped, its own source port: the same carriage */
    feed_vxlan(e, 1, 42, "10.0.0.2", "10.0.0.1", 50002);
    feed_vxlan(e, 0, 42, "10.0.0.1", "10.0.0.2", 50001);
    /* the reply direction may use another VNI (ids are per direction) */
    feed_vxlan(e, 1, 43, "10.0.0.2", "10.0.0.1", 50002);
    /* counted: the first direction from another source port, or with
       another VNI; a reply plainly; a reply from another tunnel endpoint */
    feed_vxlan(e, 0, 42, "10.0.0.1", "10.0.0.2", 50003);
    feed_vxlan(e, 0, 44, "10.0.0.1", "10.0.0.2", 50001);
    feed_vxlan(e, 1, 0, NULL, NULL, 0);
    feed_vxlan(e, 1, 42, "10.0.0.3", "10.0.0.1", 50002);
    ts_engine_finish(e);
    ts_engine_free(e);
    ck_assert_int_eq(c.sessions, 1);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(c.first.kind, TS_CARRIER_VXLAN);
    ck_assert(c.first.has_id);
    ck_assert_uint_eq(c.first.id, 42);
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    ck_assert_uint_eq(c.first.outer_src.family, 4);
    ck_assert_mem_eq(c.first.outer_src.addr, a, 4);
    ck_assert_mem_eq(c.first.outer_dst.addr, b, 4);
    ck_assert_uint_eq(c.first.outer_src.port, 50001);
    ck_assert_uint_eq(c.first.outer_dst.port, 4789);
    ck_assert_uint_eq(c.differently, 4);
}
END_TEST

Suite *
ts_decode_tunnel_suite(void)
{
    Suite *s = suite_create("decode_tunnel");
    TCase *tc = tcase_create("tunnels");
    tcase_add_test(tc, test_gre_flags);
    tcase_add_test(tc, test_gre_payloads);
    tcase_add_test(tc, test_pptp);
    tcase_add_test(tc, test_erspan);
    tcase_add_test(tc, test_vxlan_geneve);
    tcase_add_test(tc, test_gtpu);
    tcase_add_test(tc, test_teredo);
    tcase_add_test(tc, test_mpls_pw_and_depth);
    tcase_add_test(tc, test_session_carriage);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_decode_tunnel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
