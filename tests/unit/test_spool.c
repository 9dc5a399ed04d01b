/*
 * test_spool.c — the payload spool through the public API (tcpsession.h):
 * with a tiny ts_options.max_payload_memory every session's kept bytes go to
 * the spool file, and what the caller sees must not change.
 *
 * Each test builds its traffic in memory with harness/pktbuild (frames handed
 * to ts_engine_feed, restamped 1 ms apart in feeding order) and runs it
 * through engines that differ only in the budget. Every finished session is
 * recorded as its two payloads, their MD5s and a text of everything else the
 * caller can see (byte counts, chunks, gaps, anomalies, close reason); the
 * records of a spilling engine must equal those of an engine without budget
 * (max_payload_memory 0: everything in memory, as before the spool).
 *
 * That the spool is really used is checked from outside: while an engine
 * that spilled is alive, the process has a file descriptor open on a
 * (deleted) file in the test's spool folder (/proc/self/fd).
 */
#include "pktbuild.h"
#include "tcpsession.h"

#include <check.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 (1700000000LL * 1000000000LL)
#define MS 1000000LL

/* ---- traffic ------------------------------------------------------------ */

/* Frames of a capture, in feeding order. */
typedef struct {
    GPtrArray *frames; /* GByteArray* */
} traffic;

static void
traffic_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    (void)ts_ns;
    GPtrArray *out = user;
    GByteArray *b = g_byte_array_sized_new(len);
    g_byte_array_append(b, frame, len);
    g_ptr_array_add(out, b);
}

static void
frame_free(gpointer p)
{
    g_byte_array_free(p, TRUE);
}

static traffic *
traffic_new(void)
{
    traffic *t = g_new0(traffic, 1);
    t->frames = g_ptr_array_new_with_free_func(frame_free);
    return t;
}

static void
traffic_free(traffic *t)
{
    g_ptr_array_free(t->frames, TRUE);
    g_free(t);
}

/* One segment of a random exchange (as in test_engine.c's random_exchange). */
typedef struct {
    int from;
    uint32_t off, len;
    bool fin;
    bool altered; /* a retransmission whose bytes differ from the original */
} rseg;

/* Appends to `out` the frames of one connection (client port `port`) whose
 * sides send `st[0]` and `st[1]`, cut in random pieces, with retransmissions
 * (some with different bytes), duplicates and any order; both sides end with
 * a FIN. */
static void
random_connection(GRand *g, uint16_t port, GByteArray *st[2], GPtrArray *out)
{
    uint32_t isn[2] = {g_rand_int(g), g_rand_int(g)};
    GArray *segs = g_array_new(FALSE, FALSE, sizeof(rseg));
    for (int d = 0; d < 2; d++) {
        uint32_t n = st[d]->len;
        for (uint32_t off = 0; off < n;) {
            uint32_t want = (uint32_t)g_rand_int_range(g, 1, 1400), len = MIN(n - off, want);
            rseg s = {d, off, len, false, false};
            g_array_append_val(segs, s);
            off += len;
        }
        int extra = n > 0 ? g_rand_int_range(g, 0, 6) : 0;
        for (int i = 0; i < extra; i++) {
            uint32_t a = (uint32_t)g_rand_int_range(g, 0, (gint32)n);
            uint32_t want = (uint32_t)g_rand_int_range(g, 1, 2000), len = MIN(n - a, want);
            rseg s = {d, a, len, false, g_rand_int_range(g, 0, 3) == 0};
            g_array_append_val(segs, s);
        }
        rseg fin = {d, n, 0, true, false};
        g_array_append_val(segs, fin);
    }
    /* mostly in order: each segment swaps with one a few places ahead */
    for (guint i = 0; i + 1 < segs->len; i++) {
        if (g_rand_int_range(g, 0, 4) != 0)
            continue;
        guint ahead = (guint)g_rand_int_range(g, 1, 6), j = MIN(segs->len - 1, i + ahead);
        rseg t = g_array_index(segs, rseg, i);
        g_array_index(segs, rseg, i) = g_array_index(segs, rseg, j);
        g_array_index(segs, rseg, j) = t;
    }
    pb_conn *k =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.2.0.1", port, "10.2.0.2", 443, isn[0], isn[1]);
    pb_conn_set_sink(k, traffic_sink, out);
    pb_conn_handshake(k);
    bool *got[2] = {g_new0(bool, st[0]->len + 1), g_new0(bool, st[1]->len + 1)};
    uint32_t prefix[2] = {0, 0};
    bool fin_got[2] = {false, false};
    for (guint i = 0; i < segs->len; i++) {
        const rseg *s = &g_array_index(segs, rseg, i);
        int p = !s->from;
        g_autofree uint8_t *bytes = g_memdup2(st[s->from]->data + s->off, s->len);
        if (s->altered)
            for (uint32_t j = 0; j < s->len; j += 7)
                bytes[j] ^= 0x5a;
        pb_tcp seg;
        pb_conn_template(k, s->from, &seg);
        seg.seq = isn[s->from] + 1 + s->off;
        seg.ack = isn[p] + 1 + prefix[p] + (fin_got[p] && prefix[p] == st[p]->len ? 1 : 0);
        seg.flags = s->fin ? TS_TCP_FIN | TS_TCP_ACK : TS_TCP_PSH | TS_TCP_ACK;
        seg.payload = bytes;
        seg.len = s->len;
        pb_conn_write(k, &seg);
        for (uint32_t j = 0; j < s->len; j++)
            got[s->from][s->off + j] = true;
        fin_got[s->from] |= s->fin;
        while (prefix[s->from] < st[s->from]->len && got[s->from][prefix[s->from]])
            prefix[s->from]++;
    }
    pb_conn_free(k);
    g_free(got[0]);
    g_free(got[1]);
    g_array_free(segs, TRUE);
}

static GByteArray *
random_bytes(GRand *g, uint32_t n)
{
    GByteArray *b = g_byte_array_sized_new(n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)g_rand_int(g);
        g_byte_array_append(b, &c, 1);
    }
    return b;
}

/* `n` connections, their frames interleaved at random (each connection's
 * own order kept). Sizes: up to `max_bytes` per side. */
static traffic *
random_traffic(GRand *g, int n, uint32_t max_bytes)
{
    GPtrArray *conns = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (int i = 0; i < n; i++) {
        GByteArray *st[2];
        for (int d = 0; d < 2; d++)
            st[d] = random_bytes(g, (uint32_t)g_rand_int_range(g, 0, (gint32)max_bytes + 1));
        GPtrArray *frames = g_ptr_array_new_with_free_func(frame_free);
        random_connection(g, (uint16_t)(40000 + i), st, frames);
        g_ptr_array_add(conns, frames);
        for (int d = 0; d < 2; d++)
            g_byte_array_free(st[d], TRUE);
    }
    traffic *t = traffic_new();
    guint *next = g_new0(guint, n);
    for (int left = n; left > 0;) {
        int i = g_rand_int_range(g, 0, n);
        GPtrArray *frames = conns->pdata[i];
        if (next[i] == frames->len)
            continue;
        g_ptr_array_add(t->frames, g_steal_pointer(&frames->pdata[next[i]]));
        if (++next[i] == frames->len)
            left--;
    }
    for (int i = 0; i < n; i++)
        g_ptr_array_set_free_func(conns->pdata[i], NULL); /* frames moved */
    g_free(next);
    g_ptr_array_free(conns, TRUE);
    return t;
}

/* ---- running the engine ---------------------------------------------- */

typedef struct {
    uint64_t stream;
    GByteArray *data[2];
    char md5[2][33];
    GString *meta; /* everything else the caller sees */
} result;

static void
result_free(gpointer p)
{
    result *r = p;
    for (int d = 0; d < 2; d++)
        g_byte_array_free(r->data[d], TRUE);
    g_string_free(r->meta, TRUE);
    g_free(r);
}

/* A live direction's payload seen from the data callback (peek runs). */
typedef struct {
    uint64_t stream;
    int from;
    size_t len;
    char md5[33];
} peek;

typedef struct {
    GPtrArray *results; /* result*, in the order sessions finished */
    GArray *peeks;      /* peek, with `peek_every` > 0 */
    int peek_every;     /* call ts_session_payload() in every Nth data callback */
    int data_calls;
} run;

static void
md5_of(const uint8_t *p, size_t len, char out[33])
{
    g_autofree char *hex =
        g_compute_checksum_for_data(G_CHECKSUM_MD5, p != NULL ? p : (const uint8_t *)"", len);
    g_strlcpy(out, hex, 33);
}

static void
on_done(void *user, ts_session *s)
{
    run *r = user;
    result *x = g_new0(result, 1);
    x->stream = ts_session_stream(s);
    x->meta = g_string_new(NULL);
    for (int d = 0; d < 2; d++) {
        size_t len = 0, again = 0;
        const uint8_t *p = ts_session_payload(s, (ts_direction)d, &len);
        ck_assert_ptr_nonnull(p);
        /* read back once: a second call hands out the same buffer */
        ck_assert_ptr_eq(ts_session_payload(s, (ts_direction)d, &again), p);
        ck_assert_uint_eq(again, len);
        ck_assert_uint_eq(len, ts_session_bytes(s, (ts_direction)d));
        x->data[d] = g_byte_array_new();
        g_byte_array_append(x->data[d], p, (guint)len);
        md5_of(p, len, x->md5[d]);
        g_string_append_printf(x->meta, "bytes %zu missing %" PRIu64 "; ", len,
                               ts_session_missing_bytes(s, (ts_direction)d));
    }
    size_t n;
    const ts_chunk *c = ts_session_chunks(s, &n);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(x->meta, "%c%" PRIu64 "+%" PRIu64 "@%" PRIu64 " ",
                               c[i].from == TS_FROM_CLIENT ? 'C' : 'S', c[i].offset, c[i].length,
                               c[i].frame);
    const ts_gap *g = ts_session_gaps(s, &n);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(x->meta, "gap %d %" PRIu64 "+%" PRIu64 " ", g[i].from, g[i].offset,
                               g[i].length);
    const ts_anomaly *a = ts_session_anomalies(s, &n);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(x->meta, "%s %d %" PRIu64 "+%" PRIu64 "@%" PRIu64 " ",
                               ts_anomaly_type_name(a[i].type), a[i].from, a[i].offset, a[i].length,
                               a[i].frame);
    g_string_append_printf(x->meta, "close %s", ts_close_reason_name(ts_session_close_reason(s)));
    g_ptr_array_add(r->results, x);
}

static void
on_data(void *user, ts_session *s, const ts_delivery *dv)
{
    run *r = user;
    if (r->peek_every <= 0 || ++r->data_calls % r->peek_every != 0)
        return;
    peek pk = {ts_session_stream(s), dv->from, 0, ""};
    const uint8_t *p = ts_session_payload(s, dv->from, &pk.len);
    ck_assert_uint_eq(pk.len, ts_session_bytes(s, dv->from));
    /* the delivery just made is the payload's end */
    ck_assert_uint_ge(pk.len, dv->length);
    ck_assert_mem_eq(p + pk.len - dv->length, dv->data, dv->length);
    md5_of(p, pk.len, pk.md5);
    g_array_append_val(r->peeks, pk);
}

static run *
run_new(int peek_every)
{
    run *r = g_new0(run, 1);
    r->results = g_ptr_array_new_with_free_func(result_free);
    r->peeks = g_array_new(FALSE, FALSE, sizeof(peek));
    r->peek_every = peek_every;
    return r;
}

static void
run_free(run *r)
{
    g_ptr_array_free(r->results, TRUE);
    g_array_free(r->peeks, TRUE);
    g_free(r);
}

/* Is a file of folder `dir` open (the spool: unlinked, so "(deleted)")? */
static bool
spool_open_in(const char *dir)
{
    g_autoptr(GDir) fds = g_dir_open("/proc/self/fd", 0, NULL);
    ck_assert_ptr_nonnull(fds);
    g_autofree char *prefix = g_strconcat(dir, "/", NULL);
    const char *name;
    bool found = false;
    while (!found && (name = g_dir_read_name(fds)) != NULL) {
        g_autofree char *path = g_build_filename("/proc/self/fd", name, NULL);
        g_autofree char *target = g_file_read_link(path, NULL);
        found = target != NULL && g_str_has_prefix(target, prefix) &&
                g_str_has_suffix(target, "(deleted)");
    }
    return found;
}

/* Feeds `t` to a new engine with `o`, finishes it; `spilled` (if not NULL)
 * tells whether the spool file was open in `o->spool_dir` at the end;
 * `warnings` (if not NULL) gets the engine's warnings joined by "\n". */
static run *
run_traffic(const traffic *t, const ts_options *o, int peek_every, bool *spilled, char **warnings)
{
    run *r = run_new(peek_every);
    ts_callbacks cb = {.session_done = on_done, .data = on_data};
    ts_engine *e = ts_engine_new(o, &cb, r);
    for (guint i = 0; i < t->frames->len; i++) {
        const GByteArray *b = t->frames->pdata[i];
        ts_frame f = {TS_LINKTYPE_RAW, T0 + (int64_t)i * MS, b->len, b->len, b->data};
        ts_engine_feed(e, &f);
    }
    ts_engine_finish(e);
    if (spilled != NULL)
        *spilled = spool_open_in(o->spool_dir);
    if (warnings != NULL) {
        const char *const *w = ts_engine_warnings(e, NULL);
        *warnings = g_strjoinv("\n", (char **)w);
    }
    ts_engine_free(e);
    return r;
}

/* The sessions of `got` are exactly those of `want`. */
static void
same_results(const run *want, const run *got, const char *what)
{
    ck_assert_msg(want->results->len == got->results->len, "%s: %u sessions, want %u", what,
                  got->results->len, want->results->len);
    for (guint i = 0; i < want->results->len; i++) {
        const result *a = want->results->pdata[i], *b = got->results->pdata[i];
        ck_assert_msg(a->stream == b->stream, "%s: session %u is stream %" PRIu64 ", want %" PRIu64,
                      what, i, b->stream, a->stream);
        for (int d = 0; d < 2; d++) {
            ck_assert_msg(a->data[d]->len == b->data[d]->len &&
                              memcmp(a->data[d]->data, b->data[d]->data, a->data[d]->len) == 0,
                          "%s: stream %" PRIu64 " side %d: %u bytes (md5 %s), want %u (md5 %s)",
                          what, a->stream, d, b->data[d]->len, b->md5[d], a->data[d]->len,
                          a->md5[d]);
            ck_assert_str_eq(a->md5[d], b->md5[d]);
        }
        ck_assert_msg(strcmp(a->meta->str, b->meta->str) == 0,
                      "%s: stream %" PRIu64 ":\n got  %.300s\n want %.300s", what, a->stream,
                      b->meta->str, a->meta->str);
    }
}

/* A fresh folder for spool files, removed by spool_dir_free. */
static char *
spool_dir_new(void)
{
    char *dir = g_build_filename(g_get_tmp_dir(), "test_spool.XXXXXX", NULL);
    ck_assert_ptr_nonnull(g_mkdtemp(dir));
    return dir;
}

static void
spool_dir_free(char *dir)
{
    /* the spool file has no name: the folder must be empty */
    ck_assert_int_eq(g_rmdir(dir), 0);
    g_free(dir);
}

/* ---- tests ------------------------------------------------------------ */

/* Fills `o` for keep_payload with a payload budget, spool folder and
 * overlap policy; returns `o`. */
static const ts_options *
budget_opts(ts_options *o, size_t budget, const char *dir, int policy)
{
    ts_options_init(o);
    o->keep_payload = true;
    o->max_payload_memory = budget;
    o->spool_dir = dir;
    o->overlap = (ts_overlap_policy)policy;
    return o;
}

/* Defaults of the new options. */
START_TEST(defaults)
{
    ts_options o;
    ts_options_init(&o);
    ck_assert_uint_eq(o.max_payload_memory, (size_t)32 << 20);
    ck_assert_ptr_null(o.spool_dir);
}
END_TEST

/* Random exchanges on 12 interleaved connections (retransmissions, some
 * with other bytes, reordering), each overlap policy: budgets of 1 KiB and
 * 3000 bytes spill again and again, and every session is the same as with
 * everything in memory. Payloads read from the data callback (live
 * sessions, pinned buffers) do not change that either. */
START_TEST(random_interleaved_sessions)
{
    int policy = _i;
    char *dir = spool_dir_new();
    GRand *g = g_rand_new_with_seed(7000 + (guint32)policy);
    for (int iter = 0; iter < 6; iter++) {
        traffic *t = random_traffic(g, 12, iter % 2 ? 30000 : 6000);
        ts_options o;
        run *want = run_traffic(t, budget_opts(&o, 0, dir, policy), 0, NULL, NULL);
        ck_assert_uint_eq(want->results->len, 12);
        bool spilled = false;
        run *tiny = run_traffic(t, budget_opts(&o, 1024, dir, policy), 0, &spilled, NULL);
        ck_assert_msg(spilled, "iteration %d: nothing was spilled", iter);
        same_results(want, tiny, "budget 1024");
        run *odd = run_traffic(t, budget_opts(&o, 3000, dir, policy), 0, &spilled, NULL);
        ck_assert(spilled);
        same_results(want, odd, "budget 3000");
        /* peeking at live sessions: the payload so far is the final one's start */
        run *peeked = run_traffic(t, budget_opts(&o, 1024, dir, policy), 3, &spilled, NULL);
        ck_assert(spilled);
        same_results(want, peeked, "budget 1024, peeking");
        ck_assert_uint_gt(peeked->peeks->len, 0);
        for (guint i = 0; i < peeked->peeks->len; i++) {
            const peek *pk = &g_array_index(peeked->peeks, peek, i);
            const result *x = NULL;
            for (guint j = 0; j < want->results->len && x == NULL; j++)
                if (((const result *)want->results->pdata[j])->stream == pk->stream)
                    x = want->results->pdata[j];
            ck_assert_ptr_nonnull(x);
            ck_assert_uint_le(pk->len, x->data[pk->from]->len);
            char md5[33];
            md5_of(x->data[pk->from]->data, pk->len, md5);
            /* with "last", a later copy may still change bytes already seen */
            if (policy != TS_OVERLAP_LAST)
                ck_assert_str_eq(md5, pk->md5);
        }
        run_free(want);
        run_free(tiny);
        run_free(odd);
        run_free(peeked);
        traffic_free(t);
    }
    g_rand_free(g);
    spool_dir_free(dir);
}
END_TEST

/* budget_opts() with a comparison window reaching back over all acknowledged
 * bytes (retransmission_acked 0), so old spilled bytes are compared. */
static ts_options *
budget_opts_all(ts_options *o, size_t budget, const char *dir, int policy)
{
    budget_opts(o, budget, dir, policy);
    o->retransmission_acked = 0;
    return o;
}

/* One long session (100 KB each way in 700-byte segments, retransmissions
 * reaching back into spilled bytes with other bytes) beside a short one:
 * with a 1 KiB budget it is spilled many times over; its bytes are exactly
 * those sent, and the conflicts in spilled bytes are found when the
 * comparison window reaches them; with the default window (16 KiB below the
 * acknowledgement) they are reported unchecked, spilled or not. */
START_TEST(session_spilled_many_times)
{
    char *dir = spool_dir_new();
    GRand *g = g_rand_new_with_seed(42);
    GByteArray *st[2] = {random_bytes(g, 100000), random_bytes(g, 100000)};
    traffic *t = traffic_new();
    pb_conn *k = pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.3.0.1", 50000, "10.3.0.2", 80, 100, 900);
    pb_conn_set_sink(k, traffic_sink, t->frames);
    pb_conn *other = pb_conn_new(NULL, TS_LINKTYPE_RAW, 6, "fd00::1", 50001, "fd00::2", 80, 7, 9);
    pb_conn_set_sink(other, traffic_sink, t->frames);
    pb_conn_handshake(k);
    pb_conn_handshake(other);
    for (uint32_t off = 0; off < 100000; off += 700) {
        uint32_t len = MIN(700u, 100000 - off);
        pb_conn_send(k, 0, st[0]->data + off, len);
        pb_conn_send(k, 1, st[1]->data + off, len);
        if (off % 14000 == 0)
            pb_conn_send(other, off % 28000 == 0, "ping", 4);
        if (off == 70000) { /* old bytes again, one of them different */
            uint8_t copy[300];
            memcpy(copy, st[0]->data + 5000, sizeof copy);
            copy[123] ^= 1;
            pb_conn_send_at(k, 0, 5000, copy, sizeof copy, 0);
        }
    }
    pb_conn_fin(k, 0);
    pb_conn_fin(k, 1);
    pb_conn_fin(other, 0);
    pb_conn_fin(other, 1);
    for (int policy = 0; policy < 3; policy++) {
        ts_options o;
        bool spilled = false;
        run *want = run_traffic(t, budget_opts_all(&o, 0, dir, policy), 0, NULL, NULL);
        run *got = run_traffic(t, budget_opts_all(&o, 1024, dir, policy), 0, &spilled, NULL);
        ck_assert(spilled);
        same_results(want, got, "one long session");
        run *dflt = run_traffic(t, budget_opts(&o, 1024, dir, policy), 0, NULL, NULL);
        const result *y = dflt->results->pdata[0];
        ck_assert_msg(strstr(y->meta->str, "unchecked_retransmission 0 5000+300@") != NULL &&
                          strstr(y->meta->str, "overlap_conflict") == NULL,
                      "%s", y->meta->str);
        run_free(dflt);
        const result *x = got->results->pdata[0];
        ck_assert_uint_eq(x->stream, 0);
        /* "last" takes the different byte of the retransmission */
        if (policy == TS_OVERLAP_LAST)
            st[0]->data[5123] ^= 1;
        for (int d = 0; d < 2; d++) {
            ck_assert_uint_eq(x->data[d]->len, 100000);
            ck_assert_mem_eq(x->data[d]->data, st[d]->data, 100000);
        }
        if (policy == TS_OVERLAP_LAST)
            st[0]->data[5123] ^= 1;
        ck_assert_msg(strstr(x->meta->str, "overlap_conflict 0 5123+1@") != NULL, "%s",
                      x->meta->str);
        run_free(want);
        run_free(got);
    }
    pb_conn_free(k);
    pb_conn_free(other);
    traffic_free(t);
    for (int d = 0; d < 2; d++)
        g_byte_array_free(st[d], TRUE);
    g_rand_free(g);
    spool_dir_free(dir);
}
END_TEST

/* A spool folder that does not exist: the bytes stay in memory, the
 * sessions are unchanged, and one warning says why. */
START_TEST(unwritable_spool_dir)
{
    char *dir = spool_dir_new();
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    GRand *g = g_rand_new_with_seed(99);
    traffic *t = random_traffic(g, 6, 20000);
    ts_options o;
    run *want = run_traffic(t, budget_opts(&o, 0, dir, 0), 0, NULL, NULL);
    g_autofree char *warnings = NULL;
    bool spilled = true;
    run *got = run_traffic(t, budget_opts(&o, 1024, missing, 0), 0, &spilled, &warnings);
    ck_assert(!spilled);
    same_results(want, got, "missing spool folder");
    g_autofree char *expected =
        g_strdup_printf("payload spool in %s: cannot create the spool file: No such file or "
                        "directory; kept payload stays in memory",
                        missing);
    ck_assert_str_eq(warnings, expected);
    run_free(want);
    run_free(got);
    traffic_free(t);
    g_rand_free(g);
    spool_dir_free(dir);
}
END_TEST

/* Budget 0, or no keep_payload: no spool file. Engines freed with spilled
 * sessions still open release everything (valgrind). */
START_TEST(no_spool_without_budget_and_free_while_open)
{
    char *dir = spool_dir_new();
    GRand *g = g_rand_new_with_seed(5);
    traffic *t = random_traffic(g, 4, 20000);
    ts_options o;
    bool spilled = true;
    run *r = run_traffic(t, budget_opts(&o, 0, dir, 0), 0, &spilled, NULL);
    ck_assert(!spilled);
    run_free(r);
    budget_opts(&o, 1024, dir, 0);
    o.keep_payload = false;
    run *plain = run_new(0);
    ts_callbacks none = {0};
    ts_engine *e = ts_engine_new(&o, &none, plain);
    for (guint i = 0; i < t->frames->len; i++) {
        const GByteArray *b = t->frames->pdata[i];
        ts_frame f = {TS_LINKTYPE_RAW, T0 + (int64_t)i * MS, b->len, b->len, b->data};
        ts_engine_feed(e, &f);
    }
    ck_assert(!spool_open_in(dir));
    ts_engine_free(e);
    run_free(plain);
    /* spilled sessions dropped without finishing */
    budget_opts(&o, 1024, dir, 0);
    ts_callbacks cb = {.session_done = on_done};
    run *dropped = run_new(0);
    e = ts_engine_new(&o, &cb, dropped);
    for (guint i = 0; i < t->frames->len / 2; i++) {
        const GByteArray *b = t->frames->pdata[i];
        ts_frame f = {TS_LINKTYPE_RAW, T0 + (int64_t)i * MS, b->len, b->len, b->data};
        ts_engine_feed(e, &f);
    }
    ck_assert(spool_open_in(dir));
    ts_engine_free(e);
    ck_assert(!spool_open_in(dir));
    run_free(dropped);
    traffic_free(t);
    g_rand_free(g);
    spool_dir_free(dir);
}
END_TEST

static Suite *
ts_spool_suite(void)
{
    Suite *s = suite_create("spool");
    TCase *tc = tcase_create("spool");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, defaults);
    tcase_add_loop_test(tc, random_interleaved_sessions, 0, 3);
    tcase_add_test(tc, session_spilled_many_times);
    tcase_add_test(tc, unwritable_spool_dir);
    tcase_add_test(tc, no_spool_without_budget_and_free_while_open);
    suite_add_tcase(s, tc);
    return s;
}

/* Runs the spool suite; exit status 0 when every test passed. */
int
main(void)
{
    SRunner *sr = srunner_create(ts_spool_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
