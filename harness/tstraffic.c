/*
 * tstraffic.c — client and server exchanging known content over real TCP
 * sockets, for the ground-truth harness.
 *
 *   tstraffic server PLAN [--listen4 IP] [--listen6 IP] [--log FILE] [--deadline S]
 *   tstraffic client PLAN --server4 IP --server6 IP [--parallel N] [--log FILE]
 *                         [--deadline S]
 *   tstraffic plan PLAN                       print the plan, one JSON line a connection
 *   tstraffic content PLAN --conn I --from client|server [--msg J]
 *                                             write the bytes a side sends to stdout
 *
 *   PLAN = --seed N --conns N [--exchanges MIN-MAX] [--size MIN-MAX] [--family 4|6|46]
 *          [--closes fin,sfin,half,crst,srst] [--reuse K] [--reuse-port BASE]
 *          [--mss N] [--port P] [--chunk N] [--nodelay 1] [--rcvbuf N] [--pause-us N]
 *          [--tfo 1] [--keepalive 1] [--think-ms N] [--duplex 1] [--urgent 1]
 *
 * Both sides compute the same plan from the same PLAN options: for every
 * connection its family, number of request/response exchanges, every
 * message's size (log-uniform in --size, so heavy-tailed: mostly small, a
 * few of several MB) and how it closes. Message bytes come from a PRNG
 * seeded with (seed, connection, direction, message), so they are the same on
 * every run; the first 4 bytes of a connection's first request are its id
 * (big-endian), which is how the server finds the plan of an accepted
 * connection. Each side checks every byte it receives against the plan.
 *
 * Close modes (after the last exchange):
 *   fin   the client closes, the server reads EOF and closes;
 *   sfin  the server closes right after its last response, then the client;
 *   half  the client shuts down writing right after its last request
 *         (SHUT_WR), the server answers after EOF, then both close;
 *   crst  the client aborts (SO_LINGER 0: RST) after the last response;
 *   srst  the client shuts down writing, the server aborts after EOF.
 * The RST modes abort only after all data has been read by the peer, so every
 * byte sent is a byte delivered.
 *
 * Socket behaviour (both sides): --mss sets TCP_MAXSEG, --chunk N writes each
 * message in send() calls of at most N bytes, --nodelay 1 sets TCP_NODELAY,
 * --rcvbuf N sets SO_RCVBUF before connect/listen (small windows, zero
 * windows), --pause-us N sleeps after every recv() (a slow reader), --tfo 1
 * uses TCP Fast Open (TCP_FASTOPEN on the listener, TCP_FASTOPEN_CONNECT on
 * the client: data in the SYN once the client has a cookie; needs the
 * net.ipv4.tcp_fastopen sysctl at 3), --keepalive 1 turns on keep-alive
 * probes after 1 s of idleness, --think-ms N makes the client wait N ms
 * before every request but the first (idle connections: keep-alives),
 * --urgent 1 sends the last byte of every message with MSG_OOB (an urgent
 * pointer on the wire; receivers read it inline, SO_OOBINLINE).
 *
 * --duplex 1: both sides send all their messages at once, from a second
 * thread, while reading the other side's (full duplex, no request/response
 * order); the close step follows once both are done, and is fin, sfin or
 * half only (an abort could discard bytes the peer has not read yet).
 *
 * --reuse K: connections are chained K at a time on one fixed client port
 * (--reuse-port + chain number, SO_REUSEADDR), one after the other, so the
 * same 4-tuple carries K connections; chained connections close with sfin,
 * crst or srst only (a client-first FIN would leave the port in TIME_WAIT).
 *
 * Each side writes one JSON line per finished connection to --log: id,
 * endpoints, connect time, close mode, how the end looked, and for every
 * message sent and received its length and MD5, plus per-direction totals.
 * Exit status 0 when every connection went as planned, 1 otherwise, 2 usage.
 *
 * Every wait is bounded: socket timeouts (SO_RCVTIMEO/SO_SNDTIMEO), bounded
 * retries, and --deadline for the whole run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "rng.h"

enum { FROM_CLIENT = 0, FROM_SERVER = 1 };
enum { CLOSE_FIN, CLOSE_SFIN, CLOSE_HALF, CLOSE_CRST, CLOSE_SRST, CLOSE_COUNT_ };
static const char *const close_names[CLOSE_COUNT_] = {"fin", "sfin", "half", "crst", "srst"};

#define IO_TIMEOUT_S 30
#define END_TIMEOUT_MS 2000
#define CHUNK 65536

/* ---- PRNG ------------------------------------------------------------- */

static void
rng_seed(rng *r, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t x = a ^ splitmix64(&b) ^ (c * 0xD1B54A32D192ED03ull) ^ (d << 48);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

/* ---- the plan --------------------------------------------------------- */

typedef struct {
    uint64_t seed;
    unsigned conns, ex_min, ex_max;
    uint64_t size_min, size_max;
    int family; /* 4, 6, or 46 for both */
    unsigned closes;
    unsigned reuse;
    unsigned reuse_port;
    int mss;
    unsigned port;
    unsigned chunk, rcvbuf, pause_us, think_ms;
    bool nodelay, tfo, keepalive, duplex, urgent;
} plan_params;

typedef struct {
    unsigned id;
    int family;
    unsigned exchanges;
    uint64_t *size[2]; /* [direction][exchange] */
    int close;
    unsigned chain;       /* connections of one chain run one after the other */
    uint16_t client_port; /* 0: ephemeral */
} conn_plan;

typedef struct {
    plan_params p;
    conn_plan *conns;
    unsigned nchains;
} plan;

static uint64_t
log_uniform(rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    double v = (double)lo * exp(rng_unit(r) * log(((double)hi + 1.0) / (double)lo));
    uint64_t x = (uint64_t)v;
    return x < lo ? lo : x > hi ? hi : x;
}

static int
pick_close(rng *r, unsigned allowed)
{
    int modes[CLOSE_COUNT_], n = 0;
    for (int m = 0; m < CLOSE_COUNT_; m++)
        if (allowed & (1u << m))
            modes[n++] = m;
    return n ? modes[rng_next(r) % (uint64_t)n] : CLOSE_CRST;
}

static void
plan_build(plan *pl)
{
    const plan_params *p = &pl->p;
    pl->conns = calloc(p->conns, sizeof *pl->conns);
    if (!pl->conns)
        abort();
    unsigned chain_family = 4;
    for (unsigned i = 0; i < p->conns; i++) {
        conn_plan *c = &pl->conns[i];
        rng r;
        rng_seed(&r, p->seed, i, 0x504C414E, 0);
        c->id = i;
        c->chain = p->reuse ? i / p->reuse : i;
        bool chain_start = !p->reuse || i % p->reuse == 0;
        if (chain_start)
            chain_family = p->family == 46 ? (rng_next(&r) & 1 ? 6 : 4) : (unsigned)p->family;
        else
            rng_next(&r);
        c->family = (int)chain_family;
        c->client_port = p->reuse ? (uint16_t)(p->reuse_port + c->chain) : 0;
        unsigned allowed = p->closes;
        if (p->reuse)
            allowed &= (1u << CLOSE_SFIN) | (1u << CLOSE_CRST) | (1u << CLOSE_SRST);
        if (p->duplex) /* an abort could discard bytes the peer has not read yet */
            allowed &= (1u << CLOSE_FIN) | (1u << CLOSE_SFIN) | (1u << CLOSE_HALF);
        if (!allowed && p->duplex)
            allowed = 1u << CLOSE_SFIN;
        c->close = pick_close(&r, allowed);
        c->exchanges = p->ex_min + (unsigned)(rng_next(&r) % (p->ex_max - p->ex_min + 1));
        for (int d = 0; d < 2; d++) {
            c->size[d] = calloc(c->exchanges, sizeof(uint64_t));
            if (!c->size[d])
                abort();
            for (unsigned e = 0; e < c->exchanges; e++)
                c->size[d][e] = log_uniform(&r, p->size_min, p->size_max);
        }
        if (c->size[FROM_CLIENT][0] < 4)
            c->size[FROM_CLIENT][0] = 4; /* room for the connection id */
    }
    pl->nchains = p->conns ? pl->conns[p->conns - 1].chain + 1 : 0;
}

static void
plan_free(plan *pl)
{
    for (unsigned i = 0; i < pl->p.conns; i++) {
        free(pl->conns[i].size[0]);
        free(pl->conns[i].size[1]);
    }
    free(pl->conns);
    pl->conns = NULL;
}

/* ---- content ---------------------------------------------------------- */

/* The bytes one side sends in one message, produced piece by piece. */
typedef struct {
    rng r;
    uint64_t pos;
    uint8_t prefix[4];
    unsigned prefix_len;
    uint8_t spare[8];
    unsigned spare_len;
} content;

static void
content_init(content *c, uint64_t seed, unsigned conn, int from, unsigned msg)
{
    memset(c, 0, sizeof *c);
    rng_seed(&c->r, seed, conn, (uint64_t)from + 1, (uint64_t)msg + 1);
    if (from == FROM_CLIENT && msg == 0) {
        pb_put32(c->prefix, conn);
        c->prefix_len = 4;
    }
}

static void
content_fill(content *c, uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n && c->pos < c->prefix_len)
        buf[i++] = c->prefix[c->pos++];
    while (i < n && c->spare_len)
        buf[i++] = c->spare[8 - c->spare_len--];
    while (n - i >= 8) {
        uint64_t w = rng_next(&c->r);
        memcpy(buf + i, &w, 8);
        i += 8;
    }
    if (i < n) {
        uint64_t w = rng_next(&c->r);
        memcpy(c->spare, &w, 8);
        c->spare_len = 8;
        while (i < n)
            buf[i++] = c->spare[8 - c->spare_len--];
    }
    c->pos += n;
}

/* ---- per-connection records ------------------------------------------ */

typedef struct {
    GChecksum *total;
    uint64_t bytes;
    GString *msgs; /* JSON objects, comma separated */
} dir_record;

typedef struct {
    dir_record sent, recv;
    char error[256];
    const char *end; /* how the peer's end looked */
    bool closed;     /* the descriptor was closed by the close step */
} conn_record;

static void
dir_record_init(dir_record *d)
{
    d->total = g_checksum_new(G_CHECKSUM_MD5);
    d->bytes = 0;
    d->msgs = g_string_new(NULL);
}

static void
dir_record_free(dir_record *d)
{
    g_checksum_free(d->total);
    g_string_free(d->msgs, TRUE);
}

static void
dir_record_msg(dir_record *d, uint64_t len, GChecksum *msg)
{
    g_string_append_printf(d->msgs, "%s{\"len\": %" PRIu64 ", \"md5\": \"%s\"}",
                           d->msgs->len ? ", " : "", len, g_checksum_get_string(msg));
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;

static void
endpoint_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, unsigned *port)
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)iplen);
        *port = ntohs(s6->sin6_port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)iplen);
        *port = ntohs(s4->sin_port);
    }
}

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
log_connection(const char *role, long id, int family, const struct sockaddr_storage *client,
               const struct sockaddr_storage *server, int64_t start, int close_mode,
               const conn_record *rec)
{
    char cip[INET6_ADDRSTRLEN] = "", sip[INET6_ADDRSTRLEN] = "";
    unsigned cport = 0, sport = 0;
    if (client->ss_family)
        endpoint_text(client, cip, sizeof cip, &cport);
    if (server->ss_family)
        endpoint_text(server, sip, sizeof sip, &sport);
    pthread_mutex_lock(&log_lock);
    fprintf(log_file,
            "{\"role\": \"%s\", \"id\": %ld, \"family\": %d, \"client\": {\"ip\": \"%s\", "
            "\"port\": %u}, \"server\": {\"ip\": \"%s\", \"port\": %u}, \"start_ns\": %" PRId64
            ", \"end_ns\": %" PRId64 ", \"close\": \"%s\", \"end\": \"%s\", \"error\": \"%s\", "
            "\"sent_bytes\": %" PRIu64 ", \"sent_md5\": \"%s\", \"sent\": [%s], "
            "\"recv_bytes\": %" PRIu64 ", \"recv_md5\": \"%s\", \"recv\": [%s]}\n",
            role, id, family, cip, cport, sip, sport, start, now_ns(),
            close_mode >= 0 ? close_names[close_mode] : "", rec->end ? rec->end : "", rec->error,
            rec->sent.bytes, g_checksum_get_string(rec->sent.total), rec->sent.msgs->str,
            rec->recv.bytes, g_checksum_get_string(rec->recv.total), rec->recv.msgs->str);
    fflush(log_file);
    pthread_mutex_unlock(&log_lock);
}

/* ---- socket I/O ------------------------------------------------------- */

static void
set_timeouts(int fd)
{
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Sends message `msg` of `conn` from side `from`; false (with rec->error) on failure. */
static bool
send_message(int fd, const plan *pl, const conn_plan *c, int from, unsigned msg, conn_record *rec)
{
    uint64_t len = c->size[from][msg];
    content gen;
    content_init(&gen, pl->p.seed, c->id, from, msg);
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    uint8_t *buf = g_malloc(CHUNK);
    bool ok = true;
    size_t piece = pl->p.chunk ? pl->p.chunk : CHUNK;
    for (uint64_t done = 0; done < len && ok;) {
        size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        content_fill(&gen, buf, n);
        size_t off = 0;
        bool last = done + n == len;
        while (off < n) {
            size_t want = n - off < piece ? n - off : piece;
            int flags = MSG_NOSIGNAL;
            if (pl->p.urgent && last && off + want == n) {
                if (want > 1)
                    want--; /* the last byte goes alone, urgent */
                else
                    flags |= MSG_OOB;
            }
            ssize_t w = send(fd, buf + off, want, flags);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                snprintf(rec->error, sizeof rec->error, "send message %u at %" PRIu64 ": %s", msg,
                         done + off, w < 0 ? strerror(errno) : "short");
                ok = false;
                break;
            }
            off += (size_t)w;
        }
        g_checksum_update(md5, buf, off);
        g_checksum_update(rec->sent.total, buf, off);
        rec->sent.bytes += off;
        done += off;
    }
    if (ok)
        dir_record_msg(&rec->sent, len, md5);
    g_checksum_free(md5);
    g_free(buf);
    return ok;
}

/* Receives exactly message `msg` of `conn` sent by side `from`, checking every byte. */
static bool
recv_message(int fd, const plan *pl, const conn_plan *c, int from, unsigned msg, conn_record *rec,
             uint64_t already, const uint8_t *head)
{
    uint64_t len = c->size[from][msg];
    content gen;
    content_init(&gen, pl->p.seed, c->id, from, msg);
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    uint8_t *buf = g_malloc(CHUNK), *want = g_malloc(CHUNK);
    bool ok = true;
    if (already) { /* bytes the caller read to find the connection id */
        content_fill(&gen, want, (size_t)already);
        if (memcmp(head, want, (size_t)already)) {
            snprintf(rec->error, sizeof rec->error, "message %u: wrong first bytes", msg);
            ok = false;
        }
        g_checksum_update(md5, head, (size_t)already);
        g_checksum_update(rec->recv.total, head, (size_t)already);
        rec->recv.bytes += already;
    }
    for (uint64_t done = already; done < len && ok;) {
        size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        ssize_t got = recv(fd, buf, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            snprintf(rec->error, sizeof rec->error,
                     "recv message %u at %" PRIu64 " of %" PRIu64 ": %s", msg, done, len,
                     got < 0 ? strerror(errno) : "EOF");
            ok = false;
            break;
        }
        if (pl->p.pause_us) {
            struct timespec ts = {0, (long)pl->p.pause_us * 1000};
            nanosleep(&ts, NULL);
        }
        content_fill(&gen, want, (size_t)got);
        if (memcmp(buf, want, (size_t)got)) {
            snprintf(rec->error, sizeof rec->error, "message %u: bytes differ near %" PRIu64, msg,
                     done);
            ok = false;
        }
        g_checksum_update(md5, buf, (size_t)got);
        g_checksum_update(rec->recv.total, buf, (size_t)got);
        rec->recv.bytes += (uint64_t)got;
        done += (uint64_t)got;
    }
    if (ok)
        dir_record_msg(&rec->recv, len, md5);
    g_checksum_free(md5);
    g_free(buf);
    g_free(want);
    return ok;
}

/* Waits (at most timeout_ms) for the peer's end: "eof", "reset", "timeout";
 * any data is an error. */
static const char *
await_end(int fd, int timeout_ms, conn_record *rec)
{
    struct pollfd p = {fd, POLLIN, 0};
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int left = (int)((deadline - now_ns()) / 1000000);
        if (left <= 0)
            return "timeout";
        int rc = poll(&p, 1, left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            return "timeout";
        uint8_t b[256];
        ssize_t got = recv(fd, b, sizeof b, MSG_DONTWAIT);
        if (got == 0)
            return "eof";
        if (got < 0 && (errno == ECONNRESET || errno == EPIPE))
            return "reset";
        if (got < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (got < 0)
            return "error";
        snprintf(rec->error, sizeof rec->error, "%zd unexpected bytes after the last message", got);
        return "data";
    }
}

static void
abort_close(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Waits (bounded) until the peer has acknowledged everything we sent: an
 * orphaned socket probing a zero window may be given up by the kernel, so a
 * graceful close waits first. */
static void
wait_drained(int fd)
{
    for (int i = 0; i < IO_TIMEOUT_S * 200; i++) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        int outq = 0;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
            return;
        /* only states that still send: a reset or closed socket never drains */
        if (ti.tcpi_state != TCP_ESTABLISHED && ti.tcpi_state != TCP_CLOSE_WAIT &&
            ti.tcpi_state != TCP_FIN_WAIT1 && ti.tcpi_state != TCP_CLOSING &&
            ti.tcpi_state != TCP_LAST_ACK)
            return;
        if (ioctl(fd, SIOCOUTQ, &outq) < 0 || outq == 0)
            return;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

/* The close step: a FIN (close) or a RST (abort). */
static void
finish(int fd, bool rst, conn_record *rec)
{
    if (rst) {
        abort_close(fd);
    } else {
        wait_drained(fd);
        close(fd);
    }
    rec->closed = true;
}

/* ---- full duplex ------------------------------------------------------- */

/* Sends every message of one side from a thread of its own. */
typedef struct {
    int fd;
    const plan *pl;
    const conn_plan *c;
    int from;
    bool shut;       /* shutdown(SHUT_WR) after the last message */
    conn_record rec; /* its own error text; `sent` shares the caller's checksums */
    bool ok;
    pthread_t thread;
} writer;

static void *
writer_main(void *arg)
{
    writer *w = arg;
    w->ok = true;
    for (unsigned e = 0; e < w->c->exchanges && w->ok; e++)
        w->ok = send_message(w->fd, w->pl, w->c, w->from, e, &w->rec);
    if (w->ok && w->shut)
        shutdown(w->fd, SHUT_WR);
    return NULL;
}

static void
writer_start(writer *w, int fd, const plan *pl, const conn_plan *c, int from, bool shut,
             const conn_record *rec)
{
    memset(w, 0, sizeof *w);
    *w = (writer){.fd = fd, .pl = pl, .c = c, .from = from, .shut = shut};
    w->rec.sent = rec->sent;
    if (pthread_create(&w->thread, NULL, writer_main, w)) {
        fprintf(stderr, "tstraffic: pthread_create failed\n");
        exit(1);
    }
}

/* Joins the writer; its byte count and error go back to `rec`. */
static bool
writer_join(writer *w, conn_record *rec)
{
    pthread_join(w->thread, NULL);
    rec->sent.bytes = w->rec.sent.bytes;
    rec->sent.msgs = w->rec.sent.msgs;
    if (!w->ok && !rec->error[0])
        memcpy(rec->error, w->rec.error, sizeof rec->error);
    return w->ok;
}

/* ---- options ---------------------------------------------------------- */

typedef struct {
    plan_params plan;
    const char *listen4, *listen6, *server4, *server6, *log_path, *from;
    unsigned parallel;
    double deadline;
    long conn, msg;
} options;

static void
usage(void)
{
    fputs("usage: tstraffic server|client|plan|content --seed N --conns N [--exchanges MIN-MAX]\n"
          "         [--size MIN-MAX] [--family 4|6|46] [--closes LIST] [--reuse K]\n"
          "         [--reuse-port BASE] [--mss N] [--port P] [--chunk N] [--nodelay 1]\n"
          "         [--rcvbuf N] [--pause-us N] [--tfo 1] [--keepalive 1] [--think-ms N]\n"
          "         [--duplex 1] [--urgent 1]\n"
          "  server: [--listen4 IP] [--listen6 IP] [--log FILE] [--deadline S]\n"
          "  client: --server4 IP --server6 IP [--parallel N] [--log FILE] [--deadline S]\n"
          "  content: --conn I --from client|server [--msg J]\n",
          stderr);
    exit(2);
}

static uint64_t
parse_size(const char *s, const char **end)
{
    char *e;
    double v = strtod(s, &e);
    if (*e == 'k' || *e == 'K')
        v *= 1024, e++;
    else if (*e == 'M' || *e == 'm')
        v *= 1048576, e++;
    *end = e;
    return (uint64_t)v;
}

static void
parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
    const char *e;
    *lo = parse_size(s, &e);
    if (*e == '-')
        *hi = parse_size(e + 1, &e);
    else
        *hi = *lo;
    if (*e || *hi < *lo)
        usage();
}

static void
parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    plan_params *p = &o->plan;
    p->ex_min = p->ex_max = 1;
    p->size_min = 1;
    p->size_max = 1024;
    p->family = 4;
    p->closes = (1u << CLOSE_COUNT_) - 1;
    p->reuse_port = 40000;
    p->port = 8080;
    o->parallel = 8;
    o->deadline = 120;
    o->conn = o->msg = -1;
    bool have_seed = false, have_conns = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        uint64_t lo, hi;
        if (!strcmp(a, "--seed"))
            p->seed = strtoull(v, NULL, 0), have_seed = true;
        else if (!strcmp(a, "--conns"))
            p->conns = (unsigned)strtoul(v, NULL, 0), have_conns = true;
        else if (!strcmp(a, "--exchanges")) {
            parse_range(v, &lo, &hi);
            if (lo < 1 || hi > 1000)
                usage();
            p->ex_min = (unsigned)lo, p->ex_max = (unsigned)hi;
        } else if (!strcmp(a, "--size")) {
            parse_range(v, &p->size_min, &p->size_max);
            if (p->size_min < 1 || p->size_max > ((uint64_t)1 << 32))
                usage();
        } else if (!strcmp(a, "--family")) {
            p->family = atoi(v);
            if (p->family != 4 && p->family != 6 && p->family != 46)
                usage();
        } else if (!strcmp(a, "--closes")) {
            p->closes = 0;
            gchar **names = g_strsplit(v, ",", -1);
            for (gchar **n = names; *n; n++) {
                int m = 0;
                while (m < CLOSE_COUNT_ && strcmp(*n, close_names[m]))
                    m++;
                if (m == CLOSE_COUNT_)
                    usage();
                p->closes |= 1u << m;
            }
            g_strfreev(names);
        } else if (!strcmp(a, "--reuse"))
            p->reuse = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--reuse-port"))
            p->reuse_port = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--mss"))
            p->mss = atoi(v);
        else if (!strcmp(a, "--port"))
            p->port = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--chunk"))
            p->chunk = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--rcvbuf"))
            p->rcvbuf = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--pause-us"))
            p->pause_us = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--nodelay"))
            p->nodelay = atoi(v) != 0;
        else if (!strcmp(a, "--tfo"))
            p->tfo = atoi(v) != 0;
        else if (!strcmp(a, "--keepalive"))
            p->keepalive = atoi(v) != 0;
        else if (!strcmp(a, "--duplex"))
            p->duplex = atoi(v) != 0;
        else if (!strcmp(a, "--urgent"))
            p->urgent = atoi(v) != 0;
        else if (!strcmp(a, "--think-ms"))
            p->think_ms = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--listen4"))
            o->listen4 = v;
        else if (!strcmp(a, "--listen6"))
            o->listen6 = v;
        else if (!strcmp(a, "--server4"))
            o->server4 = v;
        else if (!strcmp(a, "--server6"))
            o->server6 = v;
        else if (!strcmp(a, "--log"))
            o->log_path = v;
        else if (!strcmp(a, "--parallel"))
            o->parallel = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--deadline"))
            o->deadline = strtod(v, NULL);
        else if (!strcmp(a, "--conn"))
            o->conn = strtol(v, NULL, 0);
        else if (!strcmp(a, "--msg"))
            o->msg = strtol(v, NULL, 0);
        else if (!strcmp(a, "--from"))
            o->from = v;
        else
            usage();
    }
    if (!have_seed || !have_conns || p->conns == 0 || p->conns > 100000 || !p->closes ||
        p->port == 0 || p->port > 65535 || o->parallel < 1 || o->parallel > 512 ||
        (p->reuse && p->reuse_port + p->conns / p->reuse + 1 > 65535) || p->pause_us > 999999 ||
        p->think_ms > 10000)
        usage();
}

static FILE *
open_log(const char *path)
{
    if (!path)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tstraffic: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

static bool
make_addr(int family, const char *ip, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *len = sizeof *s6;
        return !ip || inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    return !ip || inet_pton(AF_INET, ip, &s4->sin_addr) == 1;
}

/* The plan's socket options, before connect() or listen(). */
static void
set_socket_options(int fd, const plan_params *p, bool listener)
{
    int mss = p->mss, one = 1, rcvbuf = (int)p->rcvbuf, qlen = 64;
    if (mss > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) < 0)
        fprintf(stderr, "tstraffic: TCP_MAXSEG %d: %s\n", mss, strerror(errno));
    if (p->nodelay)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (p->tfo && listener && setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof qlen) < 0)
        fprintf(stderr, "tstraffic: TCP_FASTOPEN: %s\n", strerror(errno));
    if (p->urgent)
        setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
    if (p->keepalive) {
        int idle = 1, intvl = 1, cnt = 5;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    }
    if (p->tfo && !listener &&
        setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) < 0)
        fprintf(stderr, "tstraffic: TCP_FASTOPEN_CONNECT: %s\n", strerror(errno));
}

/* ---- server ----------------------------------------------------------- */

typedef struct {
    const plan *pl;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned active, done, failed;
} server_state;

typedef struct {
    server_state *st;
    int fd;
    int family;
} server_job;

static bool
serve_connection(const plan *pl, int fd, int family, conn_record *rec, long *id_out, int *close_out)
{
    uint8_t head[4];
    size_t have = 0;
    while (have < 4) {
        ssize_t got = recv(fd, head + have, 4 - have, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            snprintf(rec->error, sizeof rec->error, "no connection id: %s",
                     got < 0 ? strerror(errno) : "EOF");
            return false;
        }
        have += (size_t)got;
    }
    uint32_t id = pb_get32(head);
    if (id >= pl->p.conns) {
        snprintf(rec->error, sizeof rec->error, "unknown connection id %u", id);
        return false;
    }
    *id_out = id;
    const conn_plan *c = &pl->conns[id];
    *close_out = c->close;
    if (c->family != family) {
        snprintf(rec->error, sizeof rec->error, "connection %u came over IPv%d", id, family);
        return false;
    }
    if (pl->p.duplex) {
        writer w;
        writer_start(&w, fd, pl, c, FROM_SERVER, false, rec);
        bool ok = true;
        for (unsigned e = 0; e < c->exchanges && ok; e++)
            ok = recv_message(fd, pl, c, FROM_CLIENT, e, rec, e == 0 ? 4 : 0, head);
        if (ok && c->close == CLOSE_HALF) {
            rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
            if (strcmp(rec->end, "eof")) {
                snprintf(rec->error, sizeof rec->error, "half close: wanted EOF, got %s", rec->end);
                ok = false;
            }
        }
        if (!ok)
            shutdown(fd, SHUT_RDWR); /* unblock the writer */
        if (!writer_join(&w, rec) || !ok)
            return false;
    } else {
        for (unsigned e = 0; e < c->exchanges; e++) {
            if (!recv_message(fd, pl, c, FROM_CLIENT, e, rec, e == 0 ? 4 : 0, head))
                return false;
            if (e + 1 == c->exchanges && c->close == CLOSE_HALF) {
                rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
                if (strcmp(rec->end, "eof")) {
                    snprintf(rec->error, sizeof rec->error, "half close: wanted EOF, got %s",
                             rec->end);
                    return false;
                }
            }
            if (!send_message(fd, pl, c, FROM_SERVER, e, rec))
                return false;
        }
    }
    switch (c->close) {
    case CLOSE_FIN:
        rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
        finish(fd, false, rec);
        return !strcmp(rec->end, "eof");
    case CLOSE_SFIN:
    case CLOSE_HALF: finish(fd, false, rec); return true;
    case CLOSE_CRST:
        /* The RST may be lost before the capture point: wait a little only. */
        rec->end = await_end(fd, END_TIMEOUT_MS, rec);
        finish(fd, false, rec);
        return strcmp(rec->end, "data") != 0;
    default: /* CLOSE_SRST */
        /* EOF, or a reset if the client gave up waiting for ours. */
        rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
        finish(fd, true, rec);
        return !strcmp(rec->end, "eof") || !strcmp(rec->end, "reset");
    }
}

static void *
server_thread(void *arg)
{
    server_job *job = arg;
    server_state *st = job->st;
    conn_record rec;
    memset(&rec, 0, sizeof rec);
    dir_record_init(&rec.sent);
    dir_record_init(&rec.recv);
    struct sockaddr_storage client, server;
    socklen_t len = sizeof client;
    memset(&client, 0, sizeof client);
    memset(&server, 0, sizeof server);
    getpeername(job->fd, (struct sockaddr *)&client, &len);
    len = sizeof server;
    getsockname(job->fd, (struct sockaddr *)&server, &len);
    int64_t start = now_ns();
    long id = -1;
    int close_mode = -1;
    set_timeouts(job->fd);
    if (st->pl->p.urgent) {
        int one = 1;
        setsockopt(job->fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
    }
    bool ok = serve_connection(st->pl, job->fd, job->family, &rec, &id, &close_mode);
    if (!rec.closed)
        abort_close(job->fd);
    if (!ok && !rec.error[0])
        snprintf(rec.error, sizeof rec.error, "unexpected end: %s", rec.end ? rec.end : "?");
    log_connection("server", id, job->family, &client, &server, start, close_mode, &rec);
    dir_record_free(&rec.sent);
    dir_record_free(&rec.recv);
    pthread_mutex_lock(&st->lock);
    st->active--;
    st->done++;
    if (!ok)
        st->failed++;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
    free(job);
    return NULL;
}

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int
listen_on(int family, const char *ip, const plan_params *p)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (!make_addr(family, ip, p->port, &ss, &len)) {
        fprintf(stderr, "tstraffic: bad address %s\n", ip);
        exit(2);
    }
    int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == 6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    set_socket_options(fd, p, true);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
        fprintf(stderr, "tstraffic: listen on %s port %u: %s\n", ip, p->port, strerror(errno));
        exit(1);
    }
    return fd;
}

static int
run_server(const options *o, const plan *pl)
{
    server_state st = {.pl = pl};
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cond, NULL);
    struct pollfd lfd[2];
    int nl = 0, fam[2];
    if (o->listen4)
        fam[nl] = 4, lfd[nl++] = (struct pollfd){listen_on(4, o->listen4, &pl->p), POLLIN, 0};
    if (o->listen6)
        fam[nl] = 6, lfd[nl++] = (struct pollfd){listen_on(6, o->listen6, &pl->p), POLLIN, 0};
    if (!nl)
        usage();
    printf("ready\n");
    fflush(stdout);
    int64_t deadline = now_ns() + (int64_t)(o->deadline * 1e9);
    unsigned accepted = 0;
    while (!stop_requested && now_ns() < deadline) {
        pthread_mutex_lock(&st.lock);
        bool finished = st.done >= pl->p.conns;
        pthread_mutex_unlock(&st.lock);
        if (finished)
            break;
        int rc = poll(lfd, (nfds_t)nl, 200);
        if (rc <= 0)
            continue;
        for (int i = 0; i < nl; i++) {
            if (!(lfd[i].revents & POLLIN))
                continue;
            int fd = accept4(lfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            server_job *job = malloc(sizeof *job);
            if (!job)
                abort();
            *job = (server_job){&st, fd, fam[i]};
            pthread_t t;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            pthread_mutex_lock(&st.lock);
            st.active++;
            pthread_mutex_unlock(&st.lock);
            if (pthread_create(&t, &attr, server_thread, job)) {
                fprintf(stderr, "tstraffic: pthread_create failed\n");
                exit(1);
            }
            pthread_attr_destroy(&attr);
            accepted++;
        }
    }
    for (int i = 0; i < nl; i++)
        close(lfd[i].fd);
    /* Let running connections finish, within their own timeouts. */
    pthread_mutex_lock(&st.lock);
    int64_t grace = now_ns() + (int64_t)(IO_TIMEOUT_S + 5) * 1000000000;
    while (st.active > 0 && now_ns() < grace) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&st.cond, &st.lock, &ts);
    }
    unsigned done = st.done, failed = st.failed, active = st.active;
    pthread_mutex_unlock(&st.lock);
    fprintf(stderr, "tstraffic server: %u accepted, %u done, %u failed, %u unfinished\n", accepted,
            done, failed, active);
    fflush(log_file);
    return failed == 0 && active == 0 && done == pl->p.conns ? 0 : 1;
}

/* ---- client ----------------------------------------------------------- */

typedef struct {
    const options *o;
    const plan *pl;
    pthread_mutex_t lock;
    unsigned next_chain, failed;
    int64_t deadline;
} client_state;

/* Connects (retrying while a fixed port is still busy); -1 on failure. Fills
 * the endpoints (the local one is bound by connect(), also with TCP Fast Open
 * where connect() returns before the handshake). */
static int
client_connect(client_state *st, const conn_plan *c, conn_record *rec, int64_t *start,
               struct sockaddr_storage *me, struct sockaddr_storage *server)
{
    struct sockaddr_storage local;
    socklen_t slen, llen;
    const char *ip = c->family == 6 ? st->o->server6 : st->o->server4;
    make_addr(c->family, ip, st->pl->p.port, server, &slen);
    make_addr(c->family, NULL, c->client_port, &local, &llen);
    for (unsigned attempt = 0;; attempt++) {
        int fd = socket(c->family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(rec->error, sizeof rec->error, "socket: %s", strerror(errno));
            return -1;
        }
        set_socket_options(fd, &st->pl->p, false);
        set_timeouts(fd);
        int err = 0;
        if (c->client_port) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (bind(fd, (struct sockaddr *)&local, llen) < 0)
                err = errno;
        }
        if (!err) {
            *start = now_ns();
            if (connect(fd, (struct sockaddr *)server, slen) == 0) {
                socklen_t len = sizeof *me;
                getsockname(fd, (struct sockaddr *)me, &len);
                return fd;
            }
            err = errno;
        }
        close(fd);
        bool retry =
            err == EADDRINUSE || err == EADDRNOTAVAIL || err == ECONNREFUSED || err == EINTR;
        if (!retry || attempt >= 200 || now_ns() > st->deadline) {
            snprintf(rec->error, sizeof rec->error, "connect (attempt %u): %s", attempt + 1,
                     strerror(err));
            return -1;
        }
        struct timespec ts = {0, (long)(attempt < 10 ? 20 : 100) * 1000000};
        nanosleep(&ts, NULL);
    }
}

static bool
client_exchange(client_state *st, const conn_plan *c, int fd, conn_record *rec)
{
    const plan *pl = st->pl;
    if (pl->p.duplex) {
        writer w;
        writer_start(&w, fd, pl, c, FROM_CLIENT, c->close == CLOSE_HALF, rec);
        bool ok = true;
        for (unsigned e = 0; e < c->exchanges && ok; e++)
            ok = recv_message(fd, pl, c, FROM_SERVER, e, rec, 0, NULL);
        if (!ok)
            shutdown(fd, SHUT_RDWR); /* unblock the writer */
        if (!writer_join(&w, rec) || !ok)
            return false;
    }
    for (unsigned e = 0; e < c->exchanges && !pl->p.duplex; e++) {
        if (e > 0 && pl->p.think_ms) {
            struct timespec ts = {pl->p.think_ms / 1000, (long)(pl->p.think_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
        if (!send_message(fd, pl, c, FROM_CLIENT, e, rec))
            return false;
        if (e + 1 == c->exchanges && c->close == CLOSE_HALF)
            shutdown(fd, SHUT_WR);
        if (!recv_message(fd, pl, c, FROM_SERVER, e, rec, 0, NULL))
            return false;
    }
    switch (c->close) {
    case CLOSE_FIN: finish(fd, false, rec); return true;
    case CLOSE_SFIN:
    case CLOSE_HALF:
        rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
        finish(fd, false, rec);
        return !strcmp(rec->end, "eof");
    case CLOSE_CRST: finish(fd, true, rec); return true;
    default: /* CLOSE_SRST */
        shutdown(fd, SHUT_WR);
        /* The server resets once our FIN arrives; a lost RST is answered
         * again when the FIN is retransmitted. Abort after a timeout anyway,
         * so a fixed port is free again. */
        rec->end = await_end(fd, IO_TIMEOUT_S * 1000, rec);
        finish(fd, true, rec);
        return strcmp(rec->end, "data") != 0;
    }
}

static void
client_run_one(client_state *st, const conn_plan *c)
{
    conn_record rec;
    memset(&rec, 0, sizeof rec);
    dir_record_init(&rec.sent);
    dir_record_init(&rec.recv);
    struct sockaddr_storage client, server;
    memset(&client, 0, sizeof client);
    memset(&server, 0, sizeof server);
    int64_t start = now_ns();
    bool ok = false;
    int fd = client_connect(st, c, &rec, &start, &client, &server);
    if (fd < 0)
        memset(&server, 0, sizeof server);
    if (fd >= 0) {
        ok = client_exchange(st, c, fd, &rec);
        if (!rec.closed)
            abort_close(fd); /* failed before the close step */
        if (!ok && !rec.error[0])
            snprintf(rec.error, sizeof rec.error, "unexpected end: %s", rec.end ? rec.end : "?");
    }
    log_connection("client", (long)c->id, c->family, &client, &server, start, c->close, &rec);
    dir_record_free(&rec.sent);
    dir_record_free(&rec.recv);
    if (!ok) {
        pthread_mutex_lock(&st->lock);
        st->failed++;
        pthread_mutex_unlock(&st->lock);
    }
}

static void *
client_worker(void *arg)
{
    client_state *st = arg;
    const plan *pl = st->pl;
    for (;;) {
        pthread_mutex_lock(&st->lock);
        unsigned chain = st->next_chain++;
        pthread_mutex_unlock(&st->lock);
        if (chain >= pl->nchains || stop_requested)
            return NULL;
        for (unsigned i = 0; i < pl->p.conns; i++) {
            if (pl->conns[i].chain != chain)
                continue;
            if (now_ns() > st->deadline || stop_requested) {
                pthread_mutex_lock(&st->lock);
                st->failed++;
                pthread_mutex_unlock(&st->lock);
                continue;
            }
            client_run_one(st, &pl->conns[i]);
        }
    }
}

static int
run_client(const options *o, const plan *pl)
{
    if (!o->server4 || !o->server6)
        usage();
    client_state st = {.o = o, .pl = pl};
    pthread_mutex_init(&st.lock, NULL);
    st.deadline = now_ns() + (int64_t)(o->deadline * 1e9);
    unsigned n = o->parallel < pl->nchains ? o->parallel : pl->nchains;
    pthread_t *threads = calloc(n, sizeof *threads);
    if (!threads)
        abort();
    for (unsigned i = 0; i < n; i++)
        if (pthread_create(&threads[i], NULL, client_worker, &st)) {
            fprintf(stderr, "tstraffic: pthread_create failed\n");
            exit(1);
        }
    for (unsigned i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    fprintf(stderr, "tstraffic client: %u connections, %u failed\n", pl->p.conns, st.failed);
    return st.failed ? 1 : 0;
}

/* ---- plan and content ------------------------------------------------- */

static int
print_plan(const plan *pl)
{
    for (unsigned i = 0; i < pl->p.conns; i++) {
        const conn_plan *c = &pl->conns[i];
        printf("{\"id\": %u, \"family\": %d, \"chain\": %u, \"client_port\": %u, \"close\": "
               "\"%s\", \"sizes\": [",
               c->id, c->family, c->chain, c->client_port, close_names[c->close]);
        for (unsigned e = 0; e < c->exchanges; e++)
            printf("%s[%" PRIu64 ", %" PRIu64 "]", e ? ", " : "", c->size[0][e], c->size[1][e]);
        printf("]}\n");
    }
    return 0;
}

static int
write_content(const options *o, const plan *pl)
{
    if (o->conn < 0 || o->conn >= (long)pl->p.conns || !o->from)
        usage();
    int from = !strcmp(o->from, "server") ? FROM_SERVER : FROM_CLIENT;
    const conn_plan *c = &pl->conns[o->conn];
    uint8_t *buf = g_malloc(CHUNK);
    for (unsigned e = 0; e < c->exchanges; e++) {
        if (o->msg >= 0 && (unsigned)o->msg != e)
            continue;
        content gen;
        content_init(&gen, pl->p.seed, c->id, from, e);
        for (uint64_t done = 0; done < c->size[from][e];) {
            size_t n = c->size[from][e] - done < CHUNK ? (size_t)(c->size[from][e] - done) : CHUNK;
            content_fill(&gen, buf, n);
            if (fwrite(buf, 1, n, stdout) != n)
                return 1;
            done += n;
        }
    }
    g_free(buf);
    return fflush(stdout) == 0 ? 0 : 1;
}

/** Entry point: see the file comment. */
int
main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    options o;
    parse_args(argc, argv, &o);
    plan pl = {.p = o.plan};
    plan_build(&pl);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Stop with the process that started us (the driver), whatever kills it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const char *cmd = argv[1];
    int rc;
    if (!strcmp(cmd, "server")) {
        log_file = open_log(o.log_path);
        rc = run_server(&o, &pl);
    } else if (!strcmp(cmd, "client")) {
        log_file = open_log(o.log_path);
        rc = run_client(&o, &pl);
    } else if (!strcmp(cmd, "plan")) {
        rc = print_plan(&pl);
    } else if (!strcmp(cmd, "content")) {
        rc = write_content(&o, &pl);
    } else {
        usage();
    }
    if (log_file && log_file != stdout)
        fclose(log_file);
    plan_free(&pl);
    return rc;
}
