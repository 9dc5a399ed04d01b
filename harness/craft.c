/*
 * craft.c — tcpsession-craft: writes the demo capture OUTDIR/sample.pcap.
 *
 * A small Ethernet pcap (microsecond timestamps from 2024-01-01 00:00:00
 * UTC) with a handful of HTTP-like sessions, each showing one thing the
 * engine must get right. data/README.md describes them stream by stream;
 * data/sample.expected.jsonl is what `tcpsession extract --format jsonl`
 * prints for the file. Everything is fixed (addresses, ports, ISNs,
 * timestamps, bytes): running the command twice gives identical files, which
 * tests/e2e/data.sh checks.
 *
 * Gotchas: each session gets its own pb_conn whose clock starts at the
 * session's own second; pb_conn_send_at() does not advance sequence
 * numbers, pb_conn_send() does.
 */
#include "byteorder.h"
#include "craft.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char request_fmt[] = "GET %s HTTP/1.1\r\nHost: www.example.test\r\n\r\n";

/* A conversation on the shared writer, its clock at second `second`. */
static pb_conn *
conversation(pb_writer *w, int family, const char *client, uint16_t cport, const char *server,
             uint32_t client_isn, uint32_t server_isn, int second)
{
    pb_conn *c = pb_conn_new(w, TS_LINKTYPE_ETHERNET, family, client, cport, server, 80, client_isn,
                             server_isn);
    pb_conn_set_time(c, T_2024 + second * SECOND);
    return c;
}

static void
send_text(pb_conn *c, int from, const char *text)
{
    pb_conn_send(c, from, text, strlen(text));
}

static void
send_request(pb_conn *c, const char *path)
{
    char buf[256];
    g_snprintf(buf, sizeof buf, request_fmt, path);
    send_text(c, CLIENT, buf);
}

/* FIN from the client, FIN from the server, last ACK. */
void
close_conversation(pb_conn *c)
{
    pb_conn_fin(c, CLIENT);
    pb_conn_fin(c, SERVER);
    pb_conn_ack(c, CLIENT);
}

/* Stream 0: a clean request and a response in two segments. */
static void
session_clean(pb_writer *w)
{
    pb_conn *c = conversation(w, 4, "192.168.1.10", 50000, "192.168.1.20", 1000000, 2000000, 0);
    pb_conn_handshake(c);
    send_request(c, "/index.html");
    send_text(c, SERVER,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n");
    send_text(c, SERVER, "Hello, world!");
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Stream 1: the request is retransmitted; the response's three segments
 * arrive 2, 1, 1 again, 3. */
static void
session_reordered(pb_writer *w)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n";
    static const char body1[] = "first half, ";
    static const char body2[] = "second half.";
    pb_conn *c = conversation(w, 4, "192.168.1.10", 50001, "192.168.1.20", 3000000, 4000000, 1);
    pb_conn_handshake(c);
    char req[256];
    g_snprintf(req, sizeof req, request_fmt, "/reorder");
    pb_conn_send_at(c, CLIENT, 0, req, strlen(req), 0); /* retransmitted below */
    send_text(c, CLIENT, req);
    uint32_t h = (uint32_t)strlen(head), b1 = (uint32_t)strlen(body1);
    pb_conn_send_at(c, SERVER, h, body1, b1, 0);
    pb_conn_send_at(c, SERVER, 0, head, h, 0);
    pb_conn_send_at(c, SERVER, 0, head, h, 0);
    pb_conn_send_at(c, SERVER, h + b1, body2, strlen(body2), 0);
    pb_conn_set_next_seq(c, SERVER, pb_conn_next_seq(c, SERVER) + h + b1 + (uint32_t)strlen(body2));
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Stream 2: a retransmission of the status line carries different bytes;
 * the first copy wins and the conflict is reported. */
static void
session_conflict(pb_writer *w)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nallowed";
    static const char forged[] = "HTTP/1.1 403 NO";
    pb_conn *c = conversation(w, 4, "192.168.1.10", 50002, "192.168.1.20", 5000000, 6000000, 2);
    pb_conn_handshake(c);
    send_request(c, "/conflict");
    send_text(c, SERVER, resp);
    pb_conn_send_at(c, SERVER, 0, forged, strlen(forged), 0);
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Stream 3: a clean exchange over IPv6. */
static void
session_ipv6(pb_writer *w)
{
    pb_conn *c = conversation(w, 6, "2001:db8::10", 50003, "2001:db8::20", 7000000, 8000000, 3);
    pb_conn_handshake(c);
    send_request(c, "/v6");
    send_text(c, SERVER, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nIPv6");
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Stream 4: picked up mid-stream (no handshake): the second request of a
 * kept-alive connection. */
static void
session_midstream(pb_writer *w)
{
    pb_conn *c = conversation(w, 4, "192.168.1.10", 50004, "192.168.1.20", 9000000, 10000000, 4);
    pb_conn_set_next_seq(c, CLIENT, 9000000 + 1 + 500); /* 500 bytes before the capture */
    pb_conn_set_next_seq(c, SERVER, 10000000 + 1 + 2000);
    send_request(c, "/second");
    send_text(c, SERVER, "HTTP/1.1 204 No Content\r\n\r\n");
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Stream 5: the middle segment of the response was never captured; the
 * client acknowledges all of it. */
static void
session_gap(pb_writer *w)
{
    static const char part1[] = "HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\n";
    static const char part2[] = "LOST-LOST-LOST-";
    static const char part3[] = "received";
    pb_conn *c = conversation(w, 4, "192.168.1.10", 50005, "192.168.1.20", 11000000, 12000000, 5);
    pb_conn_handshake(c);
    send_request(c, "/gap");
    send_text(c, SERVER, part1);
    pb_conn_set_next_seq(c, SERVER, pb_conn_next_seq(c, SERVER) + (uint32_t)strlen(part2));
    send_text(c, SERVER, part3);
    pb_conn_ack(c, CLIENT);
    close_conversation(c);
    pb_conn_free(c);
}

/* Streams 6 and 7: the same 4-tuple twice; the second SYN has a new ISN. */
static void
session_reuse(pb_writer *w)
{
    for (int i = 0; i < 2; i++) {
        uint32_t isn = 13000000 + 1000000 * (uint32_t)i;
        pb_conn *c =
            conversation(w, 4, "192.168.1.10", 50006, "192.168.1.20", isn, isn + 500000, 6 + i);
        pb_conn_handshake(c);
        send_request(c, i == 0 ? "/first-connection" : "/second-connection");
        send_text(c, SERVER,
                  i == 0 ? "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                         : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
        pb_conn_ack(c, CLIENT);
        close_conversation(c);
        pb_conn_free(c);
    }
}

/* ======================================================================== */
/* --cases: one capture per reassembly case                                 */
/* ======================================================================== */

/* Every case capture starts at 2024-01-02 00:00:00 UTC; session n of a file
 * starts n seconds later, its packets 1 ms apart. Client 10.1.0.1 (IPv6
 * 2001:db8:1::1) port 40000 + n, server 10.1.0.2 (2001:db8:1::2) port 80
 * unless a case says otherwise. Offsets in comments are relative to the
 * sender's ISN + 1; "fN" is frame N of the file (1-based). */

conv
case_conv_at(pb_writer *w, int linktype, int family, const char *client, uint16_t cport,
             const char *server, uint16_t sport, uint32_t cisn, uint32_t sisn, int second)
{
    conv k = {pb_conn_new(w, linktype, family, client, cport, server, sport, cisn, sisn),
              {cisn, sisn}};
    pb_conn_set_time(k.c, T_CASES + second * SECOND);
    return k;
}

/* Session `n` of a file: the standard addresses and ports, ISNs CISN/SISN
 * (plus n * 1000 so no two sessions of a file share them). */
conv
case_conv(pb_writer *w, int linktype, int family, int n)
{
    uint32_t add = (uint32_t)n * 1000u;
    return case_conv_at(w, linktype, family, family == 6 ? "2001:db8:1::1" : "10.1.0.1",
                        (uint16_t)(40000 + n), family == 6 ? "2001:db8:1::2" : "10.1.0.2", 80,
                        CISN + add, SISN + add, n);
}

/* A segment template from `from` at relative offset `rel` carrying `len`
 * bytes of `data`; flags 0 means PSH|ACK. Tweak it and emit it with
 * pb_conn_write(); the conversation's sequence numbers do not change. */
pb_tcp
seg_rel(const conv *k, int from, uint32_t rel, uint8_t flags, const void *data, size_t len)
{
    pb_tcp seg;
    pb_conn_template(k->c, from, &seg);
    seg.seq = k->isn[from] + 1 + rel;
    seg.flags = flags ? flags : TS_TCP_PSH | TS_TCP_ACK;
    seg.payload = data;
    seg.len = len;
    return seg;
}

/* Text at relative offset `rel` (PSH|ACK); the sequence state is unchanged. */
void
text_at(const conv *k, int from, uint32_t rel, const char *text)
{
    pb_conn_send_at(k->c, from, rel, text, strlen(text), 0);
}

/* Text at the side's next sequence number, which then advances. */
void
text(const conv *k, int from, const char *s)
{
    pb_conn_send(k->c, from, s, strlen(s));
}

/* Moves side `from`'s next sequence number to relative offset `rel`. */
void
next_rel(const conv *k, int from, uint32_t rel)
{
    pb_conn_set_next_seq(k->c, from, k->isn[from] + 1 + rel);
}

/* One packet with `flags` from `from` at its next sequence number (at its
 * ISN for a SYN; a SYN without ACK acknowledges nothing), carrying `s` (or
 * nothing), decorated by `dc` (may be NULL); the sequence number then
 * advances past the data and a FIN. */
void
dsend(const conv *k, const decor *dc, int from, uint8_t flags, const char *s)
{
    pb_tcp seg;
    pb_conn_template(k->c, from, &seg);
    if (flags & TS_TCP_SYN)
        seg.seq = k->isn[from];
    if ((flags & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN)
        seg.ack = 0;
    seg.flags = flags;
    seg.payload = s;
    seg.len = s != NULL ? strlen(s) : 0;
    if (dc != NULL) {
        seg.vlan_tags = dc->vlan[from];
        seg.vlan_qinq = dc->qinq[from];
        seg.ip6_ext = dc->ext[from];
        seg.ip6_ext_len = dc->ext_len[from];
        seg.ip6_ext_first = dc->ext_first[from];
    }
    pb_conn_write(k->c, &seg);
    uint32_t adv = (uint32_t)seg.len + ((flags & TS_TCP_FIN) ? 1u : 0u);
    pb_conn_set_next_seq(k->c, from, pb_conn_next_seq(k->c, from) + adv);
}

void
flags_send(const conv *k, int from, uint8_t flags, const char *s)
{
    dsend(k, NULL, from, flags, s);
}

/* Eight packets: SYN, SYN-ACK, ACK, request, response, FIN, FIN, ACK. */
void
scripted_session(conv *k, const decor *dc, const char *request, const char *response)
{
    dsend(k, dc, CLIENT, TS_TCP_SYN, NULL);
    dsend(k, dc, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
    dsend(k, dc, CLIENT, TS_TCP_ACK, NULL);
    dsend(k, dc, CLIENT, TS_TCP_PSH | TS_TCP_ACK, request);
    dsend(k, dc, SERVER, TS_TCP_PSH | TS_TCP_ACK, response);
    dsend(k, dc, CLIENT, TS_TCP_FIN | TS_TCP_ACK, NULL);
    dsend(k, dc, SERVER, TS_TCP_FIN | TS_TCP_ACK, NULL);
    dsend(k, dc, CLIENT, TS_TCP_ACK, NULL);
    pb_conn_free(k->c);
    k->c = NULL;
}

/* FIN from the client, FIN from the server, last ACK; frees the conversation. */
void
case_close(conv *k)
{
    close_conversation(k->c);
    pb_conn_free(k->c);
    k->c = NULL;
}

char *
case_path(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* ---- tcp-a: three overlapping or duplicate segments in every order ---- */

typedef struct {
    uint32_t off;
    const char *data;
} case_seg;

/* X: conflicting copies (true bytes "abcdefghijk"; Q says X at 4, R says Z
 * at 6). Y: a duplicate and an identical overlap. Z: same starts and a
 * containing segment, with conflicts at 3 (B) and 4-5 (B vs C). */
static const case_seg overlap_x[3] = {{0, "abcdef"}, {2, "cdXfgh"}, {5, "fZhijk"}};
static const case_seg overlap_y[3] = {{0, "abcdef"}, {0, "abcdef"}, {3, "defghi"}};
static const case_seg overlap_z[3] = {{0, "abcd"}, {0, "abcDEFgh"}, {4, "efgh"}};
static const int orders6[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
static const int orders_y[3][3] = {{0, 1, 2}, {2, 0, 1}, {0, 2, 1}};

/* Session n: handshake (3 frames), the three client segments in `order`,
 * FIN/FIN/ACK at the end of the covered range. */
static void
overlap_session(pb_writer *w, int n, const case_seg *set, const int *order)
{
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, n);
    pb_conn_handshake(k.c);
    uint32_t end = 0;
    for (int i = 0; i < 3; i++) {
        const case_seg *s = &set[order[i]];
        text_at(&k, CLIENT, s->off, s->data);
        end = MAX(end, s->off + (uint32_t)strlen(s->data));
    }
    next_rel(&k, CLIENT, end);
    case_close(&k);
}

static void
case_tcp_a(const char *dir)
{
    char *path = case_path(dir, "tcp-a-overlap-orders.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    int n = 0;
    for (int i = 0; i < 6; i++)
        overlap_session(w, n++, overlap_x, orders6[i]);
    for (int i = 0; i < 3; i++)
        overlap_session(w, n++, overlap_y, orders_y[i]);
    for (int i = 0; i < 6; i++)
        overlap_session(w, n++, overlap_z, orders6[i]);
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-b: segments ahead of the expected sequence number ---------- */

static void
case_tcp_b(const char *dir)
{
    static const char *const part[4] = {"GET /ahead HTTP/1.1\r\n", "Host: www.example.test\r\n",
                                        "Accept: */*\r\n", "\r\n"};
    char *path = case_path(dir, "tcp-b-ahead-of-seq.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(k.c); /* f1-3 */
    uint32_t off[5] = {0};
    for (int i = 0; i < 4; i++)
        off[i + 1] = off[i] + (uint32_t)strlen(part[i]);
    /* the request's parts arrive 3, 4, 1, 2 (f4-7) */
    static const int order[4] = {2, 3, 0, 1};
    for (int i = 0; i < 4; i++)
        text_at(&k, CLIENT, off[order[i]], part[order[i]]);
    next_rel(&k, CLIENT, off[4]);
    /* the response: a 41-byte head, 1000 body bytes, a 40-byte tail; the
     * tail arrives first, 1041 bytes ahead (f8), then the head (f9), then
     * the body (f10) */
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 1040\r\n\r\n";
    uint8_t body[1040];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)('a' + i % 26);
    memset(body + 1000, 'Z', 40);
    uint32_t h = (uint32_t)strlen(head);
    pb_conn_send_at(k.c, SERVER, h + 1000, body + 1000, 40, 0);
    pb_conn_send_at(k.c, SERVER, 0, head, h, 0);
    pb_conn_send_at(k.c, SERVER, h, body, 1000, 0);
    next_rel(&k, SERVER, h + 1040);
    pb_conn_ack(k.c, CLIENT); /* f11 */
    case_close(&k);           /* f12-14 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-c: segments partly outside the receiver's window ----------- */

static void
case_tcp_c(const char *dir)
{
    char *path = case_path(dir, "tcp-c-partly-outside-window.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    uint8_t data[320];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('A' + i % 26);
    pb_tcp seg = seg_rel(&k, CLIENT, 0, TS_TCP_SYN, NULL, 0); /* f1 */
    seg.seq = k.isn[CLIENT];
    seg.ack = 0;
    pb_conn_write(k.c, &seg);
    seg = seg_rel(&k, SERVER, 0, TS_TCP_SYN | TS_TCP_ACK, NULL, 0); /* f2: window 64 */
    seg.seq = k.isn[SERVER];
    seg.window = 64;
    pb_conn_write(k.c, &seg);
    pb_conn_ack(k.c, CLIENT); /* f3 */
    /* f4: 200 bytes into a 64-byte window (136 beyond its right edge) */
    pb_conn_send_at(k.c, CLIENT, 0, data, 200, 0);
    next_rel(&k, CLIENT, 200);
    seg = seg_rel(&k, SERVER, 0, TS_TCP_ACK, NULL, 0); /* f5: acks 200, window 64 */
    seg.window = 64;
    pb_conn_write(k.c, &seg);
    /* f6: 100 bytes from 150: the first 50 are left of the window (old,
     * identical), the last 50 new */
    pb_conn_send_at(k.c, CLIENT, 150, data + 150, 100, 0);
    next_rel(&k, CLIENT, 250);
    seg = seg_rel(&k, SERVER, 0, TS_TCP_ACK, NULL, 0); /* f7: acks 250, window 0 */
    seg.window = 0;
    pb_conn_write(k.c, &seg);
    /* f8: 70 bytes into the zero window */
    pb_conn_send_at(k.c, CLIENT, 250, data + 250, 70, 0);
    next_rel(&k, CLIENT, 320);
    text(&k, SERVER, "ok"); /* f9: acks 320 */
    case_close(&k);         /* f10-12 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-d: invalid flag combinations ------------------------------- */

static void
case_tcp_d(const char *dir)
{
    char *path = case_path(dir, "tcp-d-invalid-flags.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    /* stream 0: the handshake SYN also carries FIN (f1); the server answers
     * normally, sends a banner and its FIN (f2-5) */
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    flags_send(&a, CLIENT, TS_TCP_SYN | TS_TCP_FIN, NULL); /* FIN at offset 0 */
    next_rel(&a, CLIENT, 0);                               /* the server ignores that FIN */
    flags_send(&a, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
    flags_send(&a, CLIENT, TS_TCP_ACK, NULL);
    text(&a, SERVER, "banner");
    pb_conn_fin(a.c, SERVER);
    pb_conn_free(a.c);
    /* stream 1: SYN+RST (f6), nothing else */
    conv b = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 1);
    flags_send(&b, CLIENT, TS_TCP_SYN | TS_TCP_RST, NULL);
    pb_conn_free(b.c);
    /* stream 2: a data segment without any flag between two normal ones
     * (f10-12) */
    conv d = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 2);
    pb_conn_handshake(d.c); /* f7-9 */
    text(&d, CLIENT, "abc");
    flags_send(&d, CLIENT, 0, "def");
    text(&d, CLIENT, "ghi");
    case_close(&d); /* f13-15 */
    /* stream 3: a NULL-scan probe (no flags, no data, f16) answered by
     * RST|ACK (f17) */
    conv e = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 3);
    flags_send(&e, CLIENT, 0, NULL);
    pb_conn_rst(e.c, SERVER);
    pb_conn_free(e.c);
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-e: SYN after established ----------------------------------- */

static void
case_tcp_e(const char *dir)
{
    char *path = case_path(dir, "tcp-e-syn-after-established.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    /* stream 0: established, data both ways (f1-5); a late copy of its own
     * SYN (same ISN, f6) is a retransmission; more data (f7) */
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(a.c);
    text(&a, CLIENT, "abc");
    text(&a, SERVER, "def");
    flags_send(&a, CLIENT, TS_TCP_SYN, NULL);
    text(&a, CLIENT, "ghi");
    pb_conn_free(a.c);
    /* stream 1: a SYN with a new ISN on the same 4-tuple, one second later
     * (f8-10), data (f11, f12); then the server sends a SYN-ACK with yet
     * another ISN inside the session (f13), more data (f14), FIN/FIN/ACK
     * (f15-17) */
    conv b = case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", 40000, "10.1.0.2", 80,
                          CISN + 777777u, SISN + 777777u, 1);
    pb_conn_handshake(b.c);
    text(&b, CLIENT, "new");
    text(&b, SERVER, "data");
    pb_tcp seg = seg_rel(&b, SERVER, 0, TS_TCP_SYN | TS_TCP_ACK, NULL, 0);
    seg.seq = b.isn[SERVER] + 123456u;
    pb_conn_write(b.c, &seg);
    text(&b, SERVER, "more");
    case_close(&b);
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-f: urgent data --------------------------------------------- */

static void
case_tcp_f(const char *dir)
{
    char *path = case_path(dir, "tcp-f-urgent.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k =
        case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", 40000, "10.1.0.2", 23, CISN, SISN, 0);
    pb_conn_handshake(k.c);     /* f1-3 */
    text(&k, CLIENT, "ls\r\n"); /* f4 */
    /* f5: a telnet "Synch": IAC IP (ff f4), then IAC DM (ff f2) with URG and
     * urgent pointer 4, so the urgent byte is the DM at offset 4 + 4 - 1 */
    static const char synch[] = "\xff\xf4\xff\xf2";
    pb_tcp seg = seg_rel(&k, CLIENT, 4, TS_TCP_URG | TS_TCP_PSH | TS_TCP_ACK, synch, 4);
    seg.urgent = 4;
    pb_conn_write(k.c, &seg);
    next_rel(&k, CLIENT, 8);
    text(&k, CLIENT, "pwd\r\n");   /* f6 */
    text(&k, SERVER, "/home\r\n"); /* f7 */
    /* f8: the server's one-byte urgent message "!" at offset 7 */
    seg = seg_rel(&k, SERVER, 7, TS_TCP_URG | TS_TCP_PSH | TS_TCP_ACK, "!", 1);
    seg.urgent = 1;
    pb_conn_write(k.c, &seg);
    next_rel(&k, SERVER, 8);
    case_close(&k); /* f9-11 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-g: RST, then the 4-tuple reused with new sequence numbers --- */

static void
case_tcp_g(const char *dir)
{
    char *path = case_path(dir, "tcp-g-rst-then-reuse.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(a.c);        /* f1-3 */
    text(&a, CLIENT, "abc");       /* f4 */
    text(&a, SERVER, "def");       /* f5 */
    pb_conn_rst(a.c, SERVER);      /* f6 */
    text_at(&a, CLIENT, 0, "abc"); /* f7: a retransmission after the RST */
    pb_conn_free(a.c);
    conv b = case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", 40000, "10.1.0.2", 80,
                          CISN + 500000u, SISN + 500000u, 1);
    pb_conn_handshake(b.c);  /* f8-10 */
    text(&b, CLIENT, "xyz"); /* f11 */
    text(&b, SERVER, "uvw"); /* f12 */
    case_close(&b);          /* f13-15 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-h: bad TCP and IP checksums -------------------------------- */

/* Emits `seg` with a wrong IPv4 header checksum (the TCP checksum right). */
static void
write_bad_ip_checksum(pb_writer *w, conv *k, const pb_tcp *seg)
{
    static uint8_t frame[PB_MAX_FRAME];
    size_t n = pb_build_tcp(TS_LINKTYPE_ETHERNET, seg, frame, sizeof frame);
    size_t ip = pb_ip_offset(TS_LINKTYPE_ETHERNET, frame, n);
    frame[ip + 11] ^= 0x5a; /* header checksum, low byte */
    int64_t t = pb_conn_time(k->c);
    pb_pcap_write(w, t, frame, (uint32_t)n);
    pb_conn_set_time(k->c, t + SECOND / 1000);
}

static void
case_tcp_h(const char *dir)
{
    char *path = case_path(dir, "tcp-h-bad-checksums.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(k.c);                            /* f1-3 */
    pb_tcp seg = seg_rel(&k, CLIENT, 0, 0, "EVIL", 4); /* f4: bad TCP checksum */
    seg.bad_checksum = true;
    pb_conn_write(k.c, &seg);
    text_at(&k, CLIENT, 0, "GOOD"); /* f5 */
    next_rel(&k, CLIENT, 4);
    seg = seg_rel(&k, SERVER, 0, 0, "ok", 2); /* f6: bad TCP checksum, same bytes */
    seg.bad_checksum = true;
    pb_conn_write(k.c, &seg);
    text(&k, SERVER, "ok");                     /* f7 */
    seg = seg_rel(&k, CLIENT, 4, 0, "FAKE", 4); /* f8: bad IPv4 header checksum */
    write_bad_ip_checksum(w, &k, &seg);
    text(&k, CLIENT, "MORE"); /* f9 */
    case_close(&k);           /* f10-12 */
    /* stream 1 (IPv6): the first SYN has a bad checksum (f13), then the
     * real handshake with the same ISN (f14-16), data, FIN/FIN/ACK */
    conv v = case_conv(w, TS_LINKTYPE_ETHERNET, 6, 1);
    seg = seg_rel(&v, CLIENT, 0, TS_TCP_SYN, NULL, 0);
    seg.seq = v.isn[CLIENT];
    seg.ack = 0;
    seg.bad_checksum = true;
    pb_conn_write(v.c, &seg);
    pb_conn_handshake(v.c);
    text(&v, CLIENT, "v6"); /* f17 */
    case_close(&v);         /* f18-20 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-i: sequence numbers wrap ----------------------------------- */

static void
case_tcp_i(const char *dir)
{
    char *path = case_path(dir, "tcp-i-seq-wrap.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", 40000, "10.1.0.2", 80,
                          0xFFFFFFF0u, 0xFFFFFFFFu, 0);
    pb_conn_handshake(k.c);                /* f1-3 */
    text_at(&k, CLIENT, 0, "0123456789");  /* f4: seq 0xFFFFFFF1-0xFFFFFFFA */
    text_at(&k, CLIENT, 20, "klmnopqrst"); /* f5: seq 5-14, after the wrap */
    text_at(&k, CLIENT, 10, "abcdefghij"); /* f6: seq 0xFFFFFFFB-4, across it */
    next_rel(&k, CLIENT, 30);
    text(&k, SERVER, "hello"); /* f7: seq 0 */
    text(&k, SERVER, "world"); /* f8 */
    case_close(&k);            /* f9-11 */
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-j: handshake SYN carrying other flags ---------------------- */

static void
case_tcp_j(const char *dir)
{
    static const uint8_t extra[4] = {TS_TCP_ECE | TS_TCP_CWR, TS_TCP_PSH, TS_TCP_URG, TS_TCP_ECE};
    char *path = case_path(dir, "tcp-j-syn-with-other-flags.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    for (int i = 0; i < 4; i++) {
        conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, i);
        flags_send(&k, CLIENT, TS_TCP_SYN | extra[i], NULL);
        flags_send(&k, SERVER, TS_TCP_SYN | TS_TCP_ACK | (extra[i] & TS_TCP_ECE), NULL);
        flags_send(&k, CLIENT, TS_TCP_ACK, NULL);
        text(&k, CLIENT, "req");
        text(&k, SERVER, "resp");
        case_close(&k);
    }
    pb_pcap_close(w);
    g_free(path);
}

/* ---- tcp-k: 20,000 reversed 1-byte segments (gzip-compressed pcap) --- */

enum { REVERSED_N = 20000 };

typedef struct {
    gzFile gz;
    const char *path;
} gz_pcap;

void
die(const char *what, const char *path)
{
    fprintf(stderr, "tcpsession-craft: %s: %s\n", path, what);
    exit(1);
}

static void
gz_write(gz_pcap *g, const void *p, size_t n)
{
    if (gzwrite(g->gz, p, (unsigned)n) != (int)n)
        die("gzip write failed", g->path);
}

/* pb_conn sink: one classic pcap record (microseconds). */
static void
gz_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    uint8_t rec[16];
    pb_put32le(rec, (uint32_t)(ts_ns / SECOND));
    pb_put32le(rec + 4, (uint32_t)(ts_ns % SECOND / 1000));
    pb_put32le(rec + 8, len);
    pb_put32le(rec + 12, len);
    gz_write(user, rec, sizeof rec);
    gz_write(user, frame, len);
}

static void
case_tcp_k(const char *dir)
{
    char *path = case_path(dir, "tcp-k-reversed-1-byte.pcap.gz");
    gz_pcap g = {gzopen(path, "wb9"), path};
    if (g.gz == NULL)
        die("cannot create", path);
    uint8_t hdr[24];
    pb_put32le(hdr, 0xa1b2c3d4u);
    pb_put16le(hdr + 4, 2);
    pb_put16le(hdr + 6, 4);
    pb_put32le(hdr + 8, 0);
    pb_put32le(hdr + 12, 0);
    pb_put32le(hdr + 16, 262144);
    pb_put32le(hdr + 20, TS_LINKTYPE_RAW);
    gz_write(&g, hdr, sizeof hdr);
    conv k = case_conv(NULL, TS_LINKTYPE_RAW, 4, 0);
    pb_conn_set_sink(k.c, gz_sink, &g);
    pb_conn_handshake(k.c); /* f1-3 */
    for (uint32_t i = REVERSED_N; i-- > 0;) {
        uint8_t b = (uint8_t)(i * 7 + i / 251);
        pb_conn_send_at(k.c, CLIENT, i, &b, 1, 0); /* f4 (byte 19999) .. f20003 (byte 0) */
    }
    next_rel(&k, CLIENT, REVERSED_N);
    case_close(&k); /* f20004-20006 */
    if (gzclose(g.gz) != Z_OK)
        die("gzip close failed", path);
    g_free(path);
}

/* ---- gaps, SYN/RST data, data after FIN, mid-stream ------------------ */

static void
case_gap_never_filled(const char *dir)
{
    char *path = case_path(dir, "gap-never-filled.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(k.c);           /* f1-3 */
    text(&k, CLIENT, "abcde");        /* f4 */
    text_at(&k, CLIENT, 10, "klmno"); /* f5: bytes 5-9 never sent */
    text(&k, SERVER, "ok");           /* f6: acknowledges 5 */
    pb_conn_rst(k.c, SERVER);         /* f7: still acknowledges 5 */
    pb_conn_free(k.c);
    pb_pcap_close(w);
    g_free(path);
}

static void
case_syn_with_data(const char *dir)
{
    char *path = case_path(dir, "syn-with-data.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    flags_send(&k, CLIENT, TS_TCP_SYN, "hello");           /* f1 (TCP Fast Open style) */
    flags_send(&k, SERVER, TS_TCP_SYN | TS_TCP_ACK, "hi"); /* f2 */
    flags_send(&k, CLIENT, TS_TCP_ACK, NULL);              /* f3 */
    text(&k, CLIENT, " world");                            /* f4 */
    text(&k, SERVER, "!");                                 /* f5 */
    case_close(&k);                                        /* f6-8 */
    pb_pcap_close(w);
    g_free(path);
}

static void
case_rst_with_data(const char *dir)
{
    static const char why[] = "connection reset by policy";
    char *path = case_path(dir, "rst-with-data.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(k.c);                     /* f1-3 */
    text(&k, CLIENT, "GET / HTTP/1.1\r\n\r\n"); /* f4 */
    text(&k, SERVER, "HTTP/1.1 200 OK\r\n");    /* f5: 17 bytes */
    pb_tcp seg = seg_rel(&k, SERVER, 17, TS_TCP_RST | TS_TCP_ACK, why, strlen(why)); /* f6 */
    pb_conn_write(k.c, &seg);
    pb_conn_free(k.c);
    pb_pcap_close(w);
    g_free(path);
}

static void
case_data_after_fin(const char *dir)
{
    char *path = case_path(dir, "data-after-fin.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(a.c);         /* f1-3 */
    text(&a, CLIENT, "abc");        /* f4 */
    pb_conn_fin(a.c, CLIENT);       /* f5: FIN at 3 */
    text_at(&a, CLIENT, 3, "xyz");  /* f6: beyond the FIN */
    text_at(&a, CLIENT, 1, "bcde"); /* f7: "bc" old, "de" beyond the FIN */
    text_at(&a, CLIENT, 0, "abc");  /* f8: an ordinary retransmission */
    pb_conn_fin(a.c, SERVER);       /* f9 */
    pb_conn_ack(a.c, CLIENT);       /* f10 */
    pb_conn_free(a.c);
    /* stream 1: bytes buffered beyond a FIN that arrives after them */
    conv b = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 1);
    pb_conn_handshake(b.c);           /* f11-13 */
    text_at(&b, CLIENT, 10, "later"); /* f14 */
    text(&b, CLIENT, "abc");          /* f15 */
    pb_conn_fin(b.c, CLIENT);         /* f16: FIN at 3 */
    pb_conn_fin(b.c, SERVER);         /* f17 */
    pb_conn_ack(b.c, CLIENT);         /* f18 */
    pb_conn_free(b.c);
    pb_pcap_close(w);
    g_free(path);
}

static void
case_midstream(const char *dir)
{
    char *path = case_path(dir, "midstream.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    /* stream 0: no handshake; the server speaks first (f1-4) */
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    text(&a, SERVER, "220 ready\r\n");
    text(&a, CLIENT, "HELO x\r\n");
    text(&a, SERVER, "250 ok\r\n");
    pb_conn_ack(a.c, CLIENT);
    pb_conn_free(a.c);
    /* stream 1: the SYN was missed; the SYN-ACK comes from the high port
     * (an active-mode FTP data connection from 10.1.0.2:20), f5-10 */
    conv b = case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "10.1.0.2", 20, "10.1.0.1", 40001,
                          CISN + 1000u, SISN + 1000u, 1);
    flags_send(&b, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
    flags_send(&b, CLIENT, TS_TCP_ACK, NULL);
    text(&b, CLIENT, "file contents\n");
    case_close(&b);
    /* stream 2: the server acknowledges the client's offset 0 (f11); the
     * client's first captured bytes are at offset 10 (f12) */
    conv d = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 2);
    text(&d, SERVER, "hello");
    text_at(&d, CLIENT, 10, "xyz");
    pb_conn_free(d.c);
    pb_pcap_close(w);
    g_free(path);
}

/* ---- link layers, addresses, snap length ------------------------------ */

static void
case_same_host(const char *dir)
{
    char *path = case_path(dir, "same-host.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv a = case_conv_at(w, TS_LINKTYPE_ETHERNET, 4, "127.0.0.1", 40000, "127.0.0.1", 80, CISN,
                          SISN, 0);
    pb_conn_handshake(a.c);
    text(&a, CLIENT, "ping");
    text(&a, SERVER, "pong");
    text(&a, CLIENT, "!");
    case_close(&a);
    conv b = case_conv_at(w, TS_LINKTYPE_ETHERNET, 6, "::1", 40001, "::1", 8080, CISN, SISN, 1);
    pb_conn_handshake(b.c);
    text(&b, CLIENT, "ping6");
    text(&b, SERVER, "pong6");
    case_close(&b);
    pb_pcap_close(w);
    g_free(path);
}

static void
case_snaplen_cut(const char *dir)
{
    char *path = case_path(dir, "snaplen-cut.pcap");
    /* 54 header bytes + 20 payload bytes captured per frame */
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 74);
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(k.c);                                       /* f1-3 */
    text(&k, CLIENT, "0123456789ABCDEFGHIJabcdefghijklmnopqrst"); /* f4: 40 bytes, 20 kept */
    text(&k, CLIENT, "KLMNOPQRST");                               /* f5 */
    text(&k, SERVER, "ok");                                       /* f6: acknowledges 50 */
    case_close(&k);                                               /* f7-9 */
    pb_pcap_close(w);
    g_free(path);
}

static void
case_ipv6_ext_headers(const char *dir)
{
    /* client packets: Hop-by-Hop (PadN) -> Routing (type 0, segments left
     * 0) -> Destination Options (PadN) -> TCP; server packets: Destination
     * Options -> TCP */
    static const uint8_t chain[24] = {43, 0, 1, 4, 0, 0, 0, 0, 60, 0, 0, 0,
                                      0,  0, 0, 0, 6, 0, 1, 4, 0,  0, 0, 0};
    static const uint8_t dstopt[8] = {6, 0, 1, 4, 0, 0, 0, 0};
    char *path = case_path(dir, "ipv6-ext-headers.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    decor dc = {.ext = {chain, dstopt}, .ext_len = {24, 8}, .ext_first = {0, 60}};
    conv k = case_conv(w, TS_LINKTYPE_ETHERNET, 6, 0);
    scripted_session(&k, &dc, "GET /v6-ext HTTP/1.1\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n");
    pb_pcap_close(w);
    g_free(path);
}

static void
case_vlan_qinq(const char *dir)
{
    char *path = case_path(dir, "vlan-qinq.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    /* stream 0: 802.1ad outer tag + 802.1Q inner tag both ways (IPv4) */
    decor qinq = {.vlan = {2, 2}, .qinq = {true, true}};
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    scripted_session(&a, &qinq, "qinq request", "qinq response");
    /* stream 1: one 802.1Q tag both ways (IPv6) */
    decor one = {.vlan = {1, 1}};
    conv b = case_conv(w, TS_LINKTYPE_ETHERNET, 6, 1);
    scripted_session(&b, &one, "vlan request", "vlan response");
    /* stream 2: the client's packets double-tagged, the server's untagged */
    decor asym = {.vlan = {2, 0}, .qinq = {true, false}};
    conv d = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 2);
    scripted_session(&d, &asym, "tagged request", "untagged response");
    pb_pcap_close(w);
    g_free(path);
}

static void
case_sll2(const char *dir)
{
    char *path = case_path(dir, "sll2.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_LINUX_SLL2, false, 0);
    conv a = case_conv(w, TS_LINKTYPE_LINUX_SLL2, 4, 0);
    scripted_session(&a, NULL, "sll2 over IPv4", "ok v4");
    conv b = case_conv(w, TS_LINKTYPE_LINUX_SLL2, 6, 1);
    scripted_session(&b, NULL, "sll2 over IPv6", "ok v6");
    pb_pcap_close(w);
    g_free(path);
}

/* ---- pcapng with several interfaces of different link types ---------- */

typedef struct {
    FILE *f;
    const char *path;
    int linktype[3];
    int iface[2]; /* interface of the client's / the server's packets */
} ng_writer;

static void
ng_block(ng_writer *ng, uint32_t type, const uint8_t *body, size_t len)
{
    static const uint8_t zero[4] = {0};
    size_t pad = (4 - len % 4) % 4;
    uint8_t word[8];
    pb_put32le(word, type);
    pb_put32le(word + 4, (uint32_t)(12 + len + pad));
    if (fwrite(word, 1, 8, ng->f) != 8 || fwrite(body, 1, len, ng->f) != len ||
        fwrite(zero, 1, pad, ng->f) != pad || fwrite(word + 4, 1, 4, ng->f) != 4)
        die("write failed", ng->path);
}

/* pb_conn sink: frames come built for Ethernet (no VLAN tags) from
 * 10.1.0.1 / 2001:db8:1::1 (the client) or .2 (the server); each is
 * rewritten for the link type of its direction's interface. */
static void
ng_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    ng_writer *ng = user;
    static uint8_t body[20 + PB_MAX_FRAME + 32];
    if (len < 15)
        die("frame too short", ng->path);
    int v6 = frame[14] >> 4 == 6;
    if (len < 14 + (v6 ? 40u : 20u))
        die("frame too short", ng->path);
    int from = frame[14 + (v6 ? 23 : 15)] == 1 ? CLIENT : SERVER;
    uint32_t iface = (uint32_t)ng->iface[from];
    uint16_t ethertype = pb_get16(frame + 12);
    uint8_t *out = body + 20;
    size_t n = pb_build_link(ng->linktype[iface], ethertype, 0, out, sizeof body - 20);
    memcpy(out + n, frame + 14, len - 14);
    n += len - 14;
    uint64_t us = (uint64_t)(ts_ns / 1000);
    pb_put32le(body, iface);
    pb_put32le(body + 4, (uint32_t)(us >> 32));
    pb_put32le(body + 8, (uint32_t)us);
    pb_put32le(body + 12, (uint32_t)n);
    pb_put32le(body + 16, (uint32_t)n);
    ng_block(ng, 6, body, 20 + n); /* Enhanced Packet Block */
}

static void
case_pcapng(const char *dir)
{
    char *path = case_path(dir, "pcapng-multi-linktype.pcapng");
    ng_writer ng = {fopen(path, "wb"),
                    path,
                    {TS_LINKTYPE_ETHERNET, TS_LINKTYPE_LINUX_SLL, TS_LINKTYPE_RAW},
                    {0, 0}};
    if (ng.f == NULL)
        die("cannot create", path);
    uint8_t shb[16];
    pb_put32le(shb, 0x1a2b3c4du);
    pb_put16le(shb + 4, 1);
    pb_put16le(shb + 6, 0);
    memset(shb + 8, 0xff, 8); /* section length unknown */
    ng_block(&ng, 0x0a0d0d0au, shb, sizeof shb);
    for (int i = 0; i < 3; i++) {
        uint8_t idb[8];
        pb_put16le(idb, (uint16_t)ng.linktype[i]);
        pb_put16le(idb + 2, 0);
        pb_put32le(idb + 4, 262144);
        ng_block(&ng, 1, idb, sizeof idb); /* Interface Description Block */
    }
    static const int ifaces[3][2] = {{0, 0}, {1, 1}, {0, 2}};
    static const char *const req[3] = {"on ethernet", "on linux cooked", "client on ethernet"};
    static const char *const resp[3] = {"eth ok", "sll ok", "server on raw ip"};
    for (int i = 0; i < 3; i++) {
        conv k = case_conv(NULL, TS_LINKTYPE_ETHERNET, i == 1 ? 6 : 4, i);
        pb_conn_set_sink(k.c, ng_sink, &ng);
        ng.iface[CLIENT] = ifaces[i][0];
        ng.iface[SERVER] = ifaces[i][1];
        scripted_session(&k, NULL, req[i], resp[i]);
    }
    if (fclose(ng.f) != 0)
        die("close failed", path);
    g_free(path);
}

/* Writes every case capture into `dir`. */
static void
write_cases(const char *dir)
{
    case_tcp_a(dir);
    case_tcp_b(dir);
    case_tcp_c(dir);
    case_tcp_d(dir);
    case_tcp_e(dir);
    case_tcp_f(dir);
    case_tcp_g(dir);
    case_tcp_h(dir);
    case_tcp_i(dir);
    case_tcp_j(dir);
    case_tcp_k(dir);
    case_gap_never_filled(dir);
    case_syn_with_data(dir);
    case_rst_with_data(dir);
    case_data_after_fin(dir);
    case_midstream(dir);
    case_same_host(dir);
    case_snaplen_cut(dir);
    case_ipv6_ext_headers(dir);
    case_vlan_qinq(dir);
    case_sll2(dir);
    case_pcapng(dir);
    write_fragment_cases(dir);
    write_tunnel_cases(dir);
    write_link_cases(dir);
    write_consistency_cases(dir);
}

/* `tcpsession-craft OUTDIR` writes OUTDIR/sample.pcap; `tcpsession-craft
 * --cases OUTDIR` writes the case captures. Exit status 0, 2 on usage
 * errors, 1 when the folder cannot be created or written. */
int
main(int argc, char **argv)
{
    bool cases = argc == 3 && strcmp(argv[1], "--cases") == 0;
    const char *dir = cases ? argv[2] : argc == 2 ? argv[1] : NULL;
    if (dir == NULL || dir[0] == '-') {
        fprintf(stderr, "Usage: tcpsession-craft OUTDIR\n"
                        "       tcpsession-craft --cases OUTDIR\n"
                        "Writes the demo capture OUTDIR/sample.pcap, or with --cases one capture\n"
                        "per reassembly case (see data/README.md).\n");
        return 2;
    }
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        perror(dir);
        return 1;
    }
    if (cases) {
        write_cases(dir);
        return 0;
    }
    char *path = g_build_filename(dir, "sample.pcap", NULL);
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    session_clean(w);
    session_reordered(w);
    session_conflict(w);
    session_ipv6(w);
    session_midstream(w);
    session_gap(w);
    session_reuse(w);
    pb_pcap_close(w);
    g_free(path);
    return 0;
}
