/*
 * test_decode.c — unit tests for ts_decode_frame() and ts_tcp_checksum_ok().
 *
 * Frames are built with pktbuild (an independent implementation of the
 * headers and checksums) and then damaged by hand where a test needs a lying
 * or cut header. Offsets used for surgery: Ethernet header 14 bytes, IPv4
 * header 20 (without options), IPv6 header 40, TCP header 20.
 *
 * The robustness test mutates and truncates valid frames with a fixed seed
 * and copies each one into a buffer of exactly caplen bytes, so ASan and
 * valgrind catch any read past the frame.
 */
#include "decode.h"
#include "pktbuild.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *ts_decode_suite(void);

static uint8_t F[PB_MAX_FRAME];
static const char PAYLOAD[] = "hello, tcp world";
#define PAYLOAD_LEN 16u

/* A default segment of `family`: fields every test checks. */
static pb_tcp
seg_default(int family)
{
    pb_tcp s;
    memset(&s, 0, sizeof s);
    s.family = family;
    s.src = family == 4 ? "192.0.2.1" : "2001:db8::1";
    s.dst = family == 4 ? "198.51.100.2" : "2001:db8:ffff::2";
    s.sport = 40000;
    s.dport = 80;
    s.seq = 0x01020304;
    s.ack = 0xa0b0c0d0;
    s.flags = TS_TCP_PSH | TS_TCP_ACK;
    s.window = 0x1234;
    s.urgent = 0;
    s.payload = PAYLOAD;
    s.len = PAYLOAD_LEN;
    return s;
}

static size_t
build(int linktype, const pb_tcp *s)
{
    return pb_build_tcp(linktype, s, F, sizeof F);
}

static ts_decode_status
decode(int linktype, const uint8_t *frame, size_t len, ts_decoded *d)
{
    memset(d, 0, sizeof *d);
    return ts_decode_frame(linktype, frame, (uint32_t)len, d);
}

/* True when the 16-byte decoded address equals `text` of `family`. */
static bool
addr_eq(const uint8_t *a16, int family, const char *text)
{
    uint8_t want[16] = {0};
    ck_assert_int_eq(inet_pton(family == 4 ? AF_INET : AF_INET6, text, want), 1);
    return memcmp(a16, want, 16) == 0;
}

/* Asserts that `d` describes segment `s`, complete in the frame. */
static void
check_fields(const ts_decoded *d, const pb_tcp *s, const uint8_t *frame, size_t caplen)
{
    size_t olen = (s->tcp_options_len + 3) & ~(size_t)3;
    ck_assert_int_eq(d->family, s->family);
    ck_assert(addr_eq(d->src_addr, s->family, s->src));
    ck_assert(addr_eq(d->dst_addr, s->family, s->dst));
    ck_assert_uint_eq(d->src_port, s->sport);
    ck_assert_uint_eq(d->dst_port, s->dport);
    ck_assert_uint_eq(d->seq, s->seq);
    ck_assert_uint_eq(d->ack, s->ack);
    ck_assert_uint_eq(d->flags, s->flags);
    ck_assert_uint_eq(d->window, s->window);
    ck_assert_uint_eq(d->urgent, s->urgent);
    ck_assert_uint_eq(d->tcp_header_len, 20 + olen);
    ck_assert_uint_eq(d->payload_len, s->len);
    ck_assert_uint_eq(d->payload_wire_len, s->len);
    ck_assert_ptr_eq(d->payload, d->tcp_header + d->tcp_header_len);
    ck_assert(d->tcp_header >= frame);
    ck_assert(d->payload + d->payload_len <= frame + caplen);
    if (s->len)
        ck_assert_mem_eq(d->payload, s->payload, s->len);
    if (olen)
        ck_assert_mem_eq(d->tcp_header + 20, s->tcp_options, s->tcp_options_len);
    ck_assert(ts_tcp_checksum_ok(d));
}

/* Builds `s` for `linktype`, decodes it and checks every field. */
static void
roundtrip(int linktype, const pb_tcp *s)
{
    ts_decoded d;
    size_t n = build(linktype, s);
    ck_assert_int_eq(decode(linktype, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, s, F, n);
}

/* ---- link types -------------------------------------------------------- */

START_TEST(test_link_ethernet)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    roundtrip(TS_LINKTYPE_ETHERNET, &s4);
    roundtrip(TS_LINKTYPE_ETHERNET, &s6);
    s4.flags = TS_TCP_SYN;
    s4.len = 0;
    s4.ack = 0;
    s4.urgent = 7;
    roundtrip(TS_LINKTYPE_ETHERNET, &s4);
    s6.flags = 0xff;
    roundtrip(TS_LINKTYPE_ETHERNET, &s6);
}
END_TEST

START_TEST(test_link_ethernet_short)
{
    ts_decoded d;
    pb_tcp s = seg_default(4);
    size_t n = build(TS_LINKTYPE_ETHERNET, &s);
    (void)n;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 0, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 13, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14, &d), TS_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_link_null)
{
    static const uint32_t v6_families[] = {10, 24, 28, 30};
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    ts_decoded d;
    size_t n;
    unsigned i;

    roundtrip(TS_LINKTYPE_NULL, &s4);
    roundtrip(TS_LINKTYPE_NULL, &s6);

    /* AF_INET in the other byte order (capture made on a big-endian host). */
    n = build(TS_LINKTYPE_NULL, &s4);
    F[0] = 0, F[1] = 0, F[2] = 0, F[3] = 2;
    ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s4, F, n);

    /* Every AF_INET6 value in both byte orders. */
    for (i = 0; i < sizeof v6_families / sizeof v6_families[0]; i++) {
        uint32_t fam = v6_families[i]; /* host order */
        n = build(TS_LINKTYPE_NULL, &s6);
        memcpy(F, &fam, 4);
        ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_TCP);
        check_fields(&d, &s6, F, n);
        F[0] = F[1] = F[2] = 0;
        F[3] = (uint8_t)v6_families[i];
        ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_TCP);
        check_fields(&d, &s6, F, n);
    }

    /* 16-bit family in either half, and an Ethernet type in place of a
     * family (both seen in the wild; normalised as Wireshark does). */
    {
        static const uint8_t hdr4[][4] = {
            {0x00, 0x00, 0x02, 0x00}, {0x00, 0x02, 0x00, 0x00}, {0x0f, 0x00, 0x08, 0x00}};
        static const uint8_t hdr6[][4] = {
            {0x0a, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x18}, {0x00, 0x00, 0x86, 0xdd}};
        for (i = 0; i < 3; i++) {
            n = build(TS_LINKTYPE_NULL, &s4);
            memcpy(F, hdr4[i], 4);
            ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_TCP);
            check_fields(&d, &s4, F, n);
            n = build(TS_LINKTYPE_NULL, &s6);
            memcpy(F, hdr6[i], 4);
            ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_TCP);
            check_fields(&d, &s6, F, n);
        }
        n = build(TS_LINKTYPE_NULL, &s4);
        memcpy(F, "\x00\x00\x08\x06", 4); /* ARP */
        ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_NOT_IP);
    }

    /* Unknown family, short header. */
    n = build(TS_LINKTYPE_NULL, &s4);
    F[0] = 7, F[1] = F[2] = F[3] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_NOT_IP);
    ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, 3, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, 4, &d), TS_DECODE_NOT_IP);
    /* AF_INET frame that holds an IPv6 packet: the header lies. */
    n = build(TS_LINKTYPE_NULL, &s6);
    F[0] = 2, F[1] = F[2] = F[3] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_NULL, F, n, &d), TS_DECODE_MALFORMED);
}
END_TEST

START_TEST(test_link_loop)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    ts_decoded d;
    size_t n;
    roundtrip(TS_LINKTYPE_LOOP, &s4);
    roundtrip(TS_LINKTYPE_LOOP, &s6);
    n = build(TS_LINKTYPE_LOOP, &s4);
    ck_assert(F[0] == 0 && F[3] == 2); /* network order */
    ck_assert_int_eq(decode(TS_LINKTYPE_LOOP, F, 2, &d), TS_DECODE_TRUNCATED);
    F[3] = 99;
    ck_assert_int_eq(decode(TS_LINKTYPE_LOOP, F, n, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_link_raw)
{
    static const int raw_types[] = {TS_LINKTYPE_RAW_12, TS_LINKTYPE_RAW_14, TS_LINKTYPE_RAW};
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    ts_decoded d;
    size_t n4, n6;
    unsigned i;

    for (i = 0; i < 3; i++) {
        n4 = build(TS_LINKTYPE_RAW, &s4);
        ck_assert_int_eq(decode(raw_types[i], F, n4, &d), TS_DECODE_TCP);
        check_fields(&d, &s4, F, n4);
        n6 = build(TS_LINKTYPE_RAW, &s6);
        ck_assert_int_eq(decode(raw_types[i], F, n6, &d), TS_DECODE_TCP);
        check_fields(&d, &s6, F, n6);
        ck_assert_int_eq(decode(raw_types[i], F, 0, &d), TS_DECODE_TRUNCATED);
        F[0] = 0x55; /* version 5 */
        ck_assert_int_eq(decode(raw_types[i], F, n6, &d), TS_DECODE_MALFORMED);
    }
    roundtrip(TS_LINKTYPE_IPV4, &s4);
    roundtrip(TS_LINKTYPE_IPV6, &s6);
    /* 228 / 229 require their version. */
    n6 = build(TS_LINKTYPE_RAW, &s6);
    ck_assert_int_eq(decode(TS_LINKTYPE_IPV4, F, n6, &d), TS_DECODE_MALFORMED);
    n4 = build(TS_LINKTYPE_RAW, &s4);
    ck_assert_int_eq(decode(TS_LINKTYPE_IPV6, F, n4, &d), TS_DECODE_MALFORMED);
    ck_assert_int_eq(decode(TS_LINKTYPE_IPV4, F, 0, &d), TS_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_link_sll)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    ts_decoded d;
    size_t n;
    roundtrip(TS_LINKTYPE_LINUX_SLL, &s4);
    roundtrip(TS_LINKTYPE_LINUX_SLL, &s6);
    n = build(TS_LINKTYPE_LINUX_SLL, &s4);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL, F, 15, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL, F, 16, &d), TS_DECODE_TRUNCATED);
    F[14] = 0x08, F[15] = 0x06; /* ARP */
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL, F, n, &d), TS_DECODE_NOT_IP);
    F[14] = 0x00, F[15] = 0x04; /* 802.2 LLC */
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL, F, n, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_link_sll2)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    ts_decoded d;
    size_t n;
    roundtrip(TS_LINKTYPE_LINUX_SLL2, &s4);
    roundtrip(TS_LINKTYPE_LINUX_SLL2, &s6);
    n = build(TS_LINKTYPE_LINUX_SLL2, &s6);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL2, F, 19, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL2, F, 20, &d), TS_DECODE_TRUNCATED);
    F[0] = 0x88, F[1] = 0xcc; /* LLDP */
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL2, F, n, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_link_unsupported)
{
    static const int others[] = {-1, 2, 10, 147, 253, 277, 1000};
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n = build(TS_LINKTYPE_ETHERNET, &s);
    unsigned i;
    for (i = 0; i < sizeof others / sizeof others[0]; i++)
        ck_assert_int_eq(decode(others[i], F, n, &d), TS_DECODE_UNSUPPORTED_LINK);
}
END_TEST

/* ---- Ethernet encapsulations ------------------------------------------ */

START_TEST(test_vlan)
{
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;
    int tags;

    for (tags = 1; tags <= 8; tags++) {
        s.family = tags % 2 ? 4 : 6;
        s.src = s.family == 4 ? "10.1.1.1" : "fe80::1";
        s.dst = s.family == 4 ? "10.2.2.2" : "fe80::2";
        s.vlan_tags = tags;
        s.vlan_qinq = false;
        roundtrip(TS_LINKTYPE_ETHERNET, &s);
        s.vlan_qinq = true;
        n = build(TS_LINKTYPE_ETHERNET, &s);
        if (tags > 1)
            ck_assert(F[12] == 0x88 && F[13] == 0xa8);
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
        check_fields(&d, &s, F, n);
        /* Truncated inside the last tag. */
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 4 * (size_t)(tags - 1) + 3, &d),
                         TS_DECODE_TRUNCATED);
    }

    /* 0x9100 outer tag (old QinQ). */
    s = seg_default(4);
    s.vlan_tags = 2;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    F[12] = 0x91, F[13] = 0x00;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);

    /* More tags than we follow. */
    s.vlan_tags = 9;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_NOT_IP);

    /* A VLAN-tagged ARP. */
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 0x0806, 1, F, sizeof F);
    memset(F + n, 0, 28);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 28, &d), TS_DECODE_NOT_IP);

    /* A tag left in place on SLL. */
    s = seg_default(6);
    n = build(TS_LINKTYPE_LINUX_SLL, &s);
    memmove(F + 20, F + 16, n - 16);
    F[14] = 0x81, F[15] = 0x00, F[16] = 0x00, F[17] = 0x05, F[18] = 0x86, F[19] = 0xdd;
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL, F, n + 4, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n + 4);
}
END_TEST

START_TEST(test_not_ip)
{
    ts_decoded d;
    size_t n;

    /* ARP. */
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 0x0806, 0, F, sizeof F);
    memset(F + n, 0, 28);
    F[n + 1] = 1, F[n + 2] = 8, F[n + 4] = 6, F[n + 5] = 4, F[n + 7] = 1;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 28, &d), TS_DECODE_NOT_IP);

    /* 802.3 frames with a length: plain LLC (STP), SNAP with a vendor OUI,
     * SNAP carrying ARP, and a frame too short for SNAP. */
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 46, 0, F, sizeof F);
    memset(F + n, 0, 46);
    F[n] = 0x42, F[n + 1] = 0x42, F[n + 2] = 0x03;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 46, &d), TS_DECODE_NOT_IP);
    F[n] = 0xaa, F[n + 1] = 0xaa, F[n + 2] = 0x03, F[n + 5] = 0x0c, F[n + 6] = 0x08;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 46, &d), TS_DECODE_NOT_IP);
    F[n + 5] = 0x00, F[n + 7] = 0x06;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 46, &d), TS_DECODE_NOT_IP);
    F[n + 7] = 0x00;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 7, &d), TS_DECODE_NOT_IP);

    /* SLL2 ARP. */
    n = pb_build_link(TS_LINKTYPE_LINUX_SLL2, 0x0806, 0, F, sizeof F);
    memset(F + n, 0, 28);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL2, F, n + 28, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_pppoe_mpls)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    uint8_t ip[2048];
    ts_decoded d;
    size_t ipn, n;

    /* PPPoE session carrying IPv4, then IPv6. */
    ipn = pb_build_tcp(TS_LINKTYPE_RAW, &s4, ip, sizeof ip);
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 0x8864, 0, F, sizeof F);
    F[n] = 0x11, F[n + 1] = 0, F[n + 2] = 0x12, F[n + 3] = 0x34;
    F[n + 4] = (uint8_t)((ipn + 2) >> 8), F[n + 5] = (uint8_t)(ipn + 2);
    F[n + 6] = 0x00, F[n + 7] = 0x21;
    memcpy(F + n + 8, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s4, F, n + 8 + ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 7, &d), TS_DECODE_TRUNCATED);
    F[n + 7] = 0x23; /* PPP something else */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_NOT_IP);
    ipn = pb_build_tcp(TS_LINKTYPE_RAW, &s6, ip, sizeof ip);
    F[n + 7] = 0x57;
    memcpy(F + n + 8, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s6, F, n + 8 + ipn);

    /* PPP protocol field compressed to one byte (0x57). */
    F[n + 6] = 0x57;
    memcpy(F + n + 7, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 7 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s6, F, n + 7 + ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 6, &d), TS_DECODE_TRUNCATED);

    /* MPLS: two labels, the second bottom of stack. */
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 0x8847, 0, F, sizeof F);
    F[n] = 0x00, F[n + 1] = 0x01, F[n + 2] = 0x00, F[n + 3] = 0x40;
    F[n + 4] = 0x00, F[n + 5] = 0x02, F[n + 6] = 0x01, F[n + 7] = 0x40;
    memcpy(F + n + 8, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s6, F, n + 8 + ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 6, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8, &d), TS_DECODE_TRUNCATED);
    F[n + 8] = 0x00; /* pseudowire control word */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_llc_snap)
{
    pb_tcp s4 = seg_default(4), s6 = seg_default(6);
    uint8_t ip[2048];
    ts_decoded d;
    size_t ipn, n;

    /* RFC 1042: 802.3 length, LLC AA AA 03, OUI 00 00 00, Ethernet type. */
    ipn = pb_build_tcp(TS_LINKTYPE_RAW, &s4, ip, sizeof ip);
    n = pb_build_link(TS_LINKTYPE_ETHERNET, (uint16_t)(ipn + 8), 0, F, sizeof F);
    memcpy(F + n, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
    memcpy(F + n + 8, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s4, F, n + 8 + ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8, &d), TS_DECODE_TRUNCATED);

    ipn = pb_build_tcp(TS_LINKTYPE_RAW, &s6, ip, sizeof ip);
    n = pb_build_link(TS_LINKTYPE_ETHERNET, (uint16_t)(ipn + 8), 0, F, sizeof F);
    memcpy(F + n, "\xaa\xaa\x03\x00\x00\x00\x86\xdd", 8);
    memcpy(F + n + 8, ip, ipn);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n + 8 + ipn, &d), TS_DECODE_TCP);
    check_fields(&d, &s6, F, n + 8 + ipn);
}
END_TEST

/* ---- IPv4 -------------------------------------------------------------- */

START_TEST(test_ipv4_tso_length_zero)
{
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;

    /* TSO / BIG TCP: total length 0, the packet is the rest of the frame. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    F[14 + 2] = 0, F[14 + 3] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);
    /* ... the header must still be there. */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 20 + 10, &d), TS_DECODE_TRUNCATED);
    F[14] = 0x46; /* IHL 6, options cut */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 22, &d), TS_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_ipv4_options)
{
    static const uint8_t opts[] = {0x94, 0x04, 0x00, 0x00, /* router alert */
                                   0x01, 0x01, 0x01, 0x00, /* NOP NOP NOP EOL */
                                   0x07, 0x07, 0x04, 0,    /* record route */
                                   0,    0,    0,    0};
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;
    s.ip_options = opts;
    s.ip_options_len = 12;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_uint_eq(F[14], 0x48);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);
    ck_assert_ptr_eq(d.tcp_header, F + 14 + 32);
    /* Maximum IHL (15 -> 40 bytes of options). */
    s.ip_options = (const uint8_t *)"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
                                    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
                                    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00";
    s.ip_options_len = 40;
    roundtrip(TS_LINKTYPE_ETHERNET, &s);
}
END_TEST

START_TEST(test_eth_trailer)
{
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;
    size_t trailers[] = {1, 4, 6, 20, 300};
    unsigned i;

    for (i = 0; i < sizeof trailers / sizeof trailers[0]; i++) {
        s.family = i % 2 ? 6 : 4;
        s.src = s.family == 4 ? "192.0.2.1" : "2001:db8::1";
        s.dst = s.family == 4 ? "192.0.2.2" : "2001:db8::2";
        s.eth_trailer = trailers[i];
        n = build(TS_LINKTYPE_ETHERNET, &s);
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
        check_fields(&d, &s, F, n); /* payload_len exactly PAYLOAD_LEN */
    }

    /* Minimum-size Ethernet frame: a bare ACK padded from 54 to 60 bytes. */
    s = seg_default(4);
    s.len = 0;
    s.flags = TS_TCP_ACK;
    s.eth_trailer = 6;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_uint_eq(n, 60);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.payload_len, 0);
    ck_assert_uint_eq(d.payload_wire_len, 0);
    ck_assert(ts_tcp_checksum_ok(&d));

    /* Trailer on SLL and raw links is clipped the same way. */
    s = seg_default(6);
    s.eth_trailer = 5;
    roundtrip(TS_LINKTYPE_LINUX_SLL, &s);
    roundtrip(TS_LINKTYPE_RAW, &s);
}
END_TEST

START_TEST(test_snaplen_payload)
{
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n, cut;
    int fam;

    for (fam = 4; fam <= 6; fam += 2) {
        s = seg_default(fam);
        n = build(TS_LINKTYPE_ETHERNET, &s);
        for (cut = 1; cut <= PAYLOAD_LEN; cut++) {
            ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n - cut, &d), TS_DECODE_TCP);
            ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN - cut);
            ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
            ck_assert_uint_eq(d.tcp_header_len, 20);
            ck_assert_uint_eq(d.seq, s.seq);
            ck_assert_mem_eq(d.payload, PAYLOAD, d.payload_len);
            ck_assert(d.payload + d.payload_len == F + n - cut);
            ck_assert(ts_tcp_checksum_ok(&d)); /* cannot check: "ok" */
        }
    }
    /* Cut right after the TCP options: zero payload present. */
    s = seg_default(4);
    s.tcp_options = (const uint8_t *)"\x02\x04\x05\xb4";
    s.tcp_options_len = 4;
    n = build(TS_LINKTYPE_RAW, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, 20 + 24, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.payload_len, 0);
    ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
    ck_assert_uint_eq(d.tcp_header_len, 24);
    (void)n;
}
END_TEST

START_TEST(test_truncated_headers)
{
    static const uint8_t tcpopts[] = {2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0};
    static const uint8_t ipopts[] = {1, 1, 1, 1, 1, 1, 1, 0};
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n, len;

    /* Inside the IPv4 header. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    for (len = 15; len < 14 + 20; len++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, len, &d), TS_DECODE_TRUNCATED);
    /* Inside the TCP header. */
    for (len = 14 + 20; len < 14 + 40; len++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, len, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 40, &d), TS_DECODE_TCP);

    /* Inside IPv4 options. */
    s.ip_options = ipopts;
    s.ip_options_len = sizeof ipopts;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    for (len = 14 + 20; len < 14 + 28; len++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, len, &d), TS_DECODE_TRUNCATED);

    /* Inside TCP options. */
    s = seg_default(4);
    s.tcp_options = tcpopts;
    s.tcp_options_len = sizeof tcpopts;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    for (len = 14 + 40; len < 14 + 52; len++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, len, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 52, &d), TS_DECODE_TCP);

    /* IPv6: inside the fixed header, the TCP header and the options. */
    s = seg_default(6);
    s.tcp_options = tcpopts;
    s.tcp_options_len = sizeof tcpopts;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    for (len = 15; len < 14 + 40 + 32; len++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, len, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 40 + 32, &d), TS_DECODE_TCP);

    /* The decoder leaves `out` alone when it fails. */
    memset(&d, 0xab, sizeof d);
    ck_assert_int_eq(ts_decode_frame(TS_LINKTYPE_ETHERNET, F, 14 + 40 + 31, &d),
                     TS_DECODE_TRUNCATED);
    ck_assert_uint_eq(d.family, 0xab);
    ck_assert_uint_eq(d.src_addr[0], 0xab);
    (void)n;
}
END_TEST

START_TEST(test_malformed)
{
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;
    uint8_t *ip = F + 14;

    /* IHL < 5. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[0] = 0x44;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* IHL larger than the total length. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[0] = 0x4f;
    ip[2] = 0, ip[3] = 40;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* Total length < 20. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[2] = 0, ip[3] = 16;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* Total length leaves no room for a TCP header. */
    ip[2] = 0, ip[3] = 30;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* Version 6 behind ethertype 0x0800. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[0] = 0x65;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);

    /* TCP data offset < 5. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[20 + 12] = 0x40;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    ip[20 + 12] = 0x00;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* TCP data offset beyond the IP payload (60 > 20 + 16). */
    ip[20 + 12] = 0xf0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* ... even when the capture is also cut short there. */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 20 + 30, &d), TS_DECODE_MALFORMED);
    /* Data offset fitting exactly the IP payload: TCP with empty payload. */
    ip[20 + 12] = 0x90; /* 36 bytes */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.tcp_header_len, 36);
    ck_assert_uint_eq(d.payload_len, 0);
    ck_assert_uint_eq(d.payload_wire_len, 0);

    /* IPv6: payload length 0 + hop-by-hop without a valid jumbo option. */
    s = seg_default(6);
    s.ip6_ext = (const uint8_t *)"\x06\x00\xc2\x04\x00\x00\xff\xff"; /* jumbo <= 65535 */
    s.ip6_ext_len = 8;
    s.ip6_ext_first = 0;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    ip[4] = 0, ip[5] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    s.ip6_ext = (const uint8_t *)"\x06\x00\x01\x04\x00\x00\x00\x00"; /* PadN only */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[4] = 0, ip[5] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    s.ip6_ext = (const uint8_t *)"\x06\x00\xc2\x06\x00\x00\xff\xff"; /* option overruns */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[4] = 0, ip[5] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* IPv6 payload length 0 with TCP next: no room for a TCP header. */
    s.ip6_ext_len = 0;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[4] = 0, ip[5] = 0;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* IPv6 extension header longer than the payload. */
    s.ip6_ext_len = 8;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[41] = 200;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
    /* Version 4 behind 0x86dd. */
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ip[0] = 0x45;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_MALFORMED);
}
END_TEST

START_TEST(test_ipv6_jumbogram)
{
    const uint32_t plen = 70000, tcp_len = 20 + plen, jumbo = 8 + tcp_len;
    size_t n = 40 + 8 + tcp_len;
    uint8_t *f = calloc(1, n);
    uint8_t pseudo[40];
    uint32_t sum;
    uint16_t ck;
    ts_decoded d;
    size_t i;

    ck_assert_ptr_nonnull(f);
    f[0] = 0x60;
    f[6] = 0;  /* hop-by-hop */
    f[7] = 64; /* payload length 0 */
    ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", f + 8), 1);
    ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::2", f + 24), 1);
    f[40] = 6, f[41] = 0, f[42] = 0xc2, f[43] = 4;
    f[44] = (uint8_t)(jumbo >> 24), f[45] = (uint8_t)(jumbo >> 16);
    f[46] = (uint8_t)(jumbo >> 8), f[47] = (uint8_t)jumbo;
    f[48] = 0x9c, f[49] = 0x40, f[50] = 0x00, f[51] = 0x50; /* 40000 -> 80 */
    f[52 + 0] = 0x11;                                       /* seq 0x11000000 */
    f[48 + 12] = 0x50, f[48 + 13] = TS_TCP_ACK | TS_TCP_PSH;
    for (i = 0; i < plen; i++)
        f[68 + i] = (uint8_t)(i * 7);
    memcpy(pseudo, f + 8, 32);
    pseudo[32] = (uint8_t)(tcp_len >> 24), pseudo[33] = (uint8_t)(tcp_len >> 16);
    pseudo[34] = (uint8_t)(tcp_len >> 8), pseudo[35] = (uint8_t)tcp_len;
    pseudo[36] = pseudo[37] = pseudo[38] = 0, pseudo[39] = 6;
    sum = (uint16_t)~pb_checksum(pseudo, sizeof pseudo, 0);
    ck = pb_checksum(f + 48, tcp_len, sum);
    f[48 + 16] = (uint8_t)(ck >> 8), f[48 + 17] = (uint8_t)ck;

    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, f, n, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.src_port, 40000);
    ck_assert_uint_eq(d.seq, 0x11000000);
    ck_assert_uint_eq(d.payload_len, plen);
    ck_assert_uint_eq(d.payload_wire_len, plen);
    ck_assert_ptr_eq(d.payload, f + 68);
    ck_assert(ts_tcp_checksum_ok(&d));
    f[68 + 66000] ^= 1;
    ck_assert(!ts_tcp_checksum_ok(&d));
    /* Snapped jumbogram. */
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, f, 1500, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.payload_len, 1500 - 68);
    ck_assert_uint_eq(d.payload_wire_len, plen);
    /* Cut inside the hop-by-hop header. */
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, f, 45, &d), TS_DECODE_TRUNCATED);
    free(f);
}
END_TEST

/* ---- fragments --------------------------------------------------------- */

START_TEST(test_ipv4_fragment)
{
    static uint8_t frags[8][256];
    uint8_t *outs[8];
    size_t lens[8], k, i;
    pb_tcp s = seg_default(4);
    ts_decoded d;
    size_t n;

    s.ip_more_fragments = true;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_FRAGMENT);
    s.ip_more_fragments = false;
    s.ip_frag_offset_bytes = 1480;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_FRAGMENT);
    /* DF alone is not a fragment. */
    s.ip_frag_offset_bytes = 0;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    F[14 + 6] = 0x40;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);

    /* Really split packet: every piece is a fragment. */
    s = seg_default(4);
    n = build(TS_LINKTYPE_ETHERNET, &s);
    for (i = 0; i < 8; i++)
        outs[i] = frags[i];
    k = pb_fragment_ipv4(TS_LINKTYPE_ETHERNET, F, n, 16, outs, lens, 8, sizeof frags[0]);
    ck_assert_uint_eq(k, 3);
    for (i = 0; i < k; i++)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, frags[i], lens[i], &d), TS_DECODE_FRAGMENT);

    /* A UDP fragment is a fragment too. */
    n = pb_build_udp(TS_LINKTYPE_RAW, 4, "10.0.0.1", "10.0.0.2", 53, 53, "abc", 3, F, sizeof F);
    F[6] = 0x20;
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_FRAGMENT);
}
END_TEST

/* Builds an IPv6 TCP frame with one fragment header (offset, M). */
static size_t
build_v6_frag(pb_tcp *s, uint16_t offset_bytes, bool more)
{
    static uint8_t ext[8];
    uint16_t v = (uint16_t)(offset_bytes | (more ? 1 : 0));
    ext[0] = 6;
    ext[1] = 0;
    ext[2] = (uint8_t)(v >> 8);
    ext[3] = (uint8_t)v;
    ext[4] = 0xde, ext[5] = 0xad, ext[6] = 0xbe, ext[7] = 0xef;
    s->ip6_ext = ext;
    s->ip6_ext_len = 8;
    s->ip6_ext_first = 44;
    return build(TS_LINKTYPE_ETHERNET, s);
}

START_TEST(test_ipv6_fragment)
{
    pb_tcp s = seg_default(6);
    ts_decoded d;
    size_t n;

    n = build_v6_frag(&s, 0, true);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_FRAGMENT);
    n = build_v6_frag(&s, 1448, false);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_FRAGMENT);
    n = build_v6_frag(&s, 8, true);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_FRAGMENT);
    /* Truncated inside the fragment header. */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 40 + 5, &d), TS_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_ipv6_atomic_fragment)
{
    pb_tcp s = seg_default(6);
    ts_decoded d;
    size_t n;

    n = build_v6_frag(&s, 0, false);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);
    ck_assert_ptr_eq(d.tcp_header, F + 14 + 48);
    /* Reserved bits (0x0006) set do not make it a fragment. */
    F[14 + 40 + 3] = 0x06;
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
}
END_TEST

/* ---- IPv6 extension headers ------------------------------------------- */

START_TEST(test_ipv6_ext_headers)
{
    /* hop-by-hop (8) -> dest opts (16) -> routing (24) -> AH (24) -> dest opts (8) -> TCP */
    uint8_t ext[80];
    pb_tcp s = seg_default(6);
    ts_decoded d;
    size_t n, off = 0;

    memset(ext, 0, sizeof ext);
    ext[off] = 60, ext[off + 1] = 0, ext[off + 2] = 1, ext[off + 3] = 4; /* PadN */
    off += 8;
    ext[off] = 43, ext[off + 1] = 1, ext[off + 2] = 1, ext[off + 3] = 12;
    off += 16;
    ext[off] = 51, ext[off + 1] = 2, ext[off + 2] = 4,
    ext[off + 3] = 0; /* SRH-like, no segs left */
    off += 24;
    ext[off] = 60, ext[off + 1] = 4; /* AH: (4 + 2) * 4 = 24 bytes */
    off += 24;
    ext[off] = 6, ext[off + 1] = 0, ext[off + 2] = 1, ext[off + 3] = 4;
    off += 8;
    ck_assert_uint_eq(off, sizeof ext);
    s.ip6_ext = ext;
    s.ip6_ext_len = off;
    s.ip6_ext_first = 0;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);
    ck_assert_ptr_eq(d.tcp_header, F + 14 + 40 + 80);

    /* Cut inside each extension header: TRUNCATED. */
    for (off = 1; off < 80; off += 3)
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, 14 + 40 + off, &d), TS_DECODE_TRUNCATED);

    /* ESP ends the walk. */
    ext[48] = 50;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_NOT_TCP);
    /* No next header. */
    ext[48] = 59;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_NOT_TCP);
    /* ICMPv6 after extension headers. */
    ext[48] = 58;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_ipv6_ext_limit)
{
    uint8_t ext[8 * 20];
    pb_tcp s = seg_default(6);
    ts_decoded d;
    size_t n, i, count;

    for (count = 15; count <= 20; count += 5) {
        memset(ext, 0, sizeof ext);
        for (i = 0; i < count; i++)
            ext[8 * i] = i + 1 < count ? 60 : 6;
        s.ip6_ext = ext;
        s.ip6_ext_len = 8 * count;
        s.ip6_ext_first = 60;
        n = build(TS_LINKTYPE_RAW, &s);
        ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d),
                         count == 15 ? TS_DECODE_TCP : TS_DECODE_NOT_TCP);
    }
}
END_TEST

/* ---- other protocols, tunnels ------------------------------------------ */

START_TEST(test_udp_icmp)
{
    ts_decoded d;
    size_t n;
    n = pb_build_udp(TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", "10.0.0.2", 1000, 53, "q", 1, F,
                     sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_NOT_TCP);
    n = pb_build_udp(TS_LINKTYPE_LINUX_SLL2, 6, "::1", "::2", 1000, 53, "q", 1, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_LINUX_SLL2, F, n, &d), TS_DECODE_NOT_TCP);
    n = pb_build_ip(TS_LINKTYPE_RAW, 4, "10.0.0.1", "10.0.0.2", 1, "\x08\x00\xf7\xff\0\0\0\0", 8, F,
                    sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_NOT_TCP);
    /* A UDP datagram shorter than a TCP header is still just NOT_TCP. */
    n = pb_build_ip(TS_LINKTYPE_RAW, 6, "::1", "::2", 17, "", 0, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_icmp_quoting_tcp)
{
    uint8_t inner[2048], icmp[2048];
    ts_decoded d;
    for (int fam = 4; fam <= 6; fam += 2) {
        pb_tcp q = seg_default(fam);
        q.flags = TS_TCP_SYN;
        size_t in = pb_build_tcp(TS_LINKTYPE_RAW, &q, inner, sizeof inner);
        /* destination unreachable (3) / ICMPv6 (1), quoting the whole segment */
        memset(icmp, 0, 8);
        icmp[0] = fam == 4 ? 3 : 1;
        memcpy(icmp + 8, inner, in);
        size_t n = pb_build_ip(TS_LINKTYPE_RAW, fam, fam == 4 ? "192.0.2.9" : "2001:db8::9",
                               fam == 4 ? "10.0.0.1" : "2001:db8::1", fam == 4 ? 1 : 58, icmp,
                               8 + in, F, sizeof F);
        memset(&d, 0xaa, sizeof d);
        ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_ICMP_TCP);
        ck_assert_uint_eq(d.family, fam);
        ck_assert_uint_eq(d.src_port, q.sport);
        ck_assert_uint_eq(d.dst_port, q.dport);
        ck_assert_uint_eq(d.seq, q.seq);
        ck_assert_uint_eq(d.flags, TS_TCP_SYN);
        ck_assert_uint_eq(d.payload_len, 0);
        ck_assert_uint_eq(d.payload_wire_len, 0);
        /* an echo request is not an error: nothing quoted */
        icmp[0] = fam == 4 ? 8 : 128;
        n = pb_build_ip(TS_LINKTYPE_RAW, fam, fam == 4 ? "192.0.2.9" : "2001:db8::9",
                        fam == 4 ? "10.0.0.1" : "2001:db8::1", fam == 4 ? 1 : 58, icmp, 8 + in, F,
                        sizeof F);
        ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_NOT_TCP);
        /* a quote too short to hold the ports */
        icmp[0] = fam == 4 ? 3 : 1;
        n = pb_build_ip(TS_LINKTYPE_RAW, fam, fam == 4 ? "192.0.2.9" : "2001:db8::9",
                        fam == 4 ? "10.0.0.1" : "2001:db8::1", fam == 4 ? 1 : 58, icmp,
                        8 + (fam == 4 ? 20 : 40) + 4, F, sizeof F);
        ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_NOT_TCP);
    }
}
END_TEST

START_TEST(test_ip_in_ip)
{
    uint8_t inner[2048], mid[2048];
    pb_tcp s;
    ts_decoded d;
    size_t in, mn, n;
    int of, inf;

    for (of = 4; of <= 6; of += 2)
        for (inf = 4; inf <= 6; inf += 2) {
            s = seg_default(inf);
            in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
            n = pb_wrap_ip_in_ip(TS_LINKTYPE_ETHERNET, of, of == 4 ? "203.0.113.1" : "fd00::a",
                                 of == 4 ? "203.0.113.2" : "fd00::b", inner, in, F, sizeof F);
            ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
            check_fields(&d, &s, F, n); /* inner addresses */
            /* Snap length cutting the inner payload. */
            ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n - 3, &d), TS_DECODE_TCP);
            ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN - 3);
            ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
            /* Cut inside the inner IP header. */
            ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n - in + 10, &d), TS_DECODE_TRUNCATED);
        }

    /* Three levels (outer + 2 tunnels + TCP-carrying packet = depth 3). */
    s = seg_default(4);
    in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
    mn = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 6, "fd00::1", "fd00::2", inner, in, mid, sizeof mid);
    n = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 4, "10.9.9.1", "10.9.9.2", mid, mn, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_TCP);
    check_fields(&d, &s, F, n);
    ck_assert_uint_eq(d.ncarried, 2);
    ck_assert_uint_eq(d.carried[0].kind, TS_CARRIER_IPIP);
    ck_assert_uint_eq(d.carried[0].family, 4);
    ck_assert_uint_eq(d.carried[0].detail, 6); /* 6in4 */
    ck_assert_uint_eq(d.carried[1].family, 6);
    ck_assert_uint_eq(d.carried[1].detail, 4); /* 4in6 */
    /* Up to TS_MAX_ENCAP tunnel headers around the TCP-carrying packet are
       followed; one more is TOO_DEEP (counted, not NOT_TCP). */
    while (d.ncarried < TS_MAX_ENCAP) {
        memcpy(mid, F, n);
        n = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 4, "10.9.9.1", "10.9.9.2", mid, n, F, sizeof F);
        ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_TCP);
    }
    ck_assert_uint_eq(d.ncarried, TS_MAX_ENCAP);
    memcpy(mid, F, n);
    n = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 4, "10.9.9.1", "10.9.9.2", mid, n, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_TOO_DEEP);

    /* Inner packet claiming more bytes than the outer one carries. */
    s = seg_default(4);
    in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
    inner[3] += 1;
    n = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 4, "10.9.9.1", "10.9.9.2", inner, in, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_MALFORMED);
    /* Protocol 4 carrying an IPv6 packet. */
    s = seg_default(6);
    in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
    n = pb_build_ip(TS_LINKTYPE_RAW, 4, "10.9.9.1", "10.9.9.2", 4, inner, in, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_MALFORMED);
    /* Inner fragment. */
    s = seg_default(4);
    s.ip_more_fragments = true;
    in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
    n = pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, 6, "fd00::1", "fd00::2", inner, in, F, sizeof F);
    ck_assert_int_eq(decode(TS_LINKTYPE_RAW, F, n, &d), TS_DECODE_FRAGMENT);
}
END_TEST

/* ---- checksums --------------------------------------------------------- */

START_TEST(test_checksum)
{
    static const uint8_t opts[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 3, 7};
    pb_tcp s;
    ts_decoded d;
    size_t n, len;
    int fam, lt;
    static const int lts[] = {TS_LINKTYPE_ETHERNET, TS_LINKTYPE_RAW, TS_LINKTYPE_LINUX_SLL};
    char big[1501];

    memset(big, 'x', sizeof big);
    for (fam = 4; fam <= 6; fam += 2)
        for (lt = 0; lt < 3; lt++)
            for (len = 0; len <= 9; len++) {
                s = seg_default(fam);
                s.payload = "abcdefghi";
                s.len = len; /* odd and even lengths */
                s.tcp_options = len % 2 ? opts : NULL;
                s.tcp_options_len = len % 2 ? sizeof opts : 0;
                s.eth_trailer = len % 3 == 0 ? 7 : 0;
                n = build(lts[lt], &s);
                ck_assert_int_eq(decode(lts[lt], F, n, &d), TS_DECODE_TCP);
                ck_assert(ts_tcp_checksum_ok(&d));
                ck_assert(ts_ip_checksum_ok(&d));
                if (fam == 4) {
                    /* a flipped bit in the IPv4 header (TTL): IP checksum bad, TCP fine */
                    ck_assert_ptr_nonnull(d.ip4_header);
                    ck_assert_uint_eq(d.ip4_header_len, 20);
                    F[d.ip4_header - F + 8] ^= 1;
                    ck_assert_int_eq(decode(lts[lt], F, n, &d), TS_DECODE_TCP);
                    ck_assert(!ts_ip_checksum_ok(&d));
                    ck_assert(ts_tcp_checksum_ok(&d));
                } else {
                    ck_assert_ptr_null(d.ip4_header);
                }
                s.bad_checksum = true;
                n = build(lts[lt], &s);
                ck_assert_int_eq(decode(lts[lt], F, n, &d), TS_DECODE_TCP);
                ck_assert(!ts_tcp_checksum_ok(&d));
            }

    /* A flipped payload bit is caught; a snapped segment cannot be judged. */
    for (fam = 4; fam <= 6; fam += 2) {
        s = seg_default(fam);
        s.payload = big;
        s.len = sizeof big;
        n = build(TS_LINKTYPE_ETHERNET, &s);
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
        ck_assert(ts_tcp_checksum_ok(&d));
        F[n - 700] ^= 0x10;
        ck_assert(!ts_tcp_checksum_ok(&d));
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n - 1, &d), TS_DECODE_TCP);
        ck_assert(ts_tcp_checksum_ok(&d));
        /* The pseudo-header counts: a different source address is caught. */
        F[n - 700] ^= 0x10;
        ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
        d.src_addr[1] ^= 1;
        ck_assert(!ts_tcp_checksum_ok(&d));
    }

    /* IPv6 behind extension headers and in a tunnel. */
    s = seg_default(6);
    s.ip6_ext = (const uint8_t *)"\x06\x00\x01\x04\x00\x00\x00\x00";
    s.ip6_ext_len = 8;
    s.ip6_ext_first = 60;
    n = build(TS_LINKTYPE_ETHERNET, &s);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, F, n, &d), TS_DECODE_TCP);
    ck_assert(ts_tcp_checksum_ok(&d));
}
END_TEST

/* ---- robustness -------------------------------------------------------- */

/* xorshift64*: deterministic, seeded. */
static uint64_t
rnd_next(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545F4914F6CDD1DULL;
}

typedef struct {
    int linktype;
    size_t len;
    uint8_t data[400];
} sample;

START_TEST(test_robustness)
{
    static sample samples[32];
    static const uint8_t tcpopts[] = {2, 4, 5, 0xb4, 1, 3, 3, 7};
    static const uint8_t ext[] = {43, 0, 0, 0, 0, 0, 0, 0, 44, 0, 0, 0, 1, 2, 3, 4,
                                  51, 1, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0};
    static const int lts[] = {TS_LINKTYPE_ETHERNET, TS_LINKTYPE_NULL,      TS_LINKTYPE_RAW,
                              TS_LINKTYPE_LOOP,     TS_LINKTYPE_LINUX_SLL, TS_LINKTYPE_LINUX_SLL2,
                              TS_LINKTYPE_IPV4,     TS_LINKTYPE_IPV6};
    uint64_t st = 0x5eed1234abcdULL;
    size_t ns = 0, i;
    long iter, tcp = 0, statuses[8] = {0};

    for (i = 0; i < 8; i++) {
        int lt = lts[i];
        int fam = lt == TS_LINKTYPE_IPV4 ? 4 : lt == TS_LINKTYPE_IPV6 ? 6 : (i % 2 ? 6 : 4);
        pb_tcp s = seg_default(fam);
        s.tcp_options = tcpopts;
        s.tcp_options_len = sizeof tcpopts;
        samples[ns].linktype = lt;
        samples[ns].len = pb_build_tcp(lt, &s, samples[ns].data, sizeof samples[ns].data);
        ns++;
        if (fam == 6) {
            s.ip6_ext = ext;
            s.ip6_ext_len = sizeof ext;
            s.ip6_ext_first = 0;
        } else {
            s.ip_options = (const uint8_t *)"\x01\x01\x01\x00";
            s.ip_options_len = 4;
        }
        s.eth_trailer = 4;
        s.vlan_tags = 2;
        samples[ns].linktype = lt;
        samples[ns].len = pb_build_tcp(lt, &s, samples[ns].data, sizeof samples[ns].data);
        ns++;
    }
    {
        uint8_t inner[200];
        pb_tcp s = seg_default(6);
        size_t in = pb_build_tcp(TS_LINKTYPE_RAW, &s, inner, sizeof inner);
        samples[ns].linktype = TS_LINKTYPE_ETHERNET;
        samples[ns].len = pb_wrap_ip_in_ip(TS_LINKTYPE_ETHERNET, 4, "1.1.1.1", "2.2.2.2", inner, in,
                                           samples[ns].data, sizeof samples[ns].data);
        ns++;
    }

    for (iter = 0; iter < 100000; iter++) {
        const sample *sm = &samples[rnd_next(&st) % ns];
        size_t len = sm->len, k, nmut;
        uint8_t *buf;
        ts_decoded d;
        ts_decode_status r;
        int lt = sm->linktype;

        if (rnd_next(&st) % 3 == 0)
            len = rnd_next(&st) % (len + 1);
        buf = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(buf);
        memcpy(buf, sm->data, len);
        nmut = rnd_next(&st) % 6;
        for (k = 0; k < nmut && len; k++) {
            size_t pos = rnd_next(&st) % (len < 80 ? len : 80); /* headers mostly */
            uint64_t v = rnd_next(&st);
            if (v & 1)
                buf[pos] ^= (uint8_t)(1u << ((v >> 1) % 8));
            else
                buf[pos] = (uint8_t)(v >> 8);
        }
        if (rnd_next(&st) % 50 == 0)
            lt = (int)(rnd_next(&st) % 300);
        r = ts_decode_frame(lt, buf, (uint32_t)len, &d);
        ck_assert_int_ge(r, TS_DECODE_TCP);
        ck_assert_int_le(r, TS_DECODE_UNSUPPORTED_LINK);
        statuses[r]++;
        if (r == TS_DECODE_TCP) {
            tcp++;
            ck_assert(d.family == 4 || d.family == 6);
            ck_assert(d.tcp_header >= buf);
            ck_assert_uint_ge(d.tcp_header_len, 20);
            ck_assert_uint_le(d.tcp_header_len, 60);
            ck_assert((size_t)(d.tcp_header - buf) + d.tcp_header_len <= len);
            ck_assert_ptr_eq(d.payload, d.tcp_header + d.tcp_header_len);
            ck_assert((size_t)(d.payload - buf) + d.payload_len <= len);
            ck_assert_uint_le(d.payload_len, d.payload_wire_len);
            (void)ts_tcp_checksum_ok(&d);
        }
        free(buf);
    }
    /* The mutations must leave a fair share of frames decodable. */
    ck_assert_int_gt(tcp, 10000);
    ck_assert_int_gt(statuses[TS_DECODE_TRUNCATED], 1000);
    ck_assert_int_gt(statuses[TS_DECODE_MALFORMED], 1000);
}
END_TEST

/* Builds the decoder suite: one tcase per behaviour. */
Suite *
ts_decode_suite(void)
{
    Suite *s = suite_create("decode");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"link_ethernet", test_link_ethernet},
        {"link_ethernet_short", test_link_ethernet_short},
        {"link_null", test_link_null},
        {"link_loop", test_link_loop},
        {"link_raw", test_link_raw},
        {"link_sll", test_link_sll},
        {"link_sll2", test_link_sll2},
        {"link_unsupported", test_link_unsupported},
        {"vlan", test_vlan},
        {"not_ip", test_not_ip},
        {"pppoe_mpls", test_pppoe_mpls},
        {"llc_snap", test_llc_snap},
        {"ipv4_tso_length_zero", test_ipv4_tso_length_zero},
        {"ipv6_jumbogram", test_ipv6_jumbogram},
        {"ipv4_options", test_ipv4_options},
        {"eth_trailer", test_eth_trailer},
        {"snaplen_payload", test_snaplen_payload},
        {"truncated_headers", test_truncated_headers},
        {"malformed", test_malformed},
        {"ipv4_fragment", test_ipv4_fragment},
        {"ipv6_fragment", test_ipv6_fragment},
        {"ipv6_atomic_fragment", test_ipv6_atomic_fragment},
        {"ipv6_ext_headers", test_ipv6_ext_headers},
        {"ipv6_ext_limit", test_ipv6_ext_limit},
        {"udp_icmp", test_udp_icmp},
        {"ip_in_ip", test_ip_in_ip},
        {"icmp_quoting_tcp", test_icmp_quoting_tcp},
        {"checksum", test_checksum},
        {"robustness", test_robustness},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        if (strcmp(cases[i].name, "robustness") == 0)
            tcase_set_timeout(tc, 120);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_decode_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
