/*
 * bench-gen.c — deterministic benchmark capture generator (issue 6).
 *
 *     bench-gen OUT.pcap --size MB --connections N [--seed S] [--concurrency C]
 *               [--ipv6 PERCENT] [--reorder PERMILLE] [--retransmit PERMILLE]
 *               [--max-message BYTES] [--mbps RATE]
 *
 * Writes a classic Ethernet pcap of about MB megabytes (10^6 bytes) holding
 * N TCP connections built with harness/pktbuild (pb_conn): handshake,
 * request/response exchanges, FIN both ways. Connections are interleaved in
 * time: a scheduler keeps up to C connections open (default N/2) and emits
 * one step of a randomly chosen one at a time, so thousands are concurrent.
 * Message sizes are heavy-tailed (log-uniform classes from one byte to
 * --max-message, default 8 MiB, capped at a quarter of the capture); the
 * receiver ACKs every second segment. Some data segments are swapped with the
 * next one (reordering) and some are sent again a few steps later
 * (retransmission, always before the FIN). IPv4 and IPv6 (default 30 %).
 *
 * Every connection has its own 4-tuple (no port reuse), so tcpflow's file
 * names carry no c1/c2 suffixes.
 * Timestamps advance as on a link of --mbps Mbit/s (default 100, so a
 * capture of hundreds of MB spans tens of seconds of capture time). The same
 * arguments always give the same file, byte for byte.
 *
 * On success prints one line of facts (key=value) that harness/bench/bench.py
 * parses: packets, connections, ipv6, bytes, payload, max_message,
 * max_concurrent, reordered, retransmitted.
 */
#include "pktbuild.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers (splitmix64: tiny, fast, deterministic) ------------ */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t
rng_below(uint64_t n)
{
    return n ? rng_next() % n : 0;
}

/* Uniform in [0, 1). */
static double
rng_unit(void)
{
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

/* Log-uniform integer in [lo, hi] (lo >= 1): as many 10-byte messages as
 * 10-kilobyte ones, the shape of real message sizes. */
static uint64_t
rng_log_uniform(uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    double llo = log((double)lo), lhi = log((double)hi + 1.0);
    uint64_t v = (uint64_t)exp(llo + (lhi - llo) * rng_unit());
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- plan -------------------------------------------------------------- */

typedef struct {
    uint64_t len[2];  /* request (client) and response (server) bytes */
    uint64_t pool[2]; /* offsets of their bytes in the payload pool */
} exchange;

typedef struct {
    exchange *ex;
    uint32_t nex, cap;
} plan;

static struct {
    uint64_t size_bytes, max_message;
    uint32_t connections, concurrency, ipv6_percent, reorder_pm, retransmit_pm, mbps;
    uint64_t seed;
} opt = {.ipv6_percent = 30, .reorder_pm = 5, .retransmit_pm = 5, .seed = 1, .mbps = 100};

static uint8_t *pool;
static uint64_t pool_len;

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench-gen: out of memory\n");
        exit(1);
    }
    return p;
}

/* `v` limited to `cap` and to --max-message (small captures lower it, and
 * the pool messages are cut from is twice its size). */
static uint64_t
clamp(uint64_t v, uint64_t cap)
{
    if (v > opt.max_message)
        v = opt.max_message;
    return v < cap ? v : cap;
}

/* Size of a request: mostly small, some uploads. */
static uint64_t
draw_request(uint64_t cap)
{
    uint64_t r = rng_below(1000), v;
    if (r < 850)
        v = rng_log_uniform(1, 1500);
    else if (r < 990)
        v = rng_log_uniform(1500, 256 * 1024);
    else
        v = rng_log_uniform(256 * 1024, opt.max_message);
    return clamp(v, cap);
}

/* Size of a response: heavy-tailed from one byte to max_message. */
static uint64_t
draw_response(uint64_t cap)
{
    uint64_t r = rng_below(1000), v;
    if (r < 600)
        v = rng_log_uniform(1, 16 * 1024);
    else if (r < 900)
        v = rng_log_uniform(16 * 1024, 512 * 1024);
    else if (r < 980)
        v = rng_log_uniform(512 * 1024, 2 * 1024 * 1024);
    else
        v = rng_log_uniform(2 * 1024 * 1024, opt.max_message);
    return clamp(v, cap);
}

static void
plan_add(plan *p, uint64_t req, uint64_t resp)
{
    if (p->nex == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 2;
        p->ex = xrealloc(p->ex, p->cap * sizeof *p->ex);
    }
    exchange *e = &p->ex[p->nex++];
    e->len[0] = req ? req : 1;
    e->len[1] = resp ? resp : 1;
    for (int d = 0; d < 2; d++)
        e->pool[d] = rng_below(pool_len - e->len[d] + 1);
}

/* Draws exchanges until the payload budget is spent (each connection gets at
 * least one; later ones go to random connections). */
static plan *
make_plans(void)
{
    plan *plans = xrealloc(NULL, opt.connections * sizeof *plans);
    memset(plans, 0, opt.connections * sizeof *plans);
    /* headers, pcap records and ACKs add about 8 % to the payload */
    uint64_t budget = (uint64_t)((double)opt.size_bytes / 1.08), used = 0;
    for (uint32_t i = 0; i < opt.connections; i++) {
        uint64_t left = budget > used ? budget - used : 0;
        /* keep enough for one small exchange per remaining connection */
        uint64_t reserve = (uint64_t)(opt.connections - i) * 600;
        uint64_t cap = left > reserve ? left - reserve : 1;
        uint64_t req = draw_request(cap < 1500 ? cap : cap / 4);
        uint64_t resp = draw_response(cap > req ? cap - req : 1);
        plan_add(&plans[i], req, resp);
        used += plans[i].ex[0].len[0] + plans[i].ex[0].len[1];
    }
    while (used < budget) {
        uint64_t left = budget - used;
        uint64_t req = draw_request(left);
        uint64_t resp = draw_response(left > req ? left - req : 1);
        plan *p = &plans[rng_below(opt.connections)];
        plan_add(p, req, resp);
        used += p->ex[p->nex - 1].len[0] + p->ex[p->nex - 1].len[1];
    }
    return plans;
}

/* ---- connections ------------------------------------------------------- */

enum phase { SYN, SYNACK, ACK3, DATA, FIN1, FIN2, LASTACK, DONE };

typedef struct {
    pb_conn *pc;
    plan *plan;
    uint32_t isn[2];
    uint32_t mss;
    uint32_t cur;       /* current exchange */
    int dir;            /* 0: request, 1: response */
    uint64_t sent;      /* bytes of the current message sent */
    int owe_ack;        /* segments the receiver has not acknowledged */
    bool server_closes; /* the server sends the first FIN */
    enum phase phase;
    /* one pending retransmission */
    bool rtx;
    int rtx_from;
    uint32_t rtx_rel, rtx_len, rtx_wait;
    const uint8_t *rtx_data;
} gconn;

static pb_writer *writer;
static int64_t clock_ns = 1700000000LL * 1000000000LL;
static struct {
    uint64_t packets, bytes, payload, ipv6, reordered, retransmitted, max_message;
    uint32_t max_concurrent;
} stats;

/* Every frame goes through here: written at the global clock, which then
 * advances by the frame's time on the link (plus a small gap). */
static void
sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    (void)user;
    (void)ts_ns;
    pb_pcap_write(writer, clock_ns, frame, len);
    clock_ns += (int64_t)len * 8000 / opt.mbps + 200;
    stats.packets++;
    stats.bytes += 16 + len;
}

static uint32_t
rel_next(const gconn *g, int from)
{
    return pb_conn_next_seq(g->pc, from) - g->isn[from] - 1;
}

static void
conn_start(gconn *g, uint32_t idx, plan *p)
{
    char cli[64], srv[64];
    bool v6 = rng_below(100) < opt.ipv6_percent;
    uint32_t host = idx / 16 + 1, server = (uint32_t)rng_below(64);
    static const uint16_t server_ports[] = {80, 443, 8080, 25, 22, 3306};
    uint16_t cport = (uint16_t)(40000 + idx % 16 * 1500 + rng_below(1500));
    uint16_t sport = server_ports[rng_below(sizeof server_ports / sizeof server_ports[0])];
    if (v6) {
        snprintf(cli, sizeof cli, "2001:db8:c::%x:%x", host >> 16, host & 0xffff);
        snprintf(srv, sizeof srv, "2001:db8:5::%x", server + 1);
        stats.ipv6++;
    } else {
        snprintf(cli, sizeof cli, "10.%u.%u.%u", host >> 16 & 0xff, host >> 8 & 0xff, host & 0xff);
        snprintf(srv, sizeof srv, "192.168.%u.%u", server / 200, server % 200 + 1);
    }
    memset(g, 0, sizeof *g);
    g->isn[0] = (uint32_t)rng_next();
    g->isn[1] = (uint32_t)rng_next();
    g->pc = pb_conn_new(NULL, TS_LINKTYPE_ETHERNET, v6 ? 6 : 4, cli, cport, srv, sport, g->isn[0],
                        g->isn[1]);
    pb_conn_set_sink(g->pc, sink, NULL);
    g->plan = p;
    g->mss = v6 ? 1440 : 1460;
    g->server_closes = rng_below(4) == 0;
    g->phase = SYN;
}

/* Sends `len` bytes of the current message from `from` at relative offset
 * `rel`. */
static void
send_piece(gconn *g, int from, uint32_t rel, const uint8_t *data, uint32_t len)
{
    pb_conn_send_at(g->pc, from, rel, data, len, 0);
    stats.payload += len;
}

/* One data step: a retransmission due, an ACK owed, or the next segment(s). */
static void
conn_data_step(gconn *g)
{
    exchange *e = &g->plan->ex[g->cur];
    int from = g->dir;
    if (g->rtx && g->rtx_wait-- == 0) {
        send_piece(g, g->rtx_from, g->rtx_rel, g->rtx_data, g->rtx_len);
        stats.retransmitted++;
        g->rtx = false;
        return;
    }
    if (g->owe_ack >= 2) {
        pb_conn_ack(g->pc, !from);
        g->owe_ack = 0;
        return;
    }
    const uint8_t *msg = pool + e->pool[from];
    uint64_t left = e->len[from] - g->sent;
    uint32_t rel = rel_next(g, from);
    uint32_t a = (uint32_t)(left < g->mss ? left : g->mss);
    uint32_t b = (uint32_t)(left - a < g->mss ? left - a : g->mss);
    if (b > 0 && rng_below(1000) < opt.reorder_pm) {
        /* the next segment overtakes this one */
        send_piece(g, from, rel + a, msg + g->sent + a, b);
        send_piece(g, from, rel, msg + g->sent, a);
        stats.reordered++;
        g->owe_ack += 2;
    } else {
        send_piece(g, from, rel, msg + g->sent, a);
        g->owe_ack += 1;
        b = 0;
    }
    if (!g->rtx && rng_below(1000) < opt.retransmit_pm) {
        g->rtx = true;
        g->rtx_from = from;
        g->rtx_rel = rel;
        g->rtx_len = a;
        g->rtx_data = msg + g->sent;
        g->rtx_wait = (uint32_t)rng_below(16);
    }
    pb_conn_set_next_seq(g->pc, from, g->isn[from] + 1 + rel + a + b);
    g->sent += a + b;
    if (g->sent == e->len[from]) {
        /* message complete: the reply's first segment acknowledges it, the
         * last response is acknowledged by the client before its FIN */
        if (e->len[from] > stats.max_message)
            stats.max_message = e->len[from];
        g->owe_ack = 0;
        g->sent = 0;
        g->dir = !g->dir;
        if (g->dir == 0 && ++g->cur == g->plan->nex) {
            g->phase = FIN1;
            g->owe_ack = 1;
        }
    }
}

/* Emits the next packet(s) of `g`; returns false once it is finished. */
static bool
conn_step(gconn *g)
{
    pb_tcp seg;
    int closer = g->server_closes ? 1 : 0;
    switch (g->phase) {
    case SYN:
        pb_conn_template(g->pc, 0, &seg);
        seg.seq = g->isn[0];
        seg.ack = 0;
        seg.flags = TS_TCP_SYN;
        pb_conn_write(g->pc, &seg);
        g->phase = SYNACK;
        return true;
    case SYNACK:
        pb_conn_template(g->pc, 1, &seg);
        seg.seq = g->isn[1];
        seg.flags = TS_TCP_SYN | TS_TCP_ACK;
        pb_conn_write(g->pc, &seg);
        g->phase = ACK3;
        return true;
    case ACK3:
        pb_conn_ack(g->pc, 0);
        g->phase = DATA;
        return true;
    case DATA: conn_data_step(g); return true;
    case FIN1:
        if (g->rtx) { /* retransmissions always come before the FIN */
            send_piece(g, g->rtx_from, g->rtx_rel, g->rtx_data, g->rtx_len);
            stats.retransmitted++;
            g->rtx = false;
            return true;
        }
        if (g->owe_ack) {
            pb_conn_ack(g->pc, 0);
            g->owe_ack = 0;
            return true;
        }
        pb_conn_fin(g->pc, closer);
        g->phase = FIN2;
        return true;
    case FIN2:
        pb_conn_fin(g->pc, !closer);
        g->phase = LASTACK;
        return true;
    case LASTACK:
        pb_conn_ack(g->pc, closer);
        g->phase = DONE;
        return false;
    case DONE: break;
    }
    return false;
}

/* ---- main -------------------------------------------------------------- */

static void
usage(void)
{
    fprintf(stderr,
            "usage: bench-gen OUT.pcap --size MB --connections N [--seed S]\n"
            "                 [--concurrency C] [--ipv6 PERCENT] [--reorder PERMILLE]\n"
            "                 [--retransmit PERMILLE] [--max-message BYTES] [--mbps RATE]\n");
    exit(2);
}

static uint64_t
parse_u64(const char *name, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || errno || end == text || *end != '\0') {
        fprintf(stderr, "bench-gen: bad value for %s: %s\n", name, text ? text : "(missing)");
        usage();
    }
    return v;
}

int
main(int argc, char **argv)
{
    const char *out = NULL;
    double size_mb = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--size")) {
            char *end;
            size_mb = v ? strtod(v, &end) : 0;
            if (!v || *end || size_mb <= 0)
                usage();
            i++;
        } else if (!strcmp(a, "--connections")) {
            opt.connections = (uint32_t)parse_u64(a, v), i++;
        } else if (!strcmp(a, "--seed")) {
            opt.seed = parse_u64(a, v), i++;
        } else if (!strcmp(a, "--concurrency")) {
            opt.concurrency = (uint32_t)parse_u64(a, v), i++;
        } else if (!strcmp(a, "--ipv6")) {
            opt.ipv6_percent = (uint32_t)parse_u64(a, v), i++;
        } else if (!strcmp(a, "--reorder")) {
            opt.reorder_pm = (uint32_t)parse_u64(a, v), i++;
        } else if (!strcmp(a, "--retransmit")) {
            opt.retransmit_pm = (uint32_t)parse_u64(a, v), i++;
        } else if (!strcmp(a, "--max-message")) {
            opt.max_message = parse_u64(a, v), i++;
        } else if (!strcmp(a, "--mbps")) {
            opt.mbps = (uint32_t)parse_u64(a, v), i++;
        } else if (a[0] == '-' || out) {
            usage();
        } else {
            out = a;
        }
    }
    if (!out || size_mb <= 0 || opt.connections == 0 || opt.connections > 16u << 20 ||
        opt.mbps == 0)
        usage();
    opt.size_bytes = (uint64_t)(size_mb * 1e6);
    if (opt.max_message == 0)
        opt.max_message = 8u << 20;
    if (opt.max_message > opt.size_bytes / 4)
        opt.max_message = opt.size_bytes / 4 > 1 ? opt.size_bytes / 4 : 1;
    if (opt.concurrency == 0)
        opt.concurrency = opt.connections / 2 ? opt.connections / 2 : 1;
    rng_state = opt.seed * 0x2545f4914f6cdd1dull + 1;

    /* payload pool: pseudo-random bytes messages are sliced from */
    pool_len = opt.max_message * 2 > (1u << 20) ? opt.max_message * 2 : (1u << 20);
    pool = xrealloc(NULL, pool_len + 8);
    for (uint64_t i = 0; i < pool_len; i += 8) {
        uint64_t r = rng_next();
        memcpy(pool + i, &r, 8);
    }

    plan *plans = make_plans();
    writer = pb_pcap_open(out, TS_LINKTYPE_ETHERNET, false, 0);
    gconn *active = xrealloc(NULL, (size_t)opt.concurrency * sizeof *active);
    uint32_t nactive = 0, started = 0;
    while (started < opt.connections || nactive > 0) {
        /* open a new connection now and then until C are open */
        if (started < opt.connections && nactive < opt.concurrency &&
            (nactive == 0 || rng_below(4) == 0)) {
            conn_start(&active[nactive], started, &plans[started]);
            started++;
            conn_step(&active[nactive++]);
            if (nactive > stats.max_concurrent)
                stats.max_concurrent = nactive;
            continue;
        }
        uint32_t k = (uint32_t)rng_below(nactive);
        if (!conn_step(&active[k])) {
            pb_conn_free(active[k].pc);
            active[k] = active[--nactive];
        }
    }
    pb_pcap_close(writer);
    stats.bytes += 24;
    for (uint32_t i = 0; i < opt.connections; i++)
        free(plans[i].ex);
    free(plans);
    free(active);
    free(pool);
    printf("packets=%" PRIu64 " connections=%" PRIu32 " ipv6=%" PRIu64 " bytes=%" PRIu64
           " payload=%" PRIu64 " max_message=%" PRIu64 " max_concurrent=%" PRIu32
           " reordered=%" PRIu64 " retransmitted=%" PRIu64 "\n",
           stats.packets, opt.connections, stats.ipv6, stats.bytes, stats.payload,
           stats.max_message, stats.max_concurrent, stats.reordered, stats.retransmitted);
    return 0;
}
