/*
 * test_verify.c — unit tests of the verifier (verify/): the parsers of
 * tshark's fields, Follow TCP Stream and JSON output and of tcpflow's file
 * names, the log line and summary formats, and the classification of
 * differences on a small hand-made capture description (exact inputs, exact
 * outputs): tshark's missing-bytes text, its dropping of data never
 * acknowledged (and the proof failing when an acknowledgement exists),
 * tcpflow's zero-filled holes and trailer bytes.
 */
#include "verify_internal.h"

#include <check.h>
#include <glib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------- */

/* One line of the fields pass, in vf_fields_argv's column order. */
static char *
fields_line(unsigned frame, unsigned stream, const char *src, const char *dst, unsigned sport,
            unsigned dport, uint32_t seq, uint32_t ack, unsigned len, unsigned flags,
            const char *protocols, const char *padding)
{
    bool v6 = strchr(src, ':') != NULL;
    unsigned caplen = 54 + len + (unsigned)strlen(padding) / 2;
    return g_strdup_printf(
        "%u\t%u\t%s\t%s\t%s\t%s\t%u\t%u\t%u\t%u\t%u\t0x%04x\t\t\t0\t0\t%s\t%s\t\t"
        "\t%u\t%u\t%u\t%s\t\t",
        frame, stream, v6 ? "" : src, v6 ? "" : dst, v6 ? src : "", v6 ? dst : "", sport, dport,
        seq, ack, len, flags, protocols, padding, caplen, caplen, v6 ? 0 : 40 + len,
        v6 ? "20" : "");
}

static void
add_line(vf_frames *f, char *line)
{
    vf_frames_add_line(f, line, strlen(line));
    g_free(line);
}

static void
feed(void (*fn)(void *, const char *, size_t), void *parser, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
        fn(parser, *l, strlen(*l));
}

/* ---- small helpers -------------------------------------------------- */

START_TEST(endpoints_parse_and_print)
{
    ts_endpoint ep;
    ck_assert(vf_endpoint_parse("10.0.0.1:80", &ep));
    ck_assert_uint_eq(ep.family, 4);
    ck_assert_uint_eq(ep.port, 80);
    ck_assert(vf_endpoint_parse("[2001:db8::1]:443", &ep));
    ck_assert_uint_eq(ep.family, 6);
    g_autoptr(GString) s = g_string_new(NULL);
    vf_endpoint_append(s, &ep);
    ck_assert_str_eq(s->str, "[2001:db8::1]:443");
    ck_assert(!vf_endpoint_parse(":0", &ep));
    ck_assert(!vf_endpoint_parse("10.0.0.1", &ep));
    ck_assert(!vf_endpoint_parse("10.0.0.1:70000", &ep));
    ck_assert(!vf_endpoint_parse("[2001:db8::1:443", &ep));
}
END_TEST

START_TEST(first_difference_and_md5)
{
    ck_assert_int_eq(vf_first_difference((const uint8_t *)"abc", 3, (const uint8_t *)"abc", 3), -1);
    ck_assert_int_eq(vf_first_difference((const uint8_t *)"abc", 3, (const uint8_t *)"abd", 3), 2);
    ck_assert_int_eq(vf_first_difference((const uint8_t *)"ab", 2, (const uint8_t *)"abc", 3), 2);
    char md5[33];
    vf_md5(NULL, 0, md5);
    ck_assert_str_eq(md5, "d41d8cd98f00b204e9800998ecf8427e");
}
END_TEST

START_TEST(missing_text_has_its_nul)
{
    char buf[64];
    size_t n = vf_missing_text(1460, buf, sizeof buf);
    ck_assert_uint_eq(n, 37);
    ck_assert_str_eq(buf, "[1460 bytes missing in capture file]");
    ck_assert_int_eq(buf[36], '\0');
}
END_TEST

/* ---- tcpflow file names --------------------------------------------- */

START_TEST(tcpflow_names)
{
    vf_flowfile f;
    ck_assert(vf_tcpflow_parse_name("010.000.000.001.01234-010.000.000.002.00080", &f));
    ck_assert_uint_eq(f.src.port, 1234);
    ck_assert_uint_eq(f.dst.port, 80);
    ck_assert_uint_eq(f.src.addr[0], 10);
    ck_assert_uint_eq(f.dst.addr[3], 2);
    ck_assert_uint_eq(f.k, 0);
    ck_assert_int_eq(f.vlan, -1);
    g_free(f.name);

    ck_assert(vf_tcpflow_parse_name("192.168.001.043.35532-192.168.001.090.00080c12", &f));
    ck_assert_uint_eq(f.k, 12);
    g_free(f.name);

    ck_assert(vf_tcpflow_parse_name("2001:db8::1.49888-2001:db8::2.00081--45056c1", &f));
    ck_assert_uint_eq(f.src.family, 6);
    ck_assert_uint_eq(f.src.port, 49888);
    ck_assert_uint_eq(f.dst.port, 81);
    ck_assert_int_eq(f.vlan, 45056);
    ck_assert_uint_eq(f.k, 1);
    g_free(f.name);

    ck_assert(!vf_tcpflow_parse_name("report.xml", &f));
    ck_assert(!vf_tcpflow_parse_name("010.000.000.001.1234-010.000.000.002.00080", &f));
    ck_assert(!vf_tcpflow_parse_name("010.000.000.001.01234-010.000.000.002.00080c0", &f));
    ck_assert(!vf_tcpflow_parse_name("010.000.000.001.01234-010.000.000.002.00080x", &f));
}
END_TEST

/* ---- tshark's outputs ----------------------------------------------- */

START_TEST(follow_output)
{
    static const char text[] =
        "\n"
        "===================================================================\n"
        "Follow: tcp,raw\n"
        "Filter: tcp.stream eq 1\n"
        "Node 0: :0\n"
        "Node 1: :0\n"
        "===================================================================\n"
        "\n"
        "===================================================================\n"
        "Follow: tcp,raw\n"
        "Filter: tcp.stream eq 0\n"
        "Node 0: 10.0.0.1:1000\n"
        "Node 1: [2001:db8::2]:80\n"
        "4142\n"
        "\t6869\n"
        "43\n"
        "===================================================================\n";
    vf_follow_parser *p = vf_follow_parser_new();
    feed(vf_follow_parser_line, p, text);
    uint64_t bad = 9;
    g_autoptr(GHashTable) t = vf_follow_parser_finish(p, &bad);
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(g_hash_table_size(t), 2);
    int64_t key = 0;
    const vf_follow *f = g_hash_table_lookup(t, &key);
    ck_assert_ptr_nonnull(f);
    ck_assert(f->has_nodes);
    ck_assert_uint_eq(f->node[0].port, 1000);
    ck_assert_uint_eq(f->node[1].family, 6);
    ck_assert_uint_eq(f->data[0]->len, 3);
    ck_assert_mem_eq(f->data[0]->data, "ABC", 3);
    ck_assert_uint_eq(f->data[1]->len, 2);
    ck_assert_mem_eq(f->data[1]->data, "hi", 2);
    key = 1;
    f = g_hash_table_lookup(t, &key);
    ck_assert(!f->has_nodes);
}
END_TEST

START_TEST(fields_lines)
{
    g_autoptr(vf_frames) fr = vf_frames_new();
    add_line(fr, fields_line(1, 0, "10.0.0.1", "10.0.0.2", 1000, 80, 100, 0, 0, 0x002,
                             "eth:ethertype:ip:tcp", ""));
    add_line(fr, fields_line(2, 0, "10.0.0.2", "10.0.0.1", 80, 1000, 500, 101, 0, 0x012,
                             "eth:ethertype:ip:tcp", "000000000000"));
    add_line(fr, fields_line(3, 1, "10.0.0.3", "10.0.0.4", 5, 6, 1, 1, 3, 0x018,
                             "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp", ""));
    add_line(fr, fields_line(4, 2, "2001:db8::1", "2001:db8::2", 7, 8, 1, 1, 3, 0x018,
                             "eth:ethertype:ipv6:ipv6.hopopts:tcp", ""));
    vf_frames_add_line(fr, "garbage", 7);
    ck_assert_uint_eq(fr->frames->len, 4);
    ck_assert_uint_eq(fr->bad_lines, 1);
    const vf_tstream *t = vf_frames_stream(fr, 0);
    ck_assert_uint_eq(t->first_frame, 1);
    ck_assert_uint_eq(t->node[0].port, 1000);
    ck_assert_uint_eq(t->frames->len, 2);
    const vf_frame *f2 = vf_frames_get(fr, 2);
    ck_assert_uint_eq(f2->from_node1, 1);
    ck_assert_uint_eq(f2->flags, 0x12);
    ck_assert_uint_eq(f2->seq, 500);
    ck_assert_uint_eq(f2->ack, 101);
    ck_assert_uint_eq(f2->extra_len, 6);
    const vf_frame *f3 = vf_frames_get(fr, 3);
    ck_assert_uint_eq(f3->encap, VF_ENCAP_UDP_TUNNEL);
    ck_assert_uint_eq(f3->tcpflow_skip, VF_SKIP_TUNNEL);
    const vf_frame *f4 = vf_frames_get(fr, 4);
    ck_assert_uint_eq(f4->v6, 1);
    ck_assert_uint_eq(f4->tcpflow_skip, VF_SKIP_IPV6_EXT);
    ck_assert_ptr_null(vf_frames_get(fr, 9));
}
END_TEST

START_TEST(json_payloads)
{
    static const char text[] = "[\n"
                               "  {\n"
                               "    \"_index\": \"packets-2024-11-29\",\n"
                               "    \"_source\": {\n"
                               "      \"layers\": {\n"
                               "        \"frame_raw\": [\n"
                               "          \"00010203040506070809101108004500002f0001\",\n"
                               "          0,\n"
                               "          20,\n"
                               "        ],\n"
                               "        \"frame\": {\n"
                               "          \"frame.number\": \"7\",\n"
                               "        },\n"
                               "        \"ip_raw\": [\n"
                               "          \"4500\",\n"
                               "          2,\n"
                               "          2,\n"
                               "        ],\n"
                               "        \"ip\": {\n"
                               "          \"ip.len\": \"12\",\n"
                               "        },\n"
                               "        \"tcp_raw\": [\n"
                               "          \"0607\",\n"
                               "          6,\n"
                               "          2,\n"
                               "        ],\n"
                               "        \"tcp\": {\n"
                               "          \"tcp.len\": \"4\",\n"
                               "        }\n"
                               "      }\n"
                               "    }\n"
                               "  }\n"
                               "]\n";
    g_autoptr(GHashTable) payloads =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_bytes_unref);
    g_autoptr(GHashTable) trailers =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_bytes_unref);
    vf_json_payloads *p = vf_json_payloads_new(payloads, trailers);
    feed(vf_json_payloads_line, p, text);
    vf_json_payloads_free(p);
    GBytes *b = g_hash_table_lookup(payloads, GUINT_TO_POINTER(7));
    ck_assert_ptr_nonnull(b);
    gsize len = 0;
    const uint8_t *d = g_bytes_get_data(b, &len);
    ck_assert_uint_eq(len, 4); /* frame bytes 8..11 */
    ck_assert_uint_eq(d[0], 0x08);
    ck_assert_uint_eq(d[3], 0x11);
    b = g_hash_table_lookup(trailers, GUINT_TO_POINTER(7));
    ck_assert_ptr_nonnull(b);
    d = g_bytes_get_data(b, &len);
    ck_assert_uint_eq(len, 6); /* from byte 2 + 12 on */
    ck_assert_uint_eq(d[0], 0x45);
}
END_TEST

/* ---- a capture described by hand ------------------------------------ *
 * 10.0.0.1:1000 -> 10.0.0.2:80. Server bytes: "AAAAAAAAAA" at offset 0
 * (frame 4), a hole of 10, "BBBBBBBBBB" at 20 (frame 5), the client
 * acknowledges everything up to 30 (frame 6), a hole of 10, "CCCCC" at 40
 * (frame 7) that nobody acknowledges. The client's pure ACK (frame 3)
 * carries 6 bytes of Ethernet padding. */

typedef struct {
    vf_capture cap;
    vf_ours *ours;
} fixture;

static vf_session *
make_session(void)
{
    vf_session *s = g_new0(vf_session, 1);
    vf_endpoint_parse("10.0.0.1:1000", &s->ep[0]);
    vf_endpoint_parse("10.0.0.2:80", &s->ep[1]);
    s->first_frame = 1;
    s->anomalies = g_array_new(FALSE, FALSE, sizeof(ts_anomaly));
    for (int d = 0; d < 2; d++) {
        s->dir[d].payload = g_byte_array_new();
        s->dir[d].holes = g_array_new(FALSE, FALSE, sizeof(vf_range));
        s->dir[d].chunks = g_array_new(FALSE, FALSE, sizeof(ts_chunk));
    }
    vf_ours_dir *sv = &s->dir[TS_FROM_SERVER];
    g_byte_array_append(sv->payload, (const uint8_t *)"AAAAAAAAAABBBBBBBBBBCCCCC", 25);
    vf_range holes[2] = {{10, 10}, {30, 10}};
    g_array_append_vals(sv->holes, holes, 2);
    ts_chunk chunks[3] = {{TS_FROM_SERVER, 0, 10, 4, 0},
                          {TS_FROM_SERVER, 10, 10, 5, 0},
                          {TS_FROM_SERVER, 20, 5, 7, 0}};
    g_array_append_vals(sv->chunks, chunks, 3);
    return s;
}

static void
session_free(gpointer p)
{
    vf_session *s = p;
    for (int d = 0; d < 2; d++) {
        g_byte_array_unref(s->dir[d].payload);
        g_array_unref(s->dir[d].holes);
        g_array_unref(s->dir[d].chunks);
    }
    g_array_unref(s->anomalies);
    g_free(s);
}

static void
fixture_init(fixture *fx, bool late_ack)
{
    memset(fx, 0, sizeof *fx);
    fx->ours = g_new0(vf_ours, 1);
    fx->ours->sessions = g_ptr_array_new_with_free_func(session_free);
    g_ptr_array_add(fx->ours->sessions, make_session());
    vf_frames *fr = vf_frames_new();
    const char *p = "eth:ethertype:ip:tcp";
    add_line(fr, fields_line(1, 0, "10.0.0.1", "10.0.0.2", 1000, 80, 1000, 0, 0, 0x002, p, ""));
    add_line(fr, fields_line(2, 0, "10.0.0.2", "10.0.0.1", 80, 1000, 5000, 1001, 0, 0x012, p, ""));
    add_line(fr, fields_line(3, 0, "10.0.0.1", "10.0.0.2", 1000, 80, 1001, 5001, 0, 0x010, p,
                             "000000000000"));
    add_line(fr, fields_line(4, 0, "10.0.0.2", "10.0.0.1", 80, 1000, 5001, 1001, 10, 0x018, p, ""));
    add_line(fr, fields_line(5, 0, "10.0.0.2", "10.0.0.1", 80, 1000, 5021, 1001, 10, 0x018, p, ""));
    add_line(fr, fields_line(6, 0, "10.0.0.1", "10.0.0.2", 1000, 80, 1001, 5031, 0, 0x010, p, ""));
    add_line(fr, fields_line(7, 0, "10.0.0.2", "10.0.0.1", 80, 1000, 5041, 1001, 5, 0x018, p, ""));
    if (late_ack)
        add_line(fr,
                 fields_line(8, 0, "10.0.0.1", "10.0.0.2", 1000, 80, 1001, 5046, 0, 0x010, p, ""));
    fx->cap.path = "hand-made";
    fx->cap.ours = fx->ours;
    fx->cap.frames = fr;
    vf_pair_streams(&fx->cap);
}

static void
fixture_clear(fixture *fx)
{
    vf_unpair_streams(&fx->cap);
    vf_frames_free(fx->cap.frames);
    if (fx->cap.follow != NULL)
        g_hash_table_unref(fx->cap.follow);
    if (fx->cap.flowfiles != NULL)
        g_ptr_array_unref(fx->cap.flowfiles);
    vf_ours_free(fx->ours);
}

/* tshark's follow of stream 0 with the server's bytes `server`. */
static void
set_follow(fixture *fx, const char *server_hex)
{
    g_autofree char *text =
        g_strdup_printf("===================================================================\n"
                        "Follow: tcp,raw\n"
                        "Filter: tcp.stream eq 0\n"
                        "Node 0: 10.0.0.1:1000\n"
                        "Node 1: 10.0.0.2:80\n"
                        "\t%s\n"
                        "===================================================================\n",
                        server_hex);
    vf_follow_parser *p = vf_follow_parser_new();
    feed(vf_follow_parser_line, p, text);
    fx->cap.follow = vf_follow_parser_finish(p, NULL);
}

/* "[10 bytes missing in capture file]" and its NUL, in hex. */
#define MISSING_10 "5b3130206279746573206d697373696e6720696e20636170747572652066696c655d00"
#define A10 "41414141414141414141"
#define B10 "42424242424242424242"

START_TEST(tshark_text_and_unacked_drop)
{
    fixture fx;
    fixture_init(&fx, false);
    set_follow(&fx, A10 MISSING_10 B10);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(vf_result_free);
    vf_compare_tshark(&fx.cap, out);
    ck_assert_uint_eq(out->len, 1);
    const vf_result *r = g_ptr_array_index(out, 0);
    ck_assert_int_eq(r->verdict, VF_EXPLAINED);
    ck_assert_str_eq(r->direction, "server");
    ck_assert_uint_eq(r->categories,
                      1u << VF_CAT_TSHARK_MISSING_TEXT | 1u << VF_CAT_TSHARK_DROPS_UNACKED);
    ck_assert_int_eq(r->first_diff, 10);
    g_autoptr(GString) line = g_string_new(NULL);
    vf_format_result(line, "x.pcap", r);
    ck_assert_str_eq(line->str,
                     "wrong tshark x.pcap stream 0 10.0.0.1:1000-10.0.0.2:80 server ours 25 "
                     "2db99f2937cc735f6e7f7d1ab8d357d6 tshark 55 "
                     "e4603fcfd3c6a08a81c7f59a80a74f56 first-difference 10 explained: "
                     "tshark-missing-text,tshark-drops-unacked -- data after the hole never "
                     "acknowledged: frame 7; tshark stops at the hole at offset 30");
    fixture_clear(&fx);
}
END_TEST

START_TEST(tshark_drop_needs_proof)
{
    fixture fx;
    fixture_init(&fx, true); /* frame 8 acknowledges "CCCCC" */
    set_follow(&fx, A10 MISSING_10 B10);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(vf_result_free);
    vf_compare_tshark(&fx.cap, out);
    ck_assert_uint_eq(out->len, 1);
    const vf_result *r = g_ptr_array_index(out, 0);
    ck_assert_int_eq(r->verdict, VF_UNEXPLAINED);
    ck_assert_str_eq(r->detail, "frame 8 acknowledges past the hole");
    fixture_clear(&fx);
}
END_TEST

START_TEST(tshark_same)
{
    fixture fx;
    fixture_init(&fx, false);
    /* a session whose bytes tshark shows exactly: same */
    vf_session *s = g_ptr_array_index(fx.ours->sessions, 0);
    g_byte_array_set_size(s->dir[TS_FROM_SERVER].payload, 10);
    g_array_set_size(s->dir[TS_FROM_SERVER].holes, 0);
    set_follow(&fx, A10);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(vf_result_free);
    vf_compare_tshark(&fx.cap, out);
    ck_assert_uint_eq(out->len, 1);
    const vf_result *r = g_ptr_array_index(out, 0);
    ck_assert_int_eq(r->verdict, VF_SAME);
    g_autoptr(GString) line = g_string_new(NULL);
    vf_format_result(line, "x.pcap", r);
    ck_assert_str_eq(line->str, "same tshark x.pcap stream 0 10.0.0.1:1000-10.0.0.2:80");
    fixture_clear(&fx);
}
END_TEST

static vf_flowfile *
flowfile(const char *name, const void *data, size_t len)
{
    vf_flowfile *f = g_new0(vf_flowfile, 1);
    ck_assert(vf_tcpflow_parse_name(name, f));
    f->data = g_bytes_new(data, len);
    return f;
}

START_TEST(tcpflow_zero_fill_and_trailer)
{
    fixture fx;
    fixture_init(&fx, false);
    uint8_t server[45] = {0};
    memcpy(server, "AAAAAAAAAA", 10);
    memcpy(server + 20, "BBBBBBBBBB", 10);
    memcpy(server + 40, "CCCCC", 5);
    uint8_t padding[6] = {0};
    fx.cap.flowfiles = g_ptr_array_new_with_free_func(vf_flowfile_free);
    g_ptr_array_add(fx.cap.flowfiles, flowfile("010.000.000.001.01000-010.000.000.002.00080",
                                               padding, sizeof padding));
    g_ptr_array_add(fx.cap.flowfiles,
                    flowfile("010.000.000.002.00080-010.000.000.001.01000", server, sizeof server));
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(vf_result_free);
    vf_compare_tcpflow(&fx.cap, out);
    ck_assert_uint_eq(out->len, 2);
    const vf_result *c = g_ptr_array_index(out, 0);
    ck_assert_str_eq(c->direction, "client");
    ck_assert_int_eq(c->verdict, VF_EXPLAINED);
    ck_assert_uint_eq(c->categories, 1u << VF_CAT_TCPFLOW_TRAILER);
    const vf_result *s = g_ptr_array_index(out, 1);
    ck_assert_str_eq(s->direction, "server");
    ck_assert_int_eq(s->verdict, VF_EXPLAINED);
    ck_assert_uint_eq(s->categories, 1u << VF_CAT_TCPFLOW_ZERO_FILL);
    ck_assert_str_eq(s->other_name, "010.000.000.002.00080-010.000.000.001.01000");

    /* a byte tcpflow has that the model cannot explain */
    server[44] = 'X';
    g_ptr_array_remove_index(fx.cap.flowfiles, 1);
    g_ptr_array_add(fx.cap.flowfiles,
                    flowfile("010.000.000.002.00080-010.000.000.001.01000", server, sizeof server));
    g_ptr_array_set_size(out, 0);
    vf_compare_tcpflow(&fx.cap, out);
    s = g_ptr_array_index(out, 1);
    ck_assert_int_eq(s->verdict, VF_UNEXPLAINED);
    ck_assert_str_eq(s->detail, "tcpflow's file differs from the model at 44");
    fixture_clear(&fx);
}
END_TEST

/* ---- totals and names ----------------------------------------------- */

START_TEST(totals_count_sessions_once)
{
    ts_endpoint ep[2];
    vf_endpoint_parse("10.0.0.1:1", &ep[0]);
    vf_endpoint_parse("10.0.0.2:2", &ep[1]);
    g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func(vf_result_free);
    g_ptr_array_add(results, vf_result_new(VF_TOOL_TSHARK, 0, 0, ep));
    vf_result *a = vf_result_new(VF_TOOL_TSHARK, 1, 1, ep);
    vf_result_set_verdict(a, true, 1u << VF_CAT_TSHARK_MISSING_TEXT, NULL);
    vf_result *b = vf_result_new(VF_TOOL_TSHARK, 1, 1, ep);
    vf_result_set_verdict(b, false, 0, g_strdup("?"));
    g_ptr_array_add(results, a);
    g_ptr_array_add(results, b);
    vf_result *c = vf_result_new(VF_TOOL_TCPFLOW, 1, -1, ep);
    vf_result_set_verdict(c, true, 1u << VF_CAT_TCPFLOW_TRAILER, NULL);
    g_ptr_array_add(results, c);
    vf_totals t = {0};
    vf_totals_add(&t, results);
    ck_assert_uint_eq(t.sessions[VF_TOOL_TSHARK], 2);
    ck_assert_uint_eq(t.same[VF_TOOL_TSHARK], 1);
    ck_assert_uint_eq(t.unexplained[VF_TOOL_TSHARK], 1);
    ck_assert_uint_eq(t.explained[VF_TOOL_TSHARK], 0);
    ck_assert_uint_eq(t.explained[VF_TOOL_TCPFLOW], 1);
    ck_assert_uint_eq(t.by_category[VF_TOOL_TCPFLOW][VF_CAT_TCPFLOW_TRAILER], 1);
    for (int cat = 0; cat < VF_CAT_COUNT_; cat++)
        ck_assert_str_ne(vf_category_name((vf_category)cat), "unknown");
    ck_assert_str_eq(vf_category_name(VF_CAT_IP_FRAGMENTS), "ip-fragments-not-reassembled");
    ck_assert_str_eq(vf_category_name(VF_CAT_SAMPLED_HEADER), "sampled-packet-header");
}
END_TEST

static Suite *
verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("verify");
    tcase_add_test(tc, endpoints_parse_and_print);
    tcase_add_test(tc, first_difference_and_md5);
    tcase_add_test(tc, missing_text_has_its_nul);
    tcase_add_test(tc, tcpflow_names);
    tcase_add_test(tc, follow_output);
    tcase_add_test(tc, fields_lines);
    tcase_add_test(tc, json_payloads);
    tcase_add_test(tc, tshark_text_and_unacked_drop);
    tcase_add_test(tc, tshark_drop_needs_proof);
    tcase_add_test(tc, tshark_same);
    tcase_add_test(tc, tcpflow_zero_fill_and_trailer);
    tcase_add_test(tc, totals_count_sessions_once);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(verify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
