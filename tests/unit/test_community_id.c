/*
 * test_community_id.c — the Community ID (community_id.c) against the
 * published values of the corelight community-id-spec repository
 * (baseline/README.md's tables and baseline/baseline_*.json, made by
 * pycommunityid): the hash of raw tuples for every protocol with ports, and
 * ts_session_community_id() of sessions fed to the engine, with the client
 * on either side of the spec's endpoint order, seeds 0 and 1.
 */
#include "community_id.h"
#include "pktbuild.h"
#include "tcpsession.h"

#include <arpa/inet.h>
#include <check.h>
#include <string.h>

static ts_endpoint
ep(const char *addr, uint16_t port)
{
    ts_endpoint e = {.port = port};
    e.family = strchr(addr, ':') != NULL ? 6 : 4;
    ck_assert_int_eq(inet_pton(e.family == 6 ? AF_INET6 : AF_INET, addr, e.addr), 1);
    return e;
}

typedef struct {
    uint8_t proto;
    const char *src, *dst;
    uint16_t sport, dport, seed;
    const char *id;
} baseline_row;

/* Rows of the spec's baseline (README tables: "Default settings" and "A
 * custom seed=1 value"; JSON: the TCP and UDP flows of combined.pcap.gz).
 * ICMP rows carry the spec's type/code port mapping already applied (the
 * tables list type and code): echo request 8 <-> reply 0 (ICMP), 128 <-> 129
 * (ICMPv6); one-way types keep (type, code). */
static const baseline_row rows[] = {
    {6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {6, "5.6.7.8", "1.2.3.4", 3344, 1122, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {132, "5.6.7.8", "1.2.3.4", 3344, 1122, 0, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
    {1, "1.2.3.4", "5.6.7.8", 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
    {1, "1.2.3.4", "5.6.7.8", 11, 0, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
    {58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128,
     129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
    {58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146,
     0, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
    {6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {6, "5.6.7.8", "1.2.3.4", 3344, 1122, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {17, "5.6.7.8", "1.2.3.4", 3344, 1122, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {132, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 1,
     "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, 1, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
};

START_TEST(baseline_tuples)
{
    const baseline_row *r = &rows[_i];
    ts_endpoint a = ep(r->src, r->sport), b = ep(r->dst, r->dport);
    char buf[TS_COMMUNITY_ID_LEN];
    ck_assert_str_eq(ts_community_id_of(&a, &b, r->proto, r->seed, buf), r->id);
    ck_assert_uint_eq(strlen(buf), TS_COMMUNITY_ID_LEN - 1);
}
END_TEST

START_TEST(mixed_families_have_no_id)
{
    ts_endpoint a = ep("1.2.3.4", 1), b = ep("::1", 2);
    char buf[TS_COMMUNITY_ID_LEN] = "x";
    ck_assert_str_eq(ts_community_id_of(&a, &b, 6, 0, buf), "");
}
END_TEST

/* ---- through the engine ------------------------------------------------ */

typedef struct {
    char id[2][TS_COMMUNITY_ID_LEN]; /* seed 0, seed 1 */
    int sessions;
} ids;

static void
on_done(void *user, ts_session *s)
{
    ids *got = user;
    ts_session_community_id(s, 0, got->id[0]);
    ts_session_community_id(s, 1, got->id[1]);
    got->sessions++;
}

/* The IDs of the one session a SYN from client to server (and the SYN-ACK
 * back) makes. */
static ids
session_ids(int family, const char *client, uint16_t cport, const char *server, uint16_t sport)
{
    ids got = {0};
    ts_callbacks cb = {.session_done = on_done};
    ts_engine *e = ts_engine_new(NULL, &cb, &got);
    uint8_t frame[PB_MAX_FRAME];
    pb_tcp syn = {.family = family,
                  .src = client,
                  .dst = server,
                  .sport = cport,
                  .dport = sport,
                  .seq = 100,
                  .flags = TS_TCP_SYN,
                  .window = 1000};
    pb_tcp synack = {.family = family,
                     .src = server,
                     .dst = client,
                     .sport = sport,
                     .dport = cport,
                     .seq = 900,
                     .ack = 101,
                     .flags = TS_TCP_SYN | TS_TCP_ACK,
                     .window = 1000};
    const pb_tcp *segs[2] = {&syn, &synack};
    for (int i = 0; i < 2; i++) {
        size_t n = pb_build_tcp(TS_LINKTYPE_RAW, segs[i], frame, sizeof frame);
        ts_frame f = {.linktype = TS_LINKTYPE_RAW,
                      .ts_ns = 1000000000LL * (i + 1),
                      .caplen = (uint32_t)n,
                      .origlen = (uint32_t)n,
                      .data = frame};
        ts_engine_feed(e, &f);
    }
    ts_engine_finish(e);
    ts_engine_free(e);
    ck_assert_int_eq(got.sessions, 1);
    return got;
}

START_TEST(session_ipv4_either_client)
{
    ids a = session_ids(4, "1.2.3.4", 1122, "5.6.7.8", 3344);
    ids b = session_ids(4, "5.6.7.8", 3344, "1.2.3.4", 1122);
    ck_assert_str_eq(a.id[0], "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    ck_assert_str_eq(b.id[0], "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    ck_assert_str_eq(a.id[1], "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
    ck_assert_str_eq(b.id[1], "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
}
END_TEST

START_TEST(session_ipv6_either_client)
{
    const char *v6a = "2001:470:e5bf:dead:4957:2174:e82c:4887", *v6b = "2607:f8b0:400c:c03::1a";
    ids a = session_ids(6, v6a, 63943, v6b, 25);
    ids b = session_ids(6, v6b, 25, v6a, 63943);
    ck_assert_str_eq(a.id[0], "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    ck_assert_str_eq(b.id[0], "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    ck_assert_str_eq(a.id[1], "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
    ck_assert_str_eq(b.id[1], "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
}
END_TEST

/* Same addresses: the ports decide the order (spec: "If the IP addresses
 * are equal, the ports decide"). */
START_TEST(same_address_ports_decide)
{
    ids a = session_ids(4, "10.0.0.1", 80, "10.0.0.1", 1234);
    ids b = session_ids(4, "10.0.0.1", 1234, "10.0.0.1", 80);
    ck_assert_str_eq(a.id[0], b.id[0]);
    ts_endpoint lo = ep("10.0.0.1", 80), hi = ep("10.0.0.1", 1234);
    char buf[TS_COMMUNITY_ID_LEN];
    ck_assert_str_eq(a.id[0], ts_community_id_of(&lo, &hi, 6, 0, buf));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("community_id");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, baseline_tuples, 0, (int)G_N_ELEMENTS(rows));
    tcase_add_test(tc, mixed_families_have_no_id);
    tcase_add_test(tc, session_ipv4_either_client);
    tcase_add_test(tc, session_ipv6_either_client);
    tcase_add_test(tc, same_address_ports_decide);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
