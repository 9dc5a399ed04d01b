/*
 * craft.c — tcpsession-craft: writes the demo capture OUTDIR/sample.pcap.
 *
 * A small Ethernet pcap (microsecond timestamps from 2024-01-01 00:00:00
 * UTC) with a handful of HTTP-like sessions, each showing one thing the
 * engine must get right. data/README.md describes them stream by stream;
 * data/sample.expected.jsonl is what `tcpsession extract --format jsonl`
 * prints for the file. Everything is fixed (addresses, ports, ISNs,
 * timestamps, bytes): running the command twice gives identical files, which
 * tests/e2e_data.sh checks.
 *
 * Gotchas: each session gets its own pb_conn whose clock starts at the
 * session's own second; pb_conn_send_at() does not advance sequence
 * numbers, pb_conn_send() does.
 */
#include "pktbuild.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

enum { CLIENT = 0, SERVER = 1 };

/* 2024-01-01 00:00:00 UTC in nanoseconds. */
#define T_2024 (1704067200LL * 1000000000LL)
#define SECOND 1000000000LL

static const char request_fmt[] = "GET %s HTTP/1.1\r\nHost: www.example.test\r\n\r\n";

/* A conversation on the shared writer, its clock at second `second`. */
static pb_conn *
conversation(pb_writer *w, int family, const char *client, uint16_t cport, const char *server,
             uint32_t client_isn, uint32_t server_isn, int second)
{
    pb_conn *c =
        pb_conn_new(w, PB_LINK_ETHERNET, family, client, cport, server, 80, client_isn, server_isn);
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
static void
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

/* Writes OUTDIR/sample.pcap; exit status 0, 2 on usage errors, 1 when the
 * folder cannot be created (pktbuild aborts on write errors). */
int
main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "Usage: tcpsession-craft OUTDIR\n"
                        "Writes the demo capture OUTDIR/sample.pcap (see data/README.md).\n");
        return 2;
    }
    if (g_mkdir_with_parents(argv[1], 0755) != 0) {
        perror(argv[1]);
        return 1;
    }
    char *path = g_build_filename(argv[1], "sample.pcap", NULL);
    pb_writer *w = pb_pcap_open(path, PB_LINK_ETHERNET, false, 0);
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
