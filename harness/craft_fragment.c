/*
 * craft_fragment.c — the case captures of IP fragment reassembly (IPv4 and IPv6).
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md ("IP fragments") and has a row in
 * tests/expected/cases.tsv.
 *
 * Every session here is a pb_conn on raw IP whose frames go through a
 * `carrier`: a link header (Ethernet with VLAN tags, Linux cooked) and
 * optionally a tunnel (IP-in-IP, GRE over IPv4) around them. A fragmented
 * segment is built whole as a raw IP packet, then cut into the pieces a case
 * lists: byte ranges of the IP payload (IPv4: after the header; IPv6: after
 * the fixed header, i.e. the fragmentable part, TCP header included), in the
 * order they are written, each optionally with other bytes ("evil" copies
 * for the overlap cases) or a forced more-fragments flag (several last
 * fragments). IPv6 pieces may carry extension headers before the fragment
 * header (the unfragmentable part), and the packet cut may have its own
 * (destination options in the fragmentable part). For a fragmented outer
 * packet, the tunnel packet is built whole and its outer IP packet is cut.
 */
#include "craft.h"

#include <arpa/inet.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MS 1000000LL
#define MAX_PIECES 8
#define PKT_CAP 2048
#define TEXT_LEN 60 /* bytes of each request and response: IP payload 80 */

/* ---- cutting --------------------------------------------------------------- */

enum { MF_AUTO, MF_SET, MF_CLEAR };

/* One fragment: [off, off + len) of the IP payload; `evil` != 0 replaces its
 * bytes by evil, evil + 1, ..., evil + 7, evil, ...; `mf` forces the
 * more-fragments flag (MF_AUTO: set unless the piece reaches the end). */
typedef struct {
    uint16_t off, len;
    uint8_t evil;
    uint8_t mf;
} piece;

/* Raw IP fragments ready to write. */
typedef struct {
    uint8_t buf[MAX_PIECES][PKT_CAP];
    size_t len[MAX_PIECES];
    int n;
} fragset;

/* How a packet is cut: the identification, IPv4 flags and options, the
 * IPv6 unfragmentable extension headers (the last one's next header must
 * be 44, the fragment header's; `unfrag_first` goes in the IPv6 header). */
typedef struct {
    uint32_t id;
    bool df;
    const uint8_t *opt; /* IPv4 options (a multiple of 4 bytes), in the first */
    size_t opt_len;     /*   fragment only, or in all of them with `opt_all` */
    bool opt_all;
    const uint8_t *unfrag;
    size_t unfrag_len;
    uint8_t unfrag_first;
} cut_spec;

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Copies piece `pc` of the payload `pay` to `o`. */
static void
copy_piece(uint8_t *o, const uint8_t *pay, const piece *pc)
{
    for (uint16_t i = 0; i < pc->len; i++)
        o[i] = pc->evil != 0 ? (uint8_t)(pc->evil + i % 8) : pay[pc->off + i];
}

/* The piece's more-fragments flag in a payload of `plen` bytes. */
static bool
piece_more(const piece *pc, size_t plen)
{
    if (pc->mf != MF_AUTO)
        return pc->mf == MF_SET;
    return pc->off + pc->len < plen;
}

/* Cuts the raw IPv4 packet `ip` (a 20-byte header) into `pcs`. */
static void
cut_ipv4(const uint8_t *ip, const cut_spec *cs, const piece *pcs, int n, fragset *fs)
{
    size_t plen = get16(ip + 2) - 20u;
    for (int i = 0; i < n; i++) {
        const piece *pc = &pcs[i];
        size_t olen = cs->opt_len > 0 && (pc->off == 0 || cs->opt_all) ? cs->opt_len : 0;
        size_t hl = 20 + olen;
        uint8_t *o = fs->buf[i];
        if (pc->off + pc->len > plen || hl + pc->len > PKT_CAP || olen % 4 != 0)
            die("bad IPv4 piece", "craft_fragment");
        memcpy(o, ip, 20);
        if (olen > 0)
            memcpy(o + 20, cs->opt, olen);
        copy_piece(o + hl, ip + 20, pc);
        o[0] = (uint8_t)(0x40 | hl / 4);
        put16(o + 2, (uint16_t)(hl + pc->len));
        put16(o + 4, (uint16_t)cs->id);
        uint16_t fo = (uint16_t)(pc->off / 8);
        if (piece_more(pc, plen))
            fo |= 0x2000;
        if (cs->df)
            fo |= 0x4000;
        put16(o + 6, fo);
        put16(o + 10, 0);
        put16(o + 10, pb_checksum(o, hl, 0));
        fs->len[i] = hl + pc->len;
    }
    fs->n = n;
}

/* Cuts the raw IPv6 packet `ip` after its fixed header into `pcs`, each
 * behind the unfragmentable headers of `cs` and a fragment header. A single
 * piece covering everything is an atomic fragment (offset 0, M clear). */
static void
cut_ipv6(const uint8_t *ip, const cut_spec *cs, const piece *pcs, int n, fragset *fs)
{
    size_t plen = get16(ip + 4);
    size_t front = 40 + cs->unfrag_len + 8;
    for (int i = 0; i < n; i++) {
        const piece *pc = &pcs[i];
        uint8_t *o = fs->buf[i];
        if (pc->off + pc->len > plen || front + pc->len > PKT_CAP || pc->off % 8 != 0)
            die("bad IPv6 piece", "craft_fragment");
        memcpy(o, ip, 40);
        put16(o + 4, (uint16_t)(front - 40 + pc->len));
        o[6] = cs->unfrag_len > 0 ? cs->unfrag_first : 44;
        if (cs->unfrag_len > 0)
            memcpy(o + 40, cs->unfrag, cs->unfrag_len);
        uint8_t *fh = o + 40 + cs->unfrag_len;
        fh[0] = ip[6]; /* what the fragmentable part starts with */
        fh[1] = 0;
        put16(fh + 2, (uint16_t)(pc->off | (piece_more(pc, plen) ? 1 : 0)));
        put32(fh + 4, cs->id);
        copy_piece(fh + 8, ip + 40, pc);
        fs->len[i] = front + pc->len;
    }
    fs->n = n;
}

/* Cuts the raw IP packet `ip` (version from its first nibble). */
static void
cut(const uint8_t *ip, const cut_spec *cs, const piece *pcs, int n, fragset *fs)
{
    if (n > MAX_PIECES)
        die("too many pieces", "craft_fragment");
    if ((ip[0] >> 4) == 6)
        cut_ipv6(ip, cs, pcs, n, fs);
    else
        cut_ipv4(ip, cs, pcs, n, fs);
}

/* ---- carriers: link headers and tunnels ------------------------------------ */

enum { TUN_NONE, TUN_IPIP, TUN_GRE };

/* Where a session's raw IP packets go. */
typedef struct {
    pb_writer *w;
    int linktype;
    int vlan;             /* 802.1Q tags (Ethernet) */
    int tunnel;           /* TUN_* */
    int outer_family;     /* of the tunnel's outer header */
    const char *outer[2]; /* tunnel endpoints: the client's side, the server's */
    uint8_t client[16];   /* the inner client address (tells the directions) */
} carrier;

/* Writes the IP packet `pkt` behind the carrier's link header. */
static void
emit_link(const carrier *cr, int64_t ts, const uint8_t *pkt, size_t len)
{
    static uint8_t frame[PKT_CAP + 128];
    uint16_t et = (pkt[0] >> 4) == 6 ? 0x86dd : 0x0800;
    size_t l = pb_build_link(cr->linktype, et, cr->vlan, frame, sizeof frame);
    if (l + len > sizeof frame)
        die("frame too long", "craft_fragment");
    memcpy(frame + l, pkt, len);
    pb_pcap_write(cr->w, ts, frame, (uint32_t)(l + len));
}

/* The side that sent the raw inner packet `ip`. */
static int
sender(const carrier *cr, const uint8_t *ip)
{
    bool v6 = (ip[0] >> 4) == 6;
    return memcmp(ip + (v6 ? 8 : 12), cr->client, v6 ? 16 : 4) == 0 ? CLIENT : SERVER;
}

/* The tunnel packet carrying `ip` (raw, outer header first) into `out`. */
static size_t
wrap(const carrier *cr, const uint8_t *ip, size_t len, uint8_t *out, size_t cap)
{
    int from = sender(cr, ip);
    const char *src = cr->outer[from], *dst = cr->outer[!from];
    if (cr->tunnel == TUN_IPIP)
        return pb_wrap_ip_in_ip(TS_LINKTYPE_RAW, cr->outer_family, src, dst, ip, len, out, cap);
    static uint8_t gre[PKT_CAP];
    if (len + 4 > sizeof gre)
        die("packet too long for GRE", "craft_fragment");
    put16(gre, 0);
    put16(gre + 2, (ip[0] >> 4) == 6 ? 0x86dd : 0x0800);
    memcpy(gre + 4, ip, len);
    return pb_build_ip(TS_LINKTYPE_RAW, cr->outer_family, src, dst, 47, gre, len + 4, out, cap);
}

/* Writes the raw inner packet `ip` through the carrier. */
static void
emit(const carrier *cr, int64_t ts, const uint8_t *ip, size_t len)
{
    if (cr->tunnel == TUN_NONE) {
        emit_link(cr, ts, ip, len);
        return;
    }
    static uint8_t outer[PKT_CAP + 64];
    emit_link(cr, ts, outer, wrap(cr, ip, len, outer, sizeof outer));
}

/* pb_sink_fn: the conversation's frames (raw IP) through the carrier. */
static void
carrier_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    emit(user, ts_ns, frame, len);
}

/* A session client:cport -> server:80 on raw IP through `cr` (which must
 * outlive it), ISNs CISN/SISN + n * 1000, its clock at `second`. */
static conv
open_session(carrier *cr, int family, const char *client, int n, int second)
{
    const char *server = family == 6 ? "2001:db8:1::2" : "10.1.0.2";
    uint32_t add = (uint32_t)n * 1000u;
    conv k = case_conv_at(NULL, TS_LINKTYPE_RAW, family, client, (uint16_t)(40000 + n), server, 80,
                          CISN + add, SISN + add, second);
    pb_conn_set_sink(k.c, carrier_sink, cr);
    if (inet_pton(family == 6 ? AF_INET6 : AF_INET, client, cr->client) != 1)
        die("bad address", client);
    return k;
}

/* open_session() with the standard client address, at second n. */
static conv
std_session(carrier *cr, int family, int n)
{
    return open_session(cr, family, family == 6 ? "2001:db8:1::1" : "10.1.0.1", n, n);
}

/* A carrier writing to `w` on `linktype`, no tags, no tunnel. */
static carrier
plain(pb_writer *w, int linktype)
{
    carrier cr = {.w = w, .linktype = linktype};
    return cr;
}

/* ---- sessions ------------------------------------------------------------ */

/* TEXT_LEN bytes: "request N " or "response N " and the alphabet (lower
 * case for requests, upper case for responses) from 'a' / 'A' on. */
static void
make_text(char out[TEXT_LEN + 1], int from, int n)
{
    int p = snprintf(out, TEXT_LEN + 1, from == CLIENT ? "request %d " : "response %d ", n);
    for (int i = p; i < TEXT_LEN; i++)
        out[i] = (char)((from == CLIENT ? 'a' : 'A') + (i - p) % 26);
    out[TEXT_LEN] = '\0';
}

/* The raw IP packet of `len` bytes of `data` from `from` at its next
 * sequence number (PSH|ACK), with the IPv6 extension headers `ext` (next
 * header `ext_first`) before TCP; the side's sequence number advances. */
static size_t
data_packet(const conv *k, int from, const char *data, const uint8_t *ext, size_t ext_len,
            uint8_t ext_first, uint8_t *out)
{
    pb_tcp seg;
    pb_conn_template(k->c, from, &seg);
    seg.flags = TS_TCP_PSH | TS_TCP_ACK;
    seg.payload = data;
    seg.len = strlen(data);
    seg.ip6_ext = ext;
    seg.ip6_ext_len = ext_len;
    seg.ip6_ext_first = ext_first;
    size_t n = pb_build_tcp(TS_LINKTYPE_RAW, &seg, out, PKT_CAP);
    pb_conn_set_next_seq(k->c, from, pb_conn_next_seq(k->c, from) + (uint32_t)seg.len);
    return n;
}

/* Writes the fragments of `fs` 1 ms apart at `k`'s clock, which moves on;
 * through the carrier (`whole`) or behind the link header only (fragments
 * of an outer packet). */
static void
write_set(const conv *k, const carrier *cr, const fragset *fs, bool whole)
{
    int64_t ts = pb_conn_time(k->c);
    for (int i = 0; i < fs->n; i++) {
        if (whole)
            emit(cr, ts + i * MS, fs->buf[i], fs->len[i]);
        else
            emit_link(cr, ts + i * MS, fs->buf[i], fs->len[i]);
    }
    pb_conn_set_time(k->c, ts + fs->n * MS);
}

/* What a fragmented segment carries: IPv6 extension headers of the
 * fragmentable part (NULL: none). */
typedef struct {
    const uint8_t *ext;
    size_t ext_len;
    uint8_t ext_first;
} inner_ext;

/* Builds `data` from `from` and cuts it into `fs`. */
static void
frag_build(const conv *k, int from, const char *data, const inner_ext *x, const cut_spec *cs,
           const piece *pcs, int n, fragset *fs)
{
    static uint8_t pkt[PKT_CAP];
    if (x != NULL)
        data_packet(k, from, data, x->ext, x->ext_len, x->ext_first, pkt);
    else
        data_packet(k, from, data, NULL, 0, 0, pkt);
    cut(pkt, cs, pcs, n, fs);
}

/* Builds, cuts and writes `data` from `from`. */
static void
frag_send(const conv *k, const carrier *cr, int from, const char *data, const inner_ext *x,
          const cut_spec *cs, const piece *pcs, int n)
{
    static fragset fs;
    frag_build(k, from, data, x, cs, pcs, n, &fs);
    write_set(k, cr, &fs, true);
}

/* Builds `data` from `from` whole, wraps it in the carrier's tunnel and
 * cuts the outer packet. */
static void
outer_frag_send(const conv *k, const carrier *cr, int from, const char *data, const cut_spec *cs,
                const piece *pcs, int n)
{
    static uint8_t pkt[PKT_CAP], outer[PKT_CAP];
    static fragset fs;
    size_t len = data_packet(k, from, data, NULL, 0, 0, pkt);
    wrap(cr, pkt, len, outer, sizeof outer);
    cut(outer, cs, pcs, n, &fs);
    write_set(k, cr, &fs, false);
}

static void
handshake(const conv *k)
{
    flags_send(k, CLIENT, TS_TCP_SYN, NULL);
    flags_send(k, SERVER, TS_TCP_SYN | TS_TCP_ACK, NULL);
    flags_send(k, CLIENT, TS_TCP_ACK, NULL);
}

/* FIN, FIN, ACK; frees the conversation. */
static void
closing(conv *k)
{
    flags_send(k, CLIENT, TS_TCP_FIN | TS_TCP_ACK, NULL);
    flags_send(k, SERVER, TS_TCP_FIN | TS_TCP_ACK, NULL);
    flags_send(k, CLIENT, TS_TCP_ACK, NULL);
    pb_conn_free(k->c);
    k->c = NULL;
}

/* closing() of `a`, then `b`'s clock after it. */
static void
closing_before(conv *a, const conv *b)
{
    pb_conn_set_time(b->c, pb_conn_time(a->c) + 3 * MS);
    closing(a);
}

/* Both clocks at the later of the two. */
static void
same_time(const conv *a, const conv *b)
{
    int64_t t = MAX(pb_conn_time(a->c), pb_conn_time(b->c));
    pb_conn_set_time(a->c, t);
    pb_conn_set_time(b->c, t);
}

#define NP(a) ((int)G_N_ELEMENTS(a))

/* A session whose request and response are cut into `req` / `resp`
 * (`cs` for both, its id + 1 for the response; NULL pieces: sent whole). */
static void
frag_session(conv *k, const carrier *cr, const inner_ext *x, const cut_spec *cs, const piece *req,
             int nreq, const piece *resp, int nresp, int n)
{
    char t[2][TEXT_LEN + 1];
    make_text(t[CLIENT], CLIENT, n);
    make_text(t[SERVER], SERVER, n);
    cut_spec rs = *cs;
    rs.id = cs->id + 1;
    handshake(k);
    if (req != NULL)
        frag_send(k, cr, CLIENT, t[CLIENT], x, cs, req, nreq);
    else
        text(k, CLIENT, t[CLIENT]);
    if (resp != NULL)
        frag_send(k, cr, SERVER, t[SERVER], x, &rs, resp, nresp);
    else
        text(k, SERVER, t[SERVER]);
    closing(k);
}

/* ---- frag-ipv4, frag-ipv6: orders, duplicates, tiny first fragments ------- */

/* Session 0: the request in four pieces in reverse order (the first piece
 * holds the TCP header and 4 bytes), the response shuffled. */
static const piece REVERSED[] = {{72, 8, 0, 0}, {48, 24, 0, 0}, {24, 24, 0, 0}, {0, 24, 0, 0}};
static const piece SHUFFLED[] = {{48, 24, 0, 0}, {0, 24, 0, 0}, {72, 8, 0, 0}, {24, 24, 0, 0}};
/* Session 1: the request's second half twice, its first half (completing
 * it) twice; the response in three pieces overlapping by 8 equal bytes. */
static const piece DUPLICATED[] = {{40, 40, 0, 0}, {40, 40, 0, 0}, {0, 40, 0, 0}, {0, 40, 0, 0}};
static const piece EQUAL_OVERLAP[] = {{0, 32, 0, 0}, {24, 32, 0, 0}, {48, 32, 0, 0}};
/* Session 2: a first fragment of 8 bytes (ports and sequence number); the
 * response's TCP header split at 16 bytes, its first piece last. */
static const piece TINY_FIRST[] = {{0, 8, 0, 0}, {8, 72, 0, 0}};
static const piece SPLIT_HEADER[] = {{16, 64, 0, 0}, {0, 16, 0, 0}};
static const piece HALVES[] = {{0, 40, 0, 0}, {40, 40, 0, 0}};
static const piece WHOLE[] = {{0, 80, 0, 0}};

/* Sessions 3 and 4: 3 from the other client address `other`, 4 from the
 * usual one, same IP ids both ways, their fragments interleaved (3's
 * first half, 4's second half, 4's first half, 3's second half). */
static void
same_id_sessions(carrier *cr, int family, const char *other)
{
    static carrier cr3;
    cr3 = *cr;
    conv a = open_session(&cr3, family, other, 3, 3);
    conv b = std_session(cr, family, 4);
    handshake(&a);
    same_time(&a, &b);
    handshake(&b);
    const cut_spec cs = {.id = 0x4242};
    static fragset fa, fb;
    char ta[TEXT_LEN + 1], tb[TEXT_LEN + 1];
    for (int from = CLIENT; from <= SERVER; from++) {
        make_text(ta, from, 3);
        make_text(tb, from, 4);
        frag_build(&a, from, ta, NULL, &cs, HALVES, 2, &fa);
        frag_build(&b, from, tb, NULL, &cs, HALVES, 2, &fb);
        same_time(&a, &b);
        int64_t ts = pb_conn_time(a.c);
        emit(&cr3, ts, fa.buf[0], fa.len[0]);
        emit(cr, ts + MS, fb.buf[1], fb.len[1]);
        emit(cr, ts + 2 * MS, fb.buf[0], fb.len[0]);
        emit(&cr3, ts + 3 * MS, fa.buf[1], fa.len[1]);
        pb_conn_set_time(a.c, ts + 4 * MS);
        pb_conn_set_time(b.c, ts + 4 * MS);
    }
    closing_before(&a, &b);
    closing(&b);
}

/* Sessions 0-4 of frag-ipv4 and frag-ipv6 (IP ids 0x1000 + 16 n). */
static void
order_sessions(carrier *cr, int family, const char *other)
{
    cut_spec cs = {.id = 0x1000};
    conv k = std_session(cr, family, 0);
    frag_session(&k, cr, NULL, &cs, REVERSED, NP(REVERSED), SHUFFLED, NP(SHUFFLED), 0);
    cs.id = 0x1010;
    k = std_session(cr, family, 1);
    frag_session(&k, cr, NULL, &cs, DUPLICATED, NP(DUPLICATED), EQUAL_OVERLAP, NP(EQUAL_OVERLAP),
                 1);
    cs.id = 0x1020;
    k = std_session(cr, family, 2);
    frag_session(&k, cr, NULL, &cs, TINY_FIRST, NP(TINY_FIRST), SPLIT_HEADER, NP(SPLIT_HEADER), 2);
    same_id_sessions(cr, family, other);
}

/* frag-ipv4: sessions 0-4 above; 5: request and response whole with DF set
 * (offset 0, MF clear: plain packets); 6: halves, the first fragment of
 * each request with a Record Route option (not copied into fragments), the
 * response's with a Router Alert option in both. */
static void
case_frag_ipv4(const char *dir)
{
    char *path = case_path(dir, "frag-ipv4.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    order_sessions(&cr, 4, "10.1.0.3");
    conv k = std_session(&cr, 4, 5);
    const cut_spec df = {.id = 0x1500, .df = true};
    frag_session(&k, &cr, NULL, &df, WHOLE, 1, WHOLE, 1, 5);
    k = std_session(&cr, 4, 6);
    static const uint8_t rr[8] = {7, 7, 4, 0, 0, 0, 0, 0}; /* Record Route, End */
    static const uint8_t alert[4] = {0x94, 4, 0, 0};       /* Router Alert (copied) */
    const cut_spec opt = {.id = 0x1600, .opt = rr, .opt_len = 8};
    const cut_spec opt_all = {.id = 0x1602, .opt = alert, .opt_len = 4, .opt_all = true};
    char req[TEXT_LEN + 1], resp[TEXT_LEN + 1];
    make_text(req, CLIENT, 6);
    make_text(resp, SERVER, 6);
    handshake(&k);
    frag_send(&k, &cr, CLIENT, req, NULL, &opt, HALVES, 2);
    frag_send(&k, &cr, SERVER, resp, NULL, &opt_all, HALVES, 2);
    closing(&k);
    pb_pcap_close(cr.w);
    g_free(path);
}

/* frag-ipv6: sessions 0-4 above (the fragment header right after the fixed
 * header); 5: request and response as atomic fragments. */
static void
case_frag_ipv6(const char *dir)
{
    char *path = case_path(dir, "frag-ipv6.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    order_sessions(&cr, 6, "2001:db8:1::3");
    conv k = std_session(&cr, 6, 5);
    const cut_spec cs = {.id = 0x1500};
    frag_session(&k, &cr, NULL, &cs, WHOLE, 1, WHOLE, 1, 5);
    pb_pcap_close(cr.w);
    g_free(path);
}

/* ---- frag-ipv6-ext: extension headers around the fragment header --------- */

/* Hop-by-hop (PadN) -> destination options (PadN) -> routing (type 0, no
 * segment left) -> fragment. */
static const uint8_t HBH_DST_RT[24] = {60, 0, 1, 4, 0,  0, 0, 0, 43, 0, 1, 4,
                                       0,  0, 0, 0, 44, 0, 0, 0, 0,  0, 0, 0};
/* Hop-by-hop (PadN) -> fragment. */
static const uint8_t HBH[8] = {44, 0, 1, 4, 0, 0, 0, 0};
/* In the fragmentable part: destination options (PadN) -> TCP. */
static const uint8_t DST_TCP[8] = {6, 0, 1, 4, 0, 0, 0, 0};

/* Payload 88 bytes: destination options, TCP header, data. */
static const piece EXT_REVERSED[] = {{48, 40, 0, 0}, {0, 48, 0, 0}};
static const piece EXT_OPTIONS_ONLY[] = {{0, 8, 0, 0}, {8, 80, 0, 0}};
static const piece EXT_SHUFFLED[] = {{32, 32, 0, 0}, {64, 24, 0, 0}, {0, 32, 0, 0}};
static const piece EXT_WHOLE[] = {{0, 88, 0, 0}};

/* frag-ipv6-ext: session 0: hop-by-hop, destination options and routing
 * headers before the fragment header; 1: destination options after it (in
 * the fragmentable part; the response's first fragment holds only that
 * header); 2: hop-by-hop before and destination options after; 3: atomic
 * fragments between hop-by-hop and destination options. */
static void
case_frag_ipv6_ext(const char *dir)
{
    char *path = case_path(dir, "frag-ipv6-ext.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    const cut_spec before = {
        .id = 0x2000, .unfrag = HBH_DST_RT, .unfrag_len = sizeof HBH_DST_RT, .unfrag_first = 0};
    const cut_spec none = {.id = 0x2100};
    const cut_spec hbh = {.id = 0x2200, .unfrag = HBH, .unfrag_len = sizeof HBH};
    const inner_ext after = {DST_TCP, sizeof DST_TCP, 60};
    conv k = std_session(&cr, 6, 0);
    frag_session(&k, &cr, NULL, &before, HALVES, 2, SHUFFLED, NP(SHUFFLED), 0);
    k = std_session(&cr, 6, 1);
    frag_session(&k, &cr, &after, &none, EXT_REVERSED, NP(EXT_REVERSED), EXT_OPTIONS_ONLY,
                 NP(EXT_OPTIONS_ONLY), 1);
    k = std_session(&cr, 6, 2);
    frag_session(&k, &cr, &after, &hbh, EXT_REVERSED, NP(EXT_REVERSED), EXT_SHUFFLED,
                 NP(EXT_SHUFFLED), 2);
    k = std_session(&cr, 6, 3);
    const cut_spec atomic = {.id = 0x2300, .unfrag = HBH, .unfrag_len = sizeof HBH};
    frag_session(&k, &cr, &after, &atomic, EXT_WHOLE, 1, EXT_WHOLE, 1, 3);
    pb_pcap_close(cr.w);
    g_free(path);
}

/* ---- frag-last-fragments: two last fragments with different ends --------- */

/* The true last piece (end 80), a second last piece ending at 64 (its bytes
 * equal to the true ones), then the first half. */
static const piece TRUE_TAIL_FIRST[] = {{40, 40, 0, 0}, {40, 24, 0, MF_CLEAR}, {0, 40, 0, 0}};
/* The same three, the short last piece first. */
static const piece SHORT_TAIL_FIRST[] = {{40, 24, 0, MF_CLEAR}, {40, 40, 0, 0}, {0, 40, 0, 0}};

/* frag-last-fragments: sessions 0 and 1 IPv4, 2 and 3 IPv6; in 0 and 2 the
 * true last fragment comes first, in 1 and 3 the short one; the responses
 * are whole and acknowledge the whole request. */
static void
case_frag_last(const char *dir)
{
    char *path = case_path(dir, "frag-last-fragments.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    for (int n = 0; n < 4; n++) {
        const cut_spec cs = {.id = 0x3000 + (uint32_t)n * 16};
        conv k = std_session(&cr, n < 2 ? 4 : 6, n);
        frag_session(&k, &cr, NULL, &cs, n % 2 == 0 ? TRUE_TAIL_FIRST : SHORT_TAIL_FIRST, 3, NULL,
                     0, n);
    }
    pb_pcap_close(cr.w);
    g_free(path);
}

/* ---- frag-overlap: overlapping fragments with different bytes -------------- */

/* The request: its first half, an evil copy of 24..40 (wholly inside it),
 * its second half. The response: 0..24, 24..40, an evil copy of 24..48
 * (over 24..40 and beyond it), then 40..80 (over the evil 40..48). */
static const piece OVERLAP_REQ[] = {{0, 40, 0, 0}, {24, 16, '!', 0}, {40, 40, 0, 0}};
static const piece OVERLAP_RESP[] = {
    {0, 24, 0, 0}, {24, 16, 0, 0}, {24, 24, '!', 0}, {40, 40, 0, 0}};

/* The request: 0..24, 32..80, then an evil copy of 24..40 (filling the
 * hole 24..32 and overlapping 32..40 from a lower offset). */
static const piece OVERLAP_LOWER[] = {{0, 24, 0, 0}, {32, 48, 0, 0}, {24, 16, '!', 0}};

/* frag-overlap: sessions 0 (IPv4) and 1 (IPv6) as OVERLAP_REQ and
 * OVERLAP_RESP; sessions 2 (IPv4) and 3 (IPv6) with the request as
 * OVERLAP_LOWER and the response whole. */
static void
case_frag_overlap(const char *dir)
{
    char *path = case_path(dir, "frag-overlap.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    for (int n = 0; n < 4; n++) {
        const cut_spec cs = {.id = 0x4000 + (uint32_t)n * 16};
        conv k = std_session(&cr, n % 2 == 0 ? 4 : 6, n);
        if (n < 2)
            frag_session(&k, &cr, NULL, &cs, OVERLAP_REQ, NP(OVERLAP_REQ), OVERLAP_RESP,
                         NP(OVERLAP_RESP), n);
        else
            frag_session(&k, &cr, NULL, &cs, OVERLAP_LOWER, NP(OVERLAP_LOWER), NULL, 0, n);
    }
    pb_pcap_close(cr.w);
    g_free(path);
}

/* ---- frag-timeout, frag-memory --------------------------------------------- */

/* frag-timeout: session 0 IPv4 (second 0), session 1 IPv6 (second 10):
 * the request's second half comes 3 s after its first; the response is
 * whole. */
static void
case_frag_timeout(const char *dir)
{
    char *path = case_path(dir, "frag-timeout.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    for (int n = 0; n < 2; n++) {
        conv k =
            open_session(&cr, n == 0 ? 4 : 6, n == 0 ? "10.1.0.1" : "2001:db8:1::1", n, n * 10);
        const cut_spec cs = {.id = 0x5000 + (uint32_t)n * 16};
        char req[TEXT_LEN + 1], resp[TEXT_LEN + 1];
        make_text(req, CLIENT, n);
        make_text(resp, SERVER, n);
        handshake(&k);
        static fragset fs;
        frag_build(&k, CLIENT, req, NULL, &cs, HALVES, 2, &fs);
        int64_t ts = pb_conn_time(k.c);
        emit(&cr, ts, fs.buf[0], fs.len[0]);
        emit(&cr, ts + 3 * SECOND, fs.buf[1], fs.len[1]);
        pb_conn_set_time(k.c, ts + 3 * SECOND + MS);
        text(&k, SERVER, resp);
        closing(&k);
    }
    pb_pcap_close(cr.w);
    g_free(path);
}

/* frag-memory: session 0 IPv4 and session 1 IPv6 send their requests in
 * halves, interleaved: 0's first half, 1's first half, 1's second half,
 * 0's second half; the responses are whole. */
static void
case_frag_memory(const char *dir)
{
    char *path = case_path(dir, "frag-memory.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    carrier cr1 = cr;
    conv a = std_session(&cr, 4, 0);
    conv b = std_session(&cr1, 6, 1);
    handshake(&a);
    handshake(&b);
    static fragset fa, fb;
    char ta[TEXT_LEN + 1], tb[TEXT_LEN + 1];
    make_text(ta, CLIENT, 0);
    make_text(tb, CLIENT, 1);
    const cut_spec cs = {.id = 0x6000};
    frag_build(&a, CLIENT, ta, NULL, &cs, HALVES, 2, &fa);
    frag_build(&b, CLIENT, tb, NULL, &cs, HALVES, 2, &fb);
    same_time(&a, &b);
    int64_t ts = pb_conn_time(a.c);
    emit(&cr, ts, fa.buf[0], fa.len[0]);
    emit(&cr1, ts + MS, fb.buf[0], fb.len[0]);
    emit(&cr1, ts + 2 * MS, fb.buf[1], fb.len[1]);
    emit(&cr, ts + 3 * MS, fa.buf[1], fa.len[1]);
    pb_conn_set_time(a.c, ts + 4 * MS);
    pb_conn_set_time(b.c, ts + 4 * MS);
    make_text(ta, SERVER, 0);
    make_text(tb, SERVER, 1);
    text(&a, SERVER, ta);
    closing_before(&a, &b);
    text(&b, SERVER, tb);
    closing(&b);
    pb_pcap_close(cr.w);
    g_free(path);
}

/* ---- frag-vlan, frag-sll, frag-tunnel -------------------------------------- */

/* Session 0 IPv4, session 1 IPv6 on `cr`: request reversed, response
 * shuffled. */
static void
two_families(carrier *cr)
{
    const cut_spec cs = {.id = 0x7000};
    for (int n = 0; n < 2; n++) {
        conv k = std_session(cr, n == 0 ? 4 : 6, n);
        frag_session(&k, cr, NULL, &cs, REVERSED, NP(REVERSED), SHUFFLED, NP(SHUFFLED), n);
    }
}

/* frag-vlan (one 802.1Q tag) and frag-sll (Linux cooked capture). */
static void
case_frag_links(const char *dir)
{
    char *path = case_path(dir, "frag-vlan.pcap");
    carrier cr = plain(pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0), TS_LINKTYPE_ETHERNET);
    cr.vlan = 1;
    two_families(&cr);
    pb_pcap_close(cr.w);
    g_free(path);
    path = case_path(dir, "frag-sll.pcap");
    cr = plain(pb_pcap_open(path, TS_LINKTYPE_LINUX_SLL, false, 0), TS_LINKTYPE_LINUX_SLL);
    two_families(&cr);
    pb_pcap_close(cr.w);
    g_free(path);
}

/* The outer packet (IPv4 or IPv6 header, 20-byte inner IPv4 header, TCP
 * header, 60 bytes: 100 bytes after the outer header; GRE: 104) cut in
 * two, the second part first. */
static const piece OUTER_REVERSED[] = {{48, 52, 0, 0}, {0, 48, 0, 0}};
static const piece OUTER_GRE[] = {{56, 48, 0, 0}, {0, 56, 0, 0}};

/* Session `n` in a tunnel whose data packets' outer packets are cut into
 * `pcs` (IP ids 0x8100 + 16 n for the request, + 1 for the response). */
static void
outer_session(carrier *cr, int n, const piece *pcs, int npcs)
{
    conv k = std_session(cr, 4, n);
    char req[TEXT_LEN + 1], resp[TEXT_LEN + 1];
    make_text(req, CLIENT, n);
    make_text(resp, SERVER, n);
    const cut_spec cs = {.id = 0x8100 + (uint32_t)n * 16};
    cut_spec rs = cs;
    rs.id = cs.id + 1;
    handshake(&k);
    outer_frag_send(&k, cr, CLIENT, req, &cs, pcs, npcs);
    outer_frag_send(&k, cr, SERVER, resp, &rs, pcs, npcs);
    closing(&k);
}

/* frag-tunnel: 0: IPv4 in IPv4 (192.0.2.1 <-> 192.0.2.2), the inner
 * packets fragmented (request reversed, response shuffled); 1: IPv6 in
 * GRE over IPv4, the same; 2: IPv4 in IPv4, the outer packets fragmented;
 * 3: IPv4 in IPv6 (2001:db8:ff::1 <-> 2001:db8:ff::2), the outer packets
 * fragmented; 4: IPv4 in GRE over IPv4, the outer packets fragmented. */
static void
case_frag_tunnel(const char *dir)
{
    char *path = case_path(dir, "frag-tunnel.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    carrier v4 = {.w = w,
                  .linktype = TS_LINKTYPE_ETHERNET,
                  .tunnel = TUN_IPIP,
                  .outer_family = 4,
                  .outer = {"192.0.2.1", "192.0.2.2"}};
    carrier gre = v4, v6 = v4;
    gre.tunnel = TUN_GRE;
    v6.outer_family = 6;
    v6.outer[0] = "2001:db8:ff::1";
    v6.outer[1] = "2001:db8:ff::2";
    cut_spec inner = {.id = 0x8000};
    conv k = std_session(&v4, 4, 0);
    frag_session(&k, &v4, NULL, &inner, REVERSED, NP(REVERSED), SHUFFLED, NP(SHUFFLED), 0);
    inner.id = 0x8010;
    k = std_session(&gre, 6, 1);
    frag_session(&k, &gre, NULL, &inner, REVERSED, NP(REVERSED), SHUFFLED, NP(SHUFFLED), 1);
    outer_session(&v4, 2, OUTER_REVERSED, NP(OUTER_REVERSED));
    outer_session(&v6, 3, OUTER_REVERSED, NP(OUTER_REVERSED));
    outer_session(&gre, 4, OUTER_GRE, NP(OUTER_GRE));
    pb_pcap_close(w);
    g_free(path);
}

/* Writes the fragment case captures into `dir`. */
void
write_fragment_cases(const char *dir)
{
    case_frag_ipv4(dir);
    case_frag_ipv6(dir);
    case_frag_ipv6_ext(dir);
    case_frag_last(dir);
    case_frag_overlap(dir);
    case_frag_timeout(dir);
    case_frag_memory(dir);
    case_frag_links(dir);
    case_frag_tunnel(dir);
}
