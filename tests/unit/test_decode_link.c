/*
 * test_decode_link.c — unit tests for the link types of issue 11: PPP (9),
 * PPP in HDLC framing (50), Cisco HDLC (104), IEEE 802.11 (105), radiotap
 * (127), PPI (192), NFLOG (239) and IP over InfiniBand (242).
 *
 * Frames: an IP packet built by pktbuild for the raw link type, behind a
 * link header written by pb_link_variant() (an implementation independent
 * of the decoder), then damaged by hand for the truncated, malformed and
 * NOT_IP variants. Every frame is decoded from a buffer of exactly caplen
 * bytes (copied), so ASan catches any read past the frame.
 */
#include "decode.h"
#include "pktbuild.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *ts_decode_link_suite(void);

static uint8_t F[PB_MAX_FRAME];
static const char PAYLOAD[] = "hello, tcp world";
#define PAYLOAD_LEN 16u

/* The new link types, for the loops of the generic tests. */
static const int NEW_LINKS[] = {TS_LINKTYPE_PPP,        TS_LINKTYPE_PPP_HDLC, TS_LINKTYPE_C_HDLC,
                                TS_LINKTYPE_IEEE802_11, TS_LINKTYPE_RADIOTAP, TS_LINKTYPE_PPI,
                                TS_LINKTYPE_NFLOG,      TS_LINKTYPE_IPOIB};
#define N_NEW_LINKS (sizeof NEW_LINKS / sizeof NEW_LINKS[0])

/* A segment of `family` carrying PAYLOAD. */
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
    s.payload = PAYLOAD;
    s.len = PAYLOAD_LEN;
    return s;
}

/* Builds into F the segment of `family` behind the `linktype` header of
 * variant `v`; sets *link to the header length; returns the frame length. */
static size_t
build_v(int linktype, unsigned v, int family, size_t *link)
{
    static uint8_t ip[PB_MAX_FRAME];
    pb_tcp s = seg_default(family);
    size_t n = pb_build_tcp(TS_LINKTYPE_RAW, &s, ip, sizeof ip);
    size_t l = pb_link_variant(linktype, family == 4 ? 0x0800 : 0x86dd, v, F, sizeof F);
    memcpy(F + l, ip, n);
    pb_link_finish(linktype, F, l, l + n);
    if (link)
        *link = l;
    return l + n;
}

/* Decodes the first `len` bytes of F from an exact-size copy. */
static ts_decode_status
decode(int linktype, size_t len, ts_decoded *d)
{
    uint8_t *copy = malloc(len ? len : 1);
    ts_decode_status st;
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, F, len);
    memset(d, 0, sizeof *d);
    st = ts_decode_frame(linktype, copy, (uint32_t)len, d);
    free(copy);
    return st;
}

/* Asserts that F (`n` bytes) decodes as the default segment of `family`. */
static void
check_tcp(int linktype, size_t n, int family)
{
    ts_decoded d;
    ck_assert_int_eq(ts_decode_frame(linktype, F, (uint32_t)n, &d), TS_DECODE_TCP);
    ck_assert_int_eq(d.family, family);
    ck_assert_uint_eq(d.src_port, 40000);
    ck_assert_uint_eq(d.dst_port, 80);
    ck_assert_uint_eq(d.seq, 0x01020304);
    ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN);
    ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
    ck_assert_mem_eq(d.payload, PAYLOAD, PAYLOAD_LEN);
    ck_assert(ts_tcp_checksum_ok(&d));
}

/* ---- every new link type --------------------------------------------- */

START_TEST(test_roundtrip_builders)
{
    /* pb_build_tcp's default headers and pb_ip_offset agree with the decoder */
    size_t i;
    int fam;
    for (i = 0; i < N_NEW_LINKS; i++)
        for (fam = 4; fam <= 6; fam += 2) {
            pb_tcp s = seg_default(fam);
            size_t n = pb_build_tcp(NEW_LINKS[i], &s, F, sizeof F), link;
            check_tcp(NEW_LINKS[i], n, fam);
            ck_assert_uint_eq(build_v(NEW_LINKS[i], 0, fam, &link), n);
            ck_assert_uint_eq(pb_ip_offset(NEW_LINKS[i], F, n), link);
            ck_assert_uint_eq(F[link] >> 4, fam);
        }
}
END_TEST

START_TEST(test_truncated_link_headers)
{
    /* every cut inside the link header (or before the IP header ends) is
       TRUNCATED, except NFLOG cut at a TLV boundary (no payload TLV) */
    size_t i, cut, link;
    ts_decoded d;
    for (i = 0; i < N_NEW_LINKS; i++) {
        build_v(NEW_LINKS[i], 0, 4, &link);
        for (cut = 0; cut < link + 20; cut++) {
            ts_decode_status want = TS_DECODE_TRUNCATED;
            if (NEW_LINKS[i] == TS_LINKTYPE_NFLOG && (cut == 4 || cut == 12))
                want = TS_DECODE_NOT_IP;
            ck_assert_msg(decode(NEW_LINKS[i], cut, &d) == want, "link %d cut %zu", NEW_LINKS[i],
                          cut);
        }
    }
}
END_TEST

/* ---- PPP, PPP_HDLC, Cisco HDLC ---------------------------------------- */

START_TEST(test_ppp_variants)
{
    static const unsigned vs[] = {0, PB_LINK_NO_ACFC, PB_LINK_PFC, PB_LINK_NO_ACFC | PB_LINK_PFC};
    static const size_t lens[] = {4, 2, 3, 1};
    size_t i, n, link;
    int fam;
    ts_decoded d;
    for (i = 0; i < 4; i++)
        for (fam = 4; fam <= 6; fam += 2) {
            n = build_v(TS_LINKTYPE_PPP, vs[i], fam, &link);
            ck_assert_uint_eq(link, lens[i]);
            check_tcp(TS_LINKTYPE_PPP, n, fam);
            check_tcp(TS_LINKTYPE_PPP_HDLC, n, fam);
        }
    n = build_v(TS_LINKTYPE_PPP, 0, 4, NULL);
    F[2] = 0xc0, F[3] = 0x21; /* LCP */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPP, n, &d), TS_DECODE_NOT_IP);
    F[2] = 0x00, F[3] = 0x2d; /* VJ compressed TCP */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPP, n, &d), TS_DECODE_NOT_IP);
    F[2] = 0x00, F[3] = 0x21;
    F[1] = 0x13; /* address 0xff without UI control */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPP, n, &d), TS_DECODE_NOT_IP);
    ck_assert_int_eq(decode(TS_LINKTYPE_PPP, 1, &d), TS_DECODE_TRUNCATED);
    /* PFC: 0x21 alone is IPv4; 0x57 alone is IPv6 */
    n = build_v(TS_LINKTYPE_PPP, PB_LINK_NO_ACFC | PB_LINK_PFC, 6, NULL);
    ck_assert_uint_eq(F[0], 0x57);
    check_tcp(TS_LINKTYPE_PPP, n, 6);
}
END_TEST

START_TEST(test_hdlc)
{
    size_t n = build_v(TS_LINKTYPE_C_HDLC, 0, 6, NULL);
    ts_decoded d;
    check_tcp(TS_LINKTYPE_C_HDLC, n, 6);
    check_tcp(TS_LINKTYPE_PPP_HDLC, n, 6); /* Cisco framing in DLT 50 */
    F[0] = 0x8f;                           /* broadcast address */
    check_tcp(TS_LINKTYPE_PPP_HDLC, n, 6);
    F[2] = 0x08, F[3] = 0x06; /* ARP */
    ck_assert_int_eq(decode(TS_LINKTYPE_C_HDLC, n, &d), TS_DECODE_NOT_IP);
    ck_assert_int_eq(decode(TS_LINKTYPE_PPP_HDLC, n, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_pppoe_uses_ppp_decoder)
{
    /* PPPoE with ACFC-style address/control is accepted like PPP */
    uint8_t ip[200];
    pb_tcp s = seg_default(4);
    size_t n = pb_build_tcp(TS_LINKTYPE_RAW, &s, ip, sizeof ip), l;
    ts_decoded d;
    l = pb_build_link(TS_LINKTYPE_ETHERNET, 0x8864, 0, F, sizeof F);
    memcpy(F + l, "\x11\x00\x00\x01\x00\x00\xff\x03\x00\x21", 10);
    memcpy(F + l + 10, ip, n);
    check_tcp(TS_LINKTYPE_ETHERNET, l + 10 + n, 4);
    F[l + 9] = 0x23; /* protocol 0x0023: not IP */
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, l + 10 + n, &d), TS_DECODE_NOT_IP);
    ck_assert_int_eq(decode(TS_LINKTYPE_ETHERNET, l + 6, &d), TS_DECODE_TRUNCATED);
}
END_TEST

/* ---- 802.11, radiotap, PPI --------------------------------------------- */

START_TEST(test_80211_variants)
{
    static const unsigned vs[] = {0,
                                  PB_LINK_QOS,
                                  PB_LINK_QOS | PB_LINK_HT,
                                  PB_LINK_4ADDR,
                                  PB_LINK_4ADDR | PB_LINK_QOS,
                                  PB_LINK_4ADDR | PB_LINK_QOS | PB_LINK_HT};
    static const size_t lens[] = {32, 34, 38, 38, 40, 44};
    size_t i, n, link;
    int fam;
    for (i = 0; i < sizeof vs / sizeof vs[0]; i++)
        for (fam = 4; fam <= 6; fam += 2) {
            n = build_v(TS_LINKTYPE_IEEE802_11, vs[i], fam, &link);
            ck_assert_uint_eq(link, lens[i]);
            check_tcp(TS_LINKTYPE_IEEE802_11, n, fam);
            n = build_v(TS_LINKTYPE_RADIOTAP, vs[i], fam, NULL);
            check_tcp(TS_LINKTYPE_RADIOTAP, n, fam);
            n = build_v(TS_LINKTYPE_PPI, vs[i], fam, NULL);
            check_tcp(TS_LINKTYPE_PPI, n, fam);
        }
    /* order bit without QoS: no HT control */
    n = build_v(TS_LINKTYPE_IEEE802_11, 0, 4, NULL);
    F[1] |= 0x80;
    check_tcp(TS_LINKTYPE_IEEE802_11, n, 4);
    /* 802.1H bridge-tunnel OUI */
    F[29] = 0xf8;
    check_tcp(TS_LINKTYPE_IEEE802_11, n, 4);
}
END_TEST

START_TEST(test_80211_not_ip)
{
    ts_decoded d;
    size_t n = build_v(TS_LINKTYPE_IEEE802_11, PB_LINK_QOS, 4, NULL);
    size_t n3;
    F[1] |= 0x40; /* protected */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[1] &= (uint8_t)~0x40;
    F[0] = 0xc8; /* QoS null data */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[0] = 0x80; /* management: beacon */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[0] = 0x89; /* protocol version 1 */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[0] = 0x88;
    F[24] |= 0x80; /* A-MSDU present */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[24] &= 0x7f;
    F[22] = 0x01; /* fragment number 1 */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    F[22] = 0x10; /* sequence number 1, fragment 0 */
    check_tcp(TS_LINKTYPE_IEEE802_11, n, 4);
    F[26] = 0x42; /* LLC without SNAP */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n, &d), TS_DECODE_NOT_IP);
    n3 = build_v(TS_LINKTYPE_IEEE802_11, 0, 4, NULL);
    F[0] = 0x48; /* null data */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, 24, &d), TS_DECODE_NOT_IP);
    F[0] = 0x08;
    F[30] = 0x08, F[31] = 0x06; /* ARP */
    ck_assert_int_eq(decode(TS_LINKTYPE_IEEE802_11, n3, &d), TS_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_radiotap_fields)
{
    /* the flags field is found after TSFT (8-aligned) and extra present
       words; an FCS it announces is not packet data */
    static const unsigned vs[] = {0, PB_LINK_RT_TSFT, PB_LINK_RT_EXT,
                                  PB_LINK_RT_TSFT | PB_LINK_RT_EXT};
    static const size_t lens[] = {10, 18, 14, 26};
    size_t i, n, link;
    ts_decoded d;
    for (i = 0; i < 4; i++) {
        /* no FCS: the IP packet cut by 4 bytes keeps 12 payload bytes */
        n = build_v(TS_LINKTYPE_RADIOTAP, vs[i], 4, &link);
        ck_assert_uint_eq(link, lens[i] + 32);
        ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n - 4, &d), TS_DECODE_TCP);
        ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN - 4);
        /* FCS flagged: the cut packet + 4 FCS bytes still keeps 12 */
        n = build_v(TS_LINKTYPE_RADIOTAP, vs[i] | PB_LINK_FCS, 4, NULL);
        memcpy(F + n - 4, "\xde\xad\xbe\xef", 4);
        ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n, &d), TS_DECODE_TCP);
        ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN - 4);
        ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
        n = build_v(TS_LINKTYPE_RADIOTAP, vs[i] | PB_LINK_FCS, 4, NULL); /* whole again */
        memcpy(F + n, "\xde\xad\xbe\xef", 4);                            /* complete packet + FCS */
        check_tcp(TS_LINKTYPE_RADIOTAP, n + 4, 4);
    }
}
END_TEST

START_TEST(test_radiotap_ppi_malformed)
{
    ts_decoded d;
    size_t n = build_v(TS_LINKTYPE_RADIOTAP, 0, 4, NULL);
    F[0] = 1; /* version */
    ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n, &d), TS_DECODE_MALFORMED);
    F[0] = 0;
    F[2] = 4; /* it_len shorter than the fixed header */
    ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n, &d), TS_DECODE_MALFORMED);
    F[2] = 8; /* it_len leaves no room for the flags field */
    ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n, &d), TS_DECODE_MALFORMED);
    F[2] = 10;
    F[7] = 0x80; /* a present word chained past it_len */
    ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, n, &d), TS_DECODE_MALFORMED);
    F[7] = 0;
    F[2] = 0, F[3] = 1; /* it_len 256 > frame */
    ck_assert_int_eq(decode(TS_LINKTYPE_RADIOTAP, 100, &d), TS_DECODE_TRUNCATED);

    n = build_v(TS_LINKTYPE_PPI, 0, 4, NULL);
    F[0] = 2; /* version */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPI, n, &d), TS_DECODE_MALFORMED);
    F[0] = 0;
    F[2] = 7; /* pph_len < 8 */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPI, n, &d), TS_DECODE_MALFORMED);
    F[2] = 8;
    F[4] = TS_LINKTYPE_ETHERNET; /* only 802.11 inside PPI */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPI, n, &d), TS_DECODE_NOT_IP);
    F[4] = TS_LINKTYPE_IEEE802_11;
    F[5] = 1; /* DLT 105 + 256 */
    ck_assert_int_eq(decode(TS_LINKTYPE_PPI, n, &d), TS_DECODE_NOT_IP);
}
END_TEST

/* ---- NFLOG ------------------------------------------------------------- */

START_TEST(test_nflog_variants)
{
    static const unsigned vs[] = {0, PB_LINK_NFLOG_BE, PB_LINK_NFLOG_EXTRA,
                                  PB_LINK_NFLOG_EXTRA | PB_LINK_NFLOG_BE};
    static const size_t lens[] = {16, 16, 56, 56};
    size_t i, n, link;
    int fam;
    for (i = 0; i < 4; i++)
        for (fam = 4; fam <= 6; fam += 2) {
            n = build_v(TS_LINKTYPE_NFLOG, vs[i], fam, &link);
            ck_assert_uint_eq(link, lens[i]);
            check_tcp(TS_LINKTYPE_NFLOG, n, fam);
        }
}
END_TEST

START_TEST(test_nflog_bad)
{
    ts_decoded d;
    size_t n = build_v(TS_LINKTYPE_NFLOG, PB_LINK_NFLOG_EXTRA, 4, NULL);
    F[1] = 1; /* version */
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, n, &d), TS_DECODE_MALFORMED);
    F[1] = 0;
    F[12] = 3; /* prefix TLV length < 4 */
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, n, &d), TS_DECODE_MALFORMED);
    F[12] = 9;
    /* cut inside the prefix TLV / inside its padding */
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, 20, &d), TS_DECODE_TRUNCATED);
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, 22, &d), TS_DECODE_NOT_IP);
    /* the payload TLV says fewer bytes than the IP header: the header lies */
    F[52] = (uint8_t)(F[52] - 8);
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, n, &d), TS_DECODE_MALFORMED);
    F[52] = (uint8_t)(F[52] + 8);
    check_tcp(TS_LINKTYPE_NFLOG, n, 4);
    /* no payload TLV: type 9 changed to 8 (NFULA_HWADDR) */
    F[54] = 8;
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, n, &d), TS_DECODE_NOT_IP);
    /* a payload TLV longer than the frame: the capture was cut */
    n = build_v(TS_LINKTYPE_NFLOG, 0, 4, NULL);
    ck_assert_int_eq(decode(TS_LINKTYPE_NFLOG, n - 4, &d), TS_DECODE_TCP);
    ck_assert_uint_eq(d.payload_len, PAYLOAD_LEN - 4);
    ck_assert_uint_eq(d.payload_wire_len, PAYLOAD_LEN);
}
END_TEST

/* ---- IPoIB ------------------------------------------------------------- */

START_TEST(test_ipoib)
{
    ts_decoded d;
    size_t n = build_v(TS_LINKTYPE_IPOIB, 0, 6, NULL);
    check_tcp(TS_LINKTYPE_IPOIB, n, 6);
    F[40] = 0x08, F[41] = 0x06; /* ARP */
    ck_assert_int_eq(decode(TS_LINKTYPE_IPOIB, n, &d), TS_DECODE_NOT_IP);
    ck_assert_int_eq(decode(TS_LINKTYPE_IPOIB, 43, &d), TS_DECODE_TRUNCATED);
}
END_TEST

/* The suite. */
Suite *
ts_decode_link_suite(void)
{
    Suite *s = suite_create("decode_link");
    const struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"roundtrip_builders", test_roundtrip_builders},
        {"truncated_link_headers", test_truncated_link_headers},
        {"ppp_variants", test_ppp_variants},
        {"hdlc", test_hdlc},
        {"pppoe_uses_ppp_decoder", test_pppoe_uses_ppp_decoder},
        {"80211_variants", test_80211_variants},
        {"80211_not_ip", test_80211_not_ip},
        {"radiotap_fields", test_radiotap_fields},
        {"radiotap_ppi_malformed", test_radiotap_ppi_malformed},
        {"nflog_variants", test_nflog_variants},
        {"nflog_bad", test_nflog_bad},
        {"ipoib", test_ipoib},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

/* Runs the suite. */
int
main(void)
{
    SRunner *sr = srunner_create(ts_decode_link_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
