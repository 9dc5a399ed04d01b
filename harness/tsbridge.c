/*
 * tsbridge.c — user-space Ethernet bridge between two TAP devices, with
 * seeded impairment of TCP frames and a capture point.
 *
 *   tsbridge --tap A --tap B --pcap FILE [--pcapng FILE] [--seed N]
 *            [--loss-before P] [--loss-after P] [--reorder P]
 *            [--reorder-ms MIN-MAX] [--dup P] [--seq-shift] [--vlan ID]
 *            [--max-seconds S] [--max-frames N] [--stats FILE]
 *
 * Opens /dev/net/tun twice (IFF_TAP | IFF_NO_PI, no vnet header, so the
 * kernel hands over frames already segmented to the MTU and checksummed),
 * prints "ready" on stdout, and forwards every frame read from one TAP to the
 * other until SIGTERM/SIGINT, --max-seconds or --max-frames. The caller moves
 * the two TAP devices into their network namespaces after "ready"; the file
 * descriptors stay attached.
 *
 * Impairment applies to IPv4/IPv6 TCP frames only (ARP, neighbour discovery
 * and the rest pass untouched), decided by a PRNG seeded with --seed, one
 * decision after the other in arrival order:
 *
 *   1. loss before the capture point: dropped, never written;
 *   2. reordering: held back for a random delay in --reorder-ms while later
 *      frames pass (captured when released, so the capture shows the order
 *      the receiver sees);
 *   3. duplication: written and forwarded twice;
 *   4. loss after the capture point: written, then dropped.
 *
 * Every frame that passes the capture point is written to --pcap (classic
 * pcap, microsecond timestamps, Ethernet) and, optionally, --pcapng. At the
 * end a JSON object with the counters goes to --stats (or stderr).
 *
 * --seq-shift changes the capture's view only: every direction of every
 * connection gets its sequence numbers shifted so that its initial sequence
 * number lies within 16 KiB below 2^32 (the sequence space wraps early in the
 * connection), consistently in seq, ack and SACK blocks, checksum
 * recomputed. The frames forwarded are untouched, so the capture is what the
 * wire would show had the kernels picked those initial sequence numbers.
 * --vlan ID likewise writes every frame with an 802.1Q tag (a trunk port's
 * view).
 *
 * Gotchas: the decisions are reproducible for a given arrival order only;
 * kernel timing changes that order from run to run. Held frames still queued
 * at the end are discarded (they never passed the capture point).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "rng.h"
#include "tcpsession.h" /* TS_TCP_*, TS_LINKTYPE_* */

#define MAX_FRAME 65600
#define MAX_HELD 4096
#define MAX_FLOWS 65536

typedef struct {
    uint8_t *data;
    size_t len;
    int to;          /* index of the TAP it goes out of */
    int64_t release; /* monotonic ns */
} held_frame;

typedef struct {
    const char *tap[2];
    const char *pcap_path, *pcapng_path, *stats_path;
    uint64_t seed;
    double loss_before, loss_after, reorder, dup;
    double reorder_min_ms, reorder_max_ms;
    double max_seconds;
    uint64_t max_frames;
    bool seq_shift;
    int vlan; /* -1: none */
} config;

typedef struct {
    uint64_t read[2], written_pcap, forwarded, tcp, dropped_before, dropped_after, reordered,
        duplicated, held_discarded, write_errors, read_errors;
} counters;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t
now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
die(const char *what)
{
    fprintf(stderr, "tsbridge: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int
open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die("open /dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) {
        fprintf(stderr, "tsbridge: TAP name too long: %s\n", name);
        exit(2);
    }
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        die("TUNSETIFF");
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
        die("O_NONBLOCK");
    return fd;
}

/* ---- capture files --------------------------------------------------- */

typedef struct {
    FILE *pcap, *pcapng;
} capture;

/* Writes `v` to `f` in the machine's byte order (the files' magic numbers
 * tell readers which); not a byte-order conversion (see byteorder.h). */
static void
put32(FILE *f, uint32_t v)
{
    fwrite(&v, 4, 1, f);
}

static void
put16(FILE *f, uint16_t v)
{
    fwrite(&v, 2, 1, f);
}

static FILE *
open_capture_file(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static void
capture_open(capture *c, const config *cfg)
{
    c->pcap = open_capture_file(cfg->pcap_path);
    put32(c->pcap, 0xa1b2c3d4); /* microsecond pcap, host byte order */
    put16(c->pcap, 2);
    put16(c->pcap, 4);
    put32(c->pcap, 0);
    put32(c->pcap, 0);
    put32(c->pcap, 262144);
    put32(c->pcap, TS_LINKTYPE_ETHERNET);
    c->pcapng = NULL;
    if (cfg->pcapng_path) {
        FILE *f = c->pcapng = open_capture_file(cfg->pcapng_path);
        /* Section header block, no options. */
        put32(f, 0x0A0D0D0A);
        put32(f, 28);
        put32(f, 0x1A2B3C4D);
        put16(f, 1);
        put16(f, 0);
        put32(f, 0xFFFFFFFF);
        put32(f, 0xFFFFFFFF);
        put32(f, 28);
        /* Interface description block: Ethernet, default microsecond resolution. */
        put32(f, 0x00000001);
        put32(f, 20);
        put16(f, TS_LINKTYPE_ETHERNET);
        put16(f, 0);
        put32(f, 262144);
        put32(f, 20);
    }
}

static void
capture_write(capture *c, counters *n, const uint8_t *data, size_t len)
{
    int64_t t = now_ns(CLOCK_REALTIME);
    uint32_t sec = (uint32_t)(t / 1000000000), usec = (uint32_t)(t % 1000000000 / 1000);
    put32(c->pcap, sec);
    put32(c->pcap, usec);
    put32(c->pcap, (uint32_t)len);
    put32(c->pcap, (uint32_t)len);
    fwrite(data, 1, len, c->pcap);
    if (c->pcapng) {
        static const uint8_t zero[4];
        size_t pad = (4 - len % 4) % 4;
        uint32_t total = (uint32_t)(32 + len + pad);
        uint64_t us = (uint64_t)t / 1000;
        put32(c->pcapng, 0x00000006);
        put32(c->pcapng, total);
        put32(c->pcapng, 0);
        put32(c->pcapng, (uint32_t)(us >> 32));
        put32(c->pcapng, (uint32_t)us);
        put32(c->pcapng, (uint32_t)len);
        put32(c->pcapng, (uint32_t)len);
        fwrite(data, 1, len, c->pcapng);
        fwrite(zero, 1, pad, c->pcapng);
        put32(c->pcapng, total);
    }
    n->written_pcap++;
}

static bool
capture_close(capture *c)
{
    bool ok = fclose(c->pcap) == 0;
    if (c->pcapng)
        ok = fclose(c->pcapng) == 0 && ok;
    return ok;
}

/* ---- sequence shift (capture view) ------------------------------------ */

/* One direction of a connection: addresses and ports as sent, its SYN's
 * sequence number and the shift the capture applies to its sequence space. */
typedef struct {
    uint8_t key[37]; /* family, source, destination (16 bytes each), ports packed below */
    uint32_t isn;
    uint32_t shift;
    bool used;
} flow;

static flow *flows;
static size_t nflows, next_victim;

/* A TCP segment inside an Ethernet frame. */
typedef struct {
    uint8_t *ip, *tcp;
    size_t tcp_len; /* header and payload */
    int family;
} segment;

static bool
find_segment(uint8_t *f, size_t len, segment *sg)
{
    if (len < 14)
        return false;
    uint16_t type = pb_get16(f + 12);
    if (type == 0x0800) {
        if (len < 34)
            return false;
        size_t ihl = (size_t)(f[14] & 15) * 4, total = pb_get16(f + 16);
        if (ihl < 20 || 14 + total > len || total < ihl + 20)
            return false;
        sg->ip = f + 14;
        sg->tcp = f + 14 + ihl;
        sg->tcp_len = total - ihl;
        sg->family = 4;
    } else {
        if (len < 54)
            return false;
        size_t plen = pb_get16(f + 18);
        if (54 + plen > len || plen < 20)
            return false;
        sg->ip = f + 14;
        sg->tcp = f + 54;
        sg->tcp_len = plen;
        sg->family = 6;
    }
    size_t hl = (size_t)(sg->tcp[12] >> 4) * 4;
    return hl >= 20 && hl <= sg->tcp_len;
}

static void
flow_key(const segment *sg, bool reverse, uint8_t key[37])
{
    memset(key, 0, 37);
    key[0] = (uint8_t)sg->family;
    size_t alen = sg->family == 4 ? 4 : 16;
    const uint8_t *src = sg->family == 4 ? sg->ip + 12 : sg->ip + 8;
    const uint8_t *dst = src + alen;
    memcpy(key + 1, reverse ? dst : src, alen);
    memcpy(key + 17, reverse ? src : dst, alen);
    key[33] = sg->tcp[reverse ? 2 : 0];
    key[34] = sg->tcp[reverse ? 3 : 1];
    key[35] = sg->tcp[reverse ? 0 : 2];
    key[36] = sg->tcp[reverse ? 1 : 3];
}

static flow *
flow_find(const uint8_t key[37])
{
    for (size_t i = 0; i < nflows; i++)
        if (flows[i].used && !memcmp(flows[i].key, key, 37))
            return &flows[i];
    return NULL;
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += pb_get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static void
tcp_checksum(const segment *sg)
{
    uint32_t sum = 0;
    if (sg->family == 4)
        sum = sum16(sg->ip + 12, 8, 0);
    else
        sum = sum16(sg->ip + 8, 32, 0);
    sum += 6 + (uint32_t)sg->tcp_len;
    sg->tcp[16] = sg->tcp[17] = 0;
    sum = sum16(sg->tcp, sg->tcp_len, sum);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    pb_put16(sg->tcp + 16, c);
}

/* The shift of the direction `key` whose SYN carries `isn`: the ISN moves to
 * 2^32 - 1 - (0..16383), chosen from the seed and the flow. */
static uint32_t
shift_for(uint64_t seed, const uint8_t key[37], uint32_t isn)
{
    uint64_t x = seed ^ ((uint64_t)isn << 20);
    for (int i = 0; i < 37; i++)
        x = x * 1099511628211ull + key[i];
    uint32_t target = 0xFFFFFFFFu - (uint32_t)(splitmix64(&x) % 16384);
    return target - isn;
}

/* Rewrites seq, ack and SACK blocks of the TCP frame `f` (a copy) into the
 * shifted view. */
static void
shift_frame(uint64_t seed, uint8_t *f, size_t len)
{
    segment sg;
    if (!find_segment(f, len, &sg))
        return;
    uint8_t key[37], rkey[37];
    flow_key(&sg, false, key);
    flow_key(&sg, true, rkey);
    uint8_t flags = sg.tcp[13];
    uint32_t seq = pb_get32(sg.tcp + 4);
    flow *own = flow_find(key);
    /* SYN or SYN-ACK: new sequence space */
    if ((flags & TS_TCP_SYN) && (!own || own->isn != seq)) {
        if (!own) {
            if (!flows)
                flows = calloc(MAX_FLOWS, sizeof *flows);
            if (!flows)
                die("calloc");
            if (nflows < MAX_FLOWS)
                own = &flows[nflows++];
            else
                own = &flows[next_victim++ % MAX_FLOWS];
            memcpy(own->key, key, 37);
            own->used = true;
        }
        own->isn = seq;
        own->shift = shift_for(seed, key, seq);
    }
    const flow *rev = flow_find(rkey);
    uint32_t mine = own ? own->shift : 0, theirs = rev ? rev->shift : 0;
    pb_put32(sg.tcp + 4, seq + mine);
    if (flags & TS_TCP_ACK)
        pb_put32(sg.tcp + 8, pb_get32(sg.tcp + 8) + theirs);
    size_t hl = (size_t)(sg.tcp[12] >> 4) * 4;
    for (size_t i = 20; i < hl;) { /* options: SACK blocks are in the peer's space */
        uint8_t kind = sg.tcp[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= hl || sg.tcp[i + 1] < 2 || i + sg.tcp[i + 1] > hl)
            break;
        if (kind == 5)
            for (size_t b = i + 2; b + 8 <= i + sg.tcp[i + 1]; b += 8) {
                pb_put32(sg.tcp + b, pb_get32(sg.tcp + b) + theirs);
                pb_put32(sg.tcp + b + 4, pb_get32(sg.tcp + b + 4) + theirs);
            }
        i += sg.tcp[i + 1];
    }
    tcp_checksum(&sg);
}
/* ---- frames ---------------------------------------------------------- */

/* True for an Ethernet frame carrying IPv4 or IPv6 (no extension headers)
 * with TCP inside. */
static bool
is_tcp(const uint8_t *f, size_t len)
{
    if (len < 14)
        return false;
    uint16_t type = pb_get16(f + 12);
    if (type == 0x0800)
        return len >= 34 && f[23] == 6;
    if (type == 0x86DD)
        return len >= 54 && f[20] == 6;
    return false;
}

static void
forward(int fd, counters *n, const uint8_t *data, size_t len)
{
    if (write(fd, data, len) != (ssize_t)len)
        n->write_errors++;
    else
        n->forwarded++;
}

/* Capture point, loss after it, then out. */
static void
pass(const config *cfg, rng *r, capture *c, counters *n, int fd, const uint8_t *data, size_t len,
     bool tcp)
{
    if ((tcp && cfg->seq_shift) || cfg->vlan >= 0) {
        static uint8_t view[MAX_FRAME + 4];
        memcpy(view, data, len);
        size_t vlen = len;
        if (tcp && cfg->seq_shift)
            shift_frame(cfg->seed, view, vlen);
        if (cfg->vlan >= 0 && vlen >= 14) { /* 802.1Q tag after the MAC addresses */
            memmove(view + 16, view + 12, vlen - 12);
            pb_put16(view + 12, 0x8100);
            pb_put16(view + 14, (uint16_t)cfg->vlan);
            vlen += 4;
        }
        capture_write(c, n, view, vlen);
    } else {
        capture_write(c, n, data, len);
    }
    if (tcp && cfg->loss_after > 0 && rng_unit(r) < cfg->loss_after) {
        n->dropped_after++;
        return;
    }
    forward(fd, n, data, len);
}

static void
handle_frame(const config *cfg, rng *r, capture *c, counters *n, const int fds[2], int to,
             const uint8_t *data, size_t len, held_frame *held, size_t *nheld)
{
    bool tcp = is_tcp(data, len);
    if (!tcp) {
        pass(cfg, r, c, n, fds[to], data, len, false);
        return;
    }
    n->tcp++;
    if (cfg->loss_before > 0 && rng_unit(r) < cfg->loss_before) {
        n->dropped_before++;
        return;
    }
    if (cfg->reorder > 0 && rng_unit(r) < cfg->reorder && *nheld < MAX_HELD) {
        double ms = cfg->reorder_min_ms + rng_unit(r) * (cfg->reorder_max_ms - cfg->reorder_min_ms);
        held_frame *h = &held[(*nheld)++];
        h->data = malloc(len);
        if (!h->data)
            die("malloc");
        memcpy(h->data, data, len);
        h->len = len;
        h->to = to;
        h->release = now_ns(CLOCK_MONOTONIC) + (int64_t)(ms * 1e6);
        n->reordered++;
        return;
    }
    bool twice = cfg->dup > 0 && rng_unit(r) < cfg->dup;
    pass(cfg, r, c, n, fds[to], data, len, true);
    if (twice) {
        n->duplicated++;
        pass(cfg, r, c, n, fds[to], data, len, true);
    }
}

/* Releases the held frames that are due (in the order they were held). */
static void
release_due(const config *cfg, rng *r, capture *c, counters *n, const int fds[2], held_frame *held,
            size_t *nheld, int64_t now)
{
    size_t keep = 0;
    for (size_t i = 0; i < *nheld; i++) {
        if (held[i].release <= now) {
            pass(cfg, r, c, n, fds[held[i].to], held[i].data, held[i].len, true);
            free(held[i].data);
        } else {
            held[keep++] = held[i];
        }
    }
    *nheld = keep;
}

static double
parse_prob(const char *opt, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || v < 0 || v > 1) {
        fprintf(stderr, "tsbridge: %s wants a probability in [0, 1], not '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

static void
usage(void)
{
    fputs(
        "usage: tsbridge --tap A --tap B --pcap FILE [--pcapng FILE] [--seed N]\n"
        "                [--loss-before P] [--loss-after P] [--reorder P] [--reorder-ms MIN-MAX]\n"
        "                [--dup P] [--seq-shift] [--vlan ID] [--max-seconds S] [--max-frames N]\n"
        "                [--stats FILE]\n",
        stderr);
    exit(2);
}

static void
parse_args(int argc, char **argv, config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->reorder_min_ms = 1;
    cfg->reorder_max_ms = 5;
    cfg->max_seconds = 300;
    cfg->max_frames = 10000000;
    cfg->vlan = -1;
    int ntap = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--seq-shift")) {
            cfg->seq_shift = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--tap") && ntap < 2)
            cfg->tap[ntap++] = v;
        else if (!strcmp(a, "--pcap"))
            cfg->pcap_path = v;
        else if (!strcmp(a, "--pcapng"))
            cfg->pcapng_path = v;
        else if (!strcmp(a, "--stats"))
            cfg->stats_path = v;
        else if (!strcmp(a, "--seed"))
            cfg->seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--loss-before"))
            cfg->loss_before = parse_prob(a, v);
        else if (!strcmp(a, "--loss-after"))
            cfg->loss_after = parse_prob(a, v);
        else if (!strcmp(a, "--reorder"))
            cfg->reorder = parse_prob(a, v);
        else if (!strcmp(a, "--dup"))
            cfg->dup = parse_prob(a, v);
        else if (!strcmp(a, "--reorder-ms")) {
            if (sscanf(v, "%lf-%lf", &cfg->reorder_min_ms, &cfg->reorder_max_ms) != 2 ||
                cfg->reorder_min_ms < 0 || cfg->reorder_max_ms < cfg->reorder_min_ms)
                usage();
        } else if (!strcmp(a, "--vlan")) {
            cfg->vlan = atoi(v);
            if (cfg->vlan < 0 || cfg->vlan > 4095)
                usage();
        } else if (!strcmp(a, "--max-seconds"))
            cfg->max_seconds = strtod(v, NULL);
        else if (!strcmp(a, "--max-frames"))
            cfg->max_frames = strtoull(v, NULL, 0);
        else
            usage();
    }
    if (ntap != 2 || !cfg->pcap_path)
        usage();
}

static void
write_stats(const config *cfg, const counters *n)
{
    FILE *f = cfg->stats_path ? fopen(cfg->stats_path, "w") : stderr;
    if (!f)
        die(cfg->stats_path);
    fprintf(f,
            "{\"read\": [%" PRIu64 ", %" PRIu64 "], \"captured\": %" PRIu64
            ", \"forwarded\": %" PRIu64 ", \"tcp\": %" PRIu64 ", \"dropped_before\": %" PRIu64
            ", \"dropped_after\": %" PRIu64 ", \"reordered\": %" PRIu64 ", \"duplicated\": %" PRIu64
            ", \"held_discarded\": %" PRIu64 ", \"write_errors\": %" PRIu64
            ", \"read_errors\": %" PRIu64 "}\n",
            n->read[0], n->read[1], n->written_pcap, n->forwarded, n->tcp, n->dropped_before,
            n->dropped_after, n->reordered, n->duplicated, n->held_discarded, n->write_errors,
            n->read_errors);
    if (f != stderr)
        fclose(f);
}

/** Entry point: see the file comment. Exit status 0 after a clean stop, 1 on
 *  a system error, 2 on a usage error. */
int
main(int argc, char **argv)
{
    config cfg;
    parse_args(argc, argv, &cfg);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Stop with the process that started us (the driver), whatever kills it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fds[2] = {open_tap(cfg.tap[0]), open_tap(cfg.tap[1])};
    capture cap;
    capture_open(&cap, &cfg);
    uint64_t x = cfg.seed;
    rng r = {{splitmix64(&x), splitmix64(&x), splitmix64(&x), splitmix64(&x)}};
    counters n;
    memset(&n, 0, sizeof n);
    static held_frame held[MAX_HELD];
    size_t nheld = 0;
    static uint8_t buf[MAX_FRAME];

    printf("ready\n");
    fflush(stdout);

    int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)(cfg.max_seconds * 1e9);
    while (!stop_requested && n.read[0] + n.read[1] < cfg.max_frames) {
        int64_t now = now_ns(CLOCK_MONOTONIC);
        if (now >= deadline) {
            fprintf(stderr, "tsbridge: --max-seconds reached, stopping\n");
            break;
        }
        release_due(&cfg, &r, &cap, &n, fds, held, &nheld, now);
        int64_t wait = deadline - now;
        for (size_t i = 0; i < nheld; i++)
            if (held[i].release - now < wait)
                wait = held[i].release - now;
        int timeout_ms = (int)((wait + 999999) / 1000000);
        if (timeout_ms > 1000)
            timeout_ms = 1000;
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        int rc = poll(p, 2, timeout_ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (int side = 0; side < 2; side++) {
            if (!(p[side].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            /* Drain a bounded batch so one side cannot starve the other. */
            for (int k = 0; k < 64; k++) {
                ssize_t len = read(fds[side], buf, sizeof buf);
                if (len < 0) {
                    if (errno != EAGAIN && errno != EINTR)
                        n.read_errors++;
                    break;
                }
                if (len == 0)
                    break;
                n.read[side]++;
                handle_frame(&cfg, &r, &cap, &n, fds, 1 - side, buf, (size_t)len, held, &nheld);
            }
        }
    }
    for (size_t i = 0; i < nheld; i++)
        free(held[i].data);
    n.held_discarded = nheld;
    bool ok = capture_close(&cap);
    close(fds[0]);
    close(fds[1]);
    write_stats(&cfg, &n);
    if (!ok) {
        fprintf(stderr, "tsbridge: writing the capture failed\n");
        return 1;
    }
    return 0;
}
