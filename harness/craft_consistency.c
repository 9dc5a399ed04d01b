/*
 * craft_consistency.c — the case captures of the engine's consistency fixes (same answers under
 * every format).
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 */
#include "byteorder.h"
#include "craft.h"

#include <stdio.h>
#include <string.h>

/* ---- every packet seen twice, once per VLAN (a mirror port) ------------- */

/* The VLANs a mirrored frame is written on, in this order, 1 µs apart. */
static const uint16_t mirror_vlans[2] = {201, 202};

/* pb_conn sink: writes each untagged Ethernet frame twice into the pcap
 * writer `user`, with an 802.1Q tag of each mirror VLAN. */
static void
mirror_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    static uint8_t tagged[PB_MAX_FRAME + 4];
    if (len < 14 || len > PB_MAX_FRAME)
        die("bad frame length", "vlan-mirror-copies.pcap");
    for (int i = 0; i < 2; i++) {
        memcpy(tagged, frame, 12);
        pb_put16(tagged + 12, 0x8100);
        pb_put16(tagged + 14, mirror_vlans[i]);
        memcpy(tagged + 16, frame + 12, len - 12);
        pb_pcap_write(user, ts_ns + i * 1000, tagged, len + 4);
    }
}

/* `len` bytes of a side's content at relative offset `rel`: letters that
 * repeat every 26 bytes, upper case from the server. */
static void
mirror_content(int from, uint32_t rel, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)((from == CLIENT ? 'a' : 'A') + (rel + i) % 26);
}

#define MIRROR_CLIENT_SEGS 4    /* client request: 4 x 800 bytes */
#define MIRROR_CLIENT_SEG 800u  /* (3200 bytes: more than a 2 KiB ring) */
#define MIRROR_SERVER_SEGS 17   /* server response: 17 x 1024 bytes */
#define MIRROR_SERVER_SEG 1024u /* (17408 bytes: more than the 16 KiB tail) */

/* vlan-mirror-copies.pcap: one session whose every packet the capture holds
 * twice, on VLAN 201 and 202 (frames 2k-1 and 2k are the same packet). The
 * client's request (4 x 800 bytes) is acknowledged; then bytes 100..899 come
 * again with byte 500 changed, 3000 bytes back (beyond a 2 KiB ring, inside
 * the window: both copies are conflicts). The server's response (17 x 1024
 * bytes) is acknowledged; then its bytes 0..99 come again with byte 50
 * changed, 17408 bytes below the acknowledgement: more than the 16 KiB
 * acknowledged tail of the comparison window, so both copies are
 * unchecked_retransmission anomalies by default and conflicts with
 * --retransmission-acked 0. Frames (packets x 2): handshake f1-6, request
 * f7-14, ACK f15-16, request copy f17-18, response f19-52, ACK f53-54,
 * response copy f55-56, FIN, FIN, ACK f57-62. */
static void
case_vlan_mirror_copies(const char *dir)
{
    char *path = case_path(dir, "vlan-mirror-copies.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(NULL, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_set_sink(k.c, mirror_sink, w);
    uint8_t buf[MIRROR_SERVER_SEG];
    pb_conn_handshake(k.c);
    for (uint32_t i = 0; i < MIRROR_CLIENT_SEGS; i++) {
        mirror_content(CLIENT, i * MIRROR_CLIENT_SEG, buf, MIRROR_CLIENT_SEG);
        pb_conn_send(k.c, CLIENT, buf, MIRROR_CLIENT_SEG);
    }
    pb_conn_ack(k.c, SERVER);
    mirror_content(CLIENT, 100, buf, 800);
    buf[400] = '#'; /* byte 500 */
    pb_conn_send_at(k.c, CLIENT, 100, buf, 800, 0);
    for (uint32_t i = 0; i < MIRROR_SERVER_SEGS; i++) {
        mirror_content(SERVER, i * MIRROR_SERVER_SEG, buf, MIRROR_SERVER_SEG);
        pb_conn_send(k.c, SERVER, buf, MIRROR_SERVER_SEG);
    }
    pb_conn_ack(k.c, CLIENT);
    mirror_content(SERVER, 0, buf, 100);
    buf[50] = '#';
    pb_conn_send_at(k.c, SERVER, 0, buf, 100, 0);
    case_close(&k);
    pb_pcap_close(w);
    g_free(path);
}

/* ---- gaps declared in pieces, trailing gaps and uncaptured FINs -------- */

/* `n` bytes of a repeating pattern that starts at `rel` (each byte tells
 * its offset: 'A' + rel % 26), so every segment of a hole is recognisable. */
static const uint8_t *
pattern_at(uint32_t rel, size_t n)
{
    static uint8_t buf[4096];
    g_assert(n <= sizeof buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)('A' + (rel + i) % 26);
    return buf;
}

/* `n` pattern bytes from `from` at relative offset `rel` (PSH|ACK, plus
 * `flags`); the side's sequence state is unchanged. */
static void
pattern_send(const conv *k, int from, uint32_t rel, size_t n, uint8_t flags)
{
    pb_tcp seg = seg_rel(k, from, rel, TS_TCP_PSH | TS_TCP_ACK | flags, pattern_at(rel, n), n);
    pb_conn_write(k->c, &seg);
}

/* A pure ACK from `from` acknowledging the peer's relative offset `rel`
 * (its next sequence number is unchanged). */
static void
ack_rel(const conv *k, int from, uint32_t rel)
{
    pb_tcp seg;
    pb_conn_template(k->c, from, &seg);
    seg.ack = k->isn[!from] + 1 + rel;
    pb_conn_write(k->c, &seg);
}

/* A FIN|ACK from `from` at its next sequence number acknowledging the
 * peer's relative offset `rel`; the side's sequence number advances by 1. */
static void
fin_acking(const conv *k, int from, uint32_t rel)
{
    pb_tcp seg;
    pb_conn_template(k->c, from, &seg);
    seg.flags = TS_TCP_FIN | TS_TCP_ACK;
    seg.ack = k->isn[!from] + 1 + rel;
    pb_conn_write(k->c, &seg);
    pb_conn_set_next_seq(k->c, from, pb_conn_next_seq(k->c, from) + 1);
}

/* gap-acked-in-steps.pcap: a hole of two 1460-byte segments, [1460, 4380),
 * that the server acknowledges in two steps or that a flush finishes. */
static void
case_gap_acked_in_steps(const char *dir)
{
    char *path = case_path(dir, "gap-acked-in-steps.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);

    /* stream 0: the ACK of 2920 declares [1460, 2920), the ACK of 5840 the
       rest (and delivers the data after it): one gap C1460+2920 */
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(a.c);                  /* f1-3 */
    pattern_send(&a, CLIENT, 0, 1460, 0);    /* f4 */
    pattern_send(&a, CLIENT, 4380, 1460, 0); /* f5: buffered */
    ack_rel(&a, SERVER, 2920);               /* f6 */
    ack_rel(&a, SERVER, 5840);               /* f7 */
    next_rel(&a, CLIENT, 5840);
    text(&a, SERVER, "ok"); /* f8 */
    case_close(&a);         /* f9-11 */

    /* stream 1: the ACK of 2920 declares [1460, 2920); the server resets
       and the flush at the end declares [2920, 4380): one gap */
    conv b = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 1);
    pb_conn_handshake(b.c);                  /* f12-14 */
    pattern_send(&b, CLIENT, 0, 1460, 0);    /* f15 */
    pattern_send(&b, CLIENT, 4380, 1460, 0); /* f16: buffered */
    ack_rel(&b, SERVER, 2920);               /* f17 */
    {
        pb_tcp rst;
        pb_conn_template(b.c, SERVER, &rst);
        rst.flags = TS_TCP_RST | TS_TCP_ACK;
        rst.ack = b.isn[CLIENT] + 1 + 2920;
        pb_conn_write(b.c, &rst); /* f18 */
    }
    pb_conn_free(b.c);

    /* stream 2: as stream 0, then a late copy of [2000, 3000), across the
       two acknowledgements: one late_data anomaly C2000+1000 */
    conv c = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 2);
    pb_conn_handshake(c.c);                  /* f19-21 */
    pattern_send(&c, CLIENT, 0, 1460, 0);    /* f22 */
    pattern_send(&c, CLIENT, 4380, 1460, 0); /* f23 */
    ack_rel(&c, SERVER, 2920);               /* f24 */
    ack_rel(&c, SERVER, 5840);               /* f25 */
    pattern_send(&c, CLIENT, 2000, 1000, 0); /* f26: late */
    next_rel(&c, CLIENT, 5840);
    case_close(&c); /* f27-29 */

    pb_pcap_close(w);
    g_free(path);
}

/* trailing-gap-fin.pcap: the end of the client's stream was not captured;
 * the server's acknowledgements cover it. */
static void
case_trailing_gap_fin(const char *dir)
{
    char *path = case_path(dir, "trailing-gap-fin.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);

    /* stream 0: 100 bytes, the client's FIN (seq 100) not captured; the
       server acknowledges it and closes: no gap */
    conv a = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_handshake(a.c);              /* f1-3 */
    pattern_send(&a, CLIENT, 0, 100, 0); /* f4 */
    fin_acking(&a, SERVER, 101);         /* f5 */
    next_rel(&a, CLIENT, 101);
    pb_conn_ack(a.c, CLIENT); /* f6 */
    pb_conn_free(a.c);

    /* stream 1: 100 bytes, then 100 bytes with the FIN in one segment not
       captured; the server acknowledges 201 and closes: gap C100+100 */
    conv b = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 1);
    pb_conn_handshake(b.c);              /* f7-9 */
    pattern_send(&b, CLIENT, 0, 100, 0); /* f10 */
    fin_acking(&b, SERVER, 201);         /* f11 */
    next_rel(&b, CLIENT, 201);
    pb_conn_ack(b.c, CLIENT); /* f12 */
    pb_conn_free(b.c);

    /* stream 2: 100 bytes, 100 bytes not captured, the FIN captured (seq
       200); the server acknowledges 201: gap C100+100 (the FIN is seen) */
    conv c = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 2);
    pb_conn_handshake(c.c);              /* f13-15 */
    pattern_send(&c, CLIENT, 0, 100, 0); /* f16 */
    next_rel(&c, CLIENT, 200);
    pb_conn_fin(c.c, CLIENT); /* f17 */
    pb_conn_fin(c.c, SERVER); /* f18 */
    pb_conn_ack(c.c, CLIENT); /* f19 */
    pb_conn_free(c.c);

    /* stream 3: 100 bytes, 100 bytes not captured, no FIN; the server
       acknowledges 200 and resets: gap C100+100 */
    conv d = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 3);
    pb_conn_handshake(d.c);              /* f20-22 */
    pattern_send(&d, CLIENT, 0, 100, 0); /* f23 */
    ack_rel(&d, SERVER, 200);            /* f24 */
    next_rel(&d, CLIENT, 200);
    pb_conn_rst(d.c, SERVER); /* f25 */
    pb_conn_free(d.c);

    /* stream 4: 100 bytes, the FIN not captured; the server acknowledges
       it with data of its own and the capture ends: no gap */
    conv e = case_conv(w, TS_LINKTYPE_ETHERNET, 4, 4);
    pb_conn_handshake(e.c);              /* f26-28 */
    pattern_send(&e, CLIENT, 0, 100, 0); /* f29 */
    next_rel(&e, CLIENT, 101);
    text(&e, SERVER, "bye"); /* f30: acknowledges 101 */
    pb_conn_free(e.c);

    pb_pcap_close(w);
    g_free(path);
}

/* ---- VLAN tags in tcpflow's file names ---------------------------------- */

/* Frames of a conversation whose VLAN tags are rewritten: tag i of a packet
 * from `cur` gets TCI tci[cur][i] (the builder writes 100 + i), then the
 * frame goes to `w`. */
typedef struct {
    pb_writer *w;
    int cur;
    uint16_t tci[2][2];
} tag_sink;

static void
tag_sink_frame(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    tag_sink *t = user;
    uint8_t buf[2048];
    g_assert(len <= sizeof buf);
    memcpy(buf, frame, len);
    for (int i = 0; i < 2 && 12 + 4 * i + 4 <= (int)len; i++) {
        uint16_t tpid = (uint16_t)(buf[12 + 4 * i] << 8 | buf[13 + 4 * i]);
        if (tpid != 0x8100 && tpid != 0x88a8)
            break;
        buf[14 + 4 * i] = (uint8_t)(t->tci[t->cur][i] >> 8);
        buf[15 + 4 * i] = (uint8_t)t->tci[t->cur][i];
    }
    pb_pcap_write(t->w, ts_ns, buf, len);
}

/* One packet from `from` tagged as `dc` says, its TCIs from `t`. */
static void
tag_send(tag_sink *t, const conv *k, const decor *dc, int from, uint8_t flags, const char *s)
{
    t->cur = from;
    dsend(k, dc, from, flags, s);
}

/* A whole session (SYN, SYN-ACK, ACK, request, response, FIN, FIN, ACK) on
 * client port `cport` with ISNs + `isn_add`, tagged by `dc` and `t`. */
static void
tagged_session(tag_sink *t, const decor *dc, uint16_t cport, uint32_t isn_add, int second,
               const char *request, const char *response)
{
    conv k = case_conv_at(NULL, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", cport, "10.1.0.2", 80,
                          CISN + isn_add, SISN + isn_add, second);
    pb_conn_set_sink(k.c, tag_sink_frame, t);
    tag_send(t, &k, dc, CLIENT, TS_TCP_SYN, NULL);
    tag_send(t, &k, dc, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
    tag_send(t, &k, dc, CLIENT, TS_TCP_ACK, NULL);
    tag_send(t, &k, dc, CLIENT, TS_TCP_PSH | TS_TCP_ACK, request);
    tag_send(t, &k, dc, SERVER, TS_TCP_PSH | TS_TCP_ACK, response);
    tag_send(t, &k, dc, CLIENT, TS_TCP_FIN | TS_TCP_ACK, NULL);
    tag_send(t, &k, dc, SERVER, TS_TCP_FIN | TS_TCP_ACK, NULL);
    tag_send(t, &k, dc, CLIENT, TS_TCP_ACK, NULL);
    pb_conn_free(k.c);
}

/* vlan-tcpflow.pcap: the tags tcpflow puts in its file names (see
 * engine/formats/out_tcpflow.c); the TCIs are set per session below. */
static void
case_vlan_tcpflow(const char *dir)
{
    char *path = case_path(dir, "vlan-tcpflow.pcap");
    tag_sink t = {.w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0)};
    const decor one = {.vlan = {1, 1}};
    const decor two = {.vlan = {2, 2}};
    const decor qinq = {.vlan = {2, 2}, .qinq = {true, true}};
    const decor client_only = {.vlan = {1, 0}};
    /* stream 0: 802.1Q VLAN 201 both ways: "--201" */
    t.tci[CLIENT][0] = t.tci[SERVER][0] = 201;
    tagged_session(&t, &one, 40000, 0, 0, "vlan 201", "ok 201");
    /* stream 1: priority bits, another per direction: PCP 5 VID 202 from the
       client ("--41162"), PCP 3 VID 202 from the server ("--24778") */
    t.tci[CLIENT][0] = 5 << 13 | 202;
    t.tci[SERVER][0] = 3 << 13 | 202;
    tagged_session(&t, &one, 40001, 1000, 1, "priority 5", "priority 3");
    /* stream 2: QinQ, 802.1ad outer (TCI 300) and 802.1Q inner (301): none */
    t.tci[CLIENT][0] = t.tci[SERVER][0] = 300;
    t.tci[CLIENT][1] = t.tci[SERVER][1] = 301;
    tagged_session(&t, &qinq, 40002, 2000, 2, "qinq", "qinq ok");
    /* stream 3: two 802.1Q tags (400 outer, 401 inner): the outer, "--400" */
    t.tci[CLIENT][0] = t.tci[SERVER][0] = 400;
    t.tci[CLIENT][1] = t.tci[SERVER][1] = 401;
    tagged_session(&t, &two, 40003, 3000, 3, "two tags", "two tags ok");
    /* stream 4: the client's packets tagged 500, the server's untagged */
    t.tci[CLIENT][0] = 500;
    tagged_session(&t, &client_only, 40004, 4000, 4, "tagged", "untagged");
    /* streams 5-7: one 4-tuple three times, VLAN 206, 206 again ("c1"),
       then 207 (a name of its own: no "c") */
    t.tci[CLIENT][0] = t.tci[SERVER][0] = 206;
    tagged_session(&t, &one, 40005, 5000, 5, "first", "first ok");
    tagged_session(&t, &one, 40005, 6000, 6, "second", "second ok");
    t.tci[CLIENT][0] = t.tci[SERVER][0] = 207;
    tagged_session(&t, &one, 40005, 7000, 7, "third", "third ok");
    /* stream 8: the tag changes after each side's first packet: the client's
       SYN says 601, its data 602; the server's SYN-ACK 603, its data 604:
       the first packets name the files ("--601", "--603") */
    {
        conv k = case_conv_at(NULL, TS_LINKTYPE_ETHERNET, 4, "10.1.0.1", 40008, "10.1.0.2", 80,
                              CISN + 8000, SISN + 8000, 8);
        pb_conn_set_sink(k.c, tag_sink_frame, &t);
        t.tci[CLIENT][0] = 601;
        t.tci[SERVER][0] = 603;
        tag_send(&t, &k, &one, CLIENT, TS_TCP_SYN, NULL);
        tag_send(&t, &k, &one, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
        t.tci[CLIENT][0] = 602;
        t.tci[SERVER][0] = 604;
        tag_send(&t, &k, &one, CLIENT, TS_TCP_ACK, NULL);
        tag_send(&t, &k, &one, CLIENT, TS_TCP_PSH | TS_TCP_ACK, "changing");
        tag_send(&t, &k, &one, SERVER, TS_TCP_PSH | TS_TCP_ACK, "changing ok");
        tag_send(&t, &k, &one, CLIENT, TS_TCP_FIN | TS_TCP_ACK, NULL);
        tag_send(&t, &k, &one, SERVER, TS_TCP_FIN | TS_TCP_ACK, NULL);
        tag_send(&t, &k, &one, CLIENT, TS_TCP_ACK, NULL);
        pb_conn_free(k.c);
    }
    pb_pcap_close(t.w);
    g_free(path);
}

/* ---- pcapng blocks that tshark numbers as frames without a packet ------ */

/* The pcapng file of case_pcapng_numbered_blocks and how many packets its
 * sink wrote. */
typedef struct {
    FILE *f;
    const char *path;
    int packets;
} numbered_writer;

/* Writes one little-endian pcapng block of `type` with `len` bytes of body
 * (padded to 4). */
static void
numbered_block(numbered_writer *w, uint32_t type, const uint8_t *body, size_t len)
{
    static const uint8_t zero[4] = {0};
    size_t pad = (4 - len % 4) % 4;
    uint8_t word[8];
    pb_put32le(word, type);
    pb_put32le(word + 4, (uint32_t)(12 + len + pad));
    if (fwrite(word, 1, 8, w->f) != 8 || fwrite(body, 1, len, w->f) != len ||
        fwrite(zero, 1, pad, w->f) != pad || fwrite(word + 4, 1, 4, w->f) != 4)
        die("write failed", w->path);
}

/* A Custom Block of `type` (0xBAD or 0x40000BAD) of enterprise `pen`. */
static void
numbered_custom(numbered_writer *w, uint32_t type, uint32_t pen, const char *data)
{
    uint8_t body[64];
    size_t n = strlen(data);
    if (n > sizeof body - 4)
        die("custom data too long", w->path);
    pb_put32le(body, pen);
    memcpy(body + 4, data, n);
    numbered_block(w, type, body, 4 + n);
}

/* A Systemd Journal Export Block holding one journal entry. */
static void
numbered_journal(numbered_writer *w, const char *message)
{
    char *entry = g_strdup_printf("__REALTIME_TIMESTAMP=1704153600000000\nMESSAGE=%s\n", message);
    numbered_block(w, 0x00000009u, (const uint8_t *)entry, strlen(entry));
    g_free(entry);
}

/* pb_conn sink: each Ethernet frame as an Enhanced Packet Block of
 * interface 0 (microseconds); before the 4th (the request), a Custom Block
 * that may not be copied and a journal entry. */
static void
numbered_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    numbered_writer *w = user;
    static uint8_t body[20 + PB_MAX_FRAME];
    if (len > PB_MAX_FRAME)
        die("frame too long", w->path);
    if (w->packets++ == 3) {
        numbered_custom(w, 0x40000BADu, 1, "no-copy");
        numbered_journal(w, "request follows");
    }
    uint64_t us = (uint64_t)(ts_ns / 1000);
    pb_put32le(body, 0);
    pb_put32le(body + 4, (uint32_t)(us >> 32));
    pb_put32le(body + 8, (uint32_t)us);
    pb_put32le(body + 12, len);
    pb_put32le(body + 16, len);
    memcpy(body + 20, frame, len);
    numbered_block(w, 0x00000006u, body, 20 + len);
}

/* pcapng-numbered-blocks.pcapng: one session after a Custom Block (PEN
 * 32473) and a Systemd Journal Export Block, which tshark 4.0 numbers as
 * frames 1 and 2, and a Decryption Secrets, a Name Resolution and an
 * Interface Statistics Block, which it does not number. A Custom Block
 * 0x40000BAD and a journal entry (frames 6, 7) come before the request.
 * Packets: handshake f3-5, request f8, response f9, FIN, FIN, ACK f10-12. */
static void
case_pcapng_numbered_blocks(const char *dir)
{
    char *path = case_path(dir, "pcapng-numbered-blocks.pcapng");
    numbered_writer w = {fopen(path, "wb"), path, 0};
    if (w.f == NULL)
        die("cannot create", path);
    uint8_t shb[16];
    pb_put32le(shb, 0x1a2b3c4du);
    pb_put16le(shb + 4, 1);
    pb_put16le(shb + 6, 0);
    memset(shb + 8, 0xff, 8); /* section length unknown */
    numbered_block(&w, 0x0a0d0d0au, shb, sizeof shb);
    uint8_t idb[8];
    pb_put16le(idb, TS_LINKTYPE_ETHERNET);
    pb_put16le(idb + 2, 0);
    pb_put32le(idb + 4, 262144);
    numbered_block(&w, 0x00000001u, idb, sizeof idb);
    numbered_custom(&w, 0x00000BADu, 32473, "before the session");
    numbered_journal(&w, "capture starts");
    uint8_t dsb[12] = {0};
    pb_put32le(dsb, 0x544c534bu); /* TLS key log, 4 bytes of secrets */
    pb_put32le(dsb + 4, 4);
    numbered_block(&w, 0x0000000Au, dsb, sizeof dsb);
    uint8_t nrb[4] = {0}; /* nrb_record_end only */
    numbered_block(&w, 0x00000004u, nrb, sizeof nrb);
    uint8_t isb[12] = {0};
    numbered_block(&w, 0x00000005u, isb, sizeof isb);
    conv k = case_conv(NULL, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_set_sink(k.c, numbered_sink, &w);
    scripted_session(&k, NULL, "after custom blocks", "numbered like tshark");
    if (fclose(w.f) != 0)
        die("close failed", path);
    g_free(path);
}

/* Writes the consistency case captures into `dir`. */
void
write_consistency_cases(const char *dir)
{
    case_vlan_mirror_copies(dir);
    case_gap_acked_in_steps(dir);
    case_trailing_gap_fin(dir);
    case_vlan_tcpflow(dir);
    case_pcapng_numbered_blocks(dir);
}
