/*
 * session.c — one TCP connection: sequence bookkeeping, what the reassembler
 * decides turned into records and callbacks, and the public accessors.
 *
 * Stream offsets: offset 0 of a direction is the byte after its SYN when the
 * SYN (or SYN-ACK) was seen. For a direction picked up mid-stream it starts
 * as a guess — the first byte the other side acknowledged before this side's
 * first packet, or else the first sequence number this side sent — and the
 * direction is "tentative": its data is held (not delivered) and offset 0
 * moves down when an earlier segment or acknowledgement shows up, until its
 * SYN re-anchors it, the other side acknowledges held data, or more than
 * TS_TENTATIVE_HOLD bytes are held; then delivery starts. Per packet, the ACK is
 * applied first (it may release the other direction's data, which the
 * receiver got before it answered), then the payload, then the FIN.
 *
 * Gotchas: chunk offsets and ts_session_payload() index delivered bytes with
 * gaps left out; stream offsets include gaps. gap_index maps one to the other.
 * With keep_payload and a memory budget, a direction's older delivered bytes
 * may be in the engine's spool file (spool.h) rather than in memory: history
 * comparisons read them back, the "last" overlap policy rewrites them there,
 * and ts_session_payload() brings them back into memory.
 */
#include "session.h"

#include "memcost.h"
#include "seq.h"

#include <string.h>

/* A segment whose acknowledgement lies before the peer's first byte, or
 * more than this beyond anything the peer was seen sending, when the peer's
 * start is known from its SYN, belongs to another connection on the same
 * 4-tuple (reordered across a port reuse): a receiver drops it (RFC 5961). */
#define TS_STALE_ACK_SLACK ((uint64_t)16 << 20)

/* Acknowledgements further than this beyond anything the peer sent are
 * ignored as implausible (bogus ack fields would invent huge gaps). */
#define TS_ACK_SLACK ((uint64_t)1 << 30)

static const ts_reasm_sink session_sink;

ts_session *
ts_session_new(const ts_session_env *env, const ts_flow_key *key, const ts_decoded *seg,
               bool sender_is_client, uint64_t stream)
{
    ts_session *s = g_new0(ts_session, 1);
    s->env = env;
    s->key = *key;
    s->stream = stream;
    size_t alen = seg->family == 6 ? 16 : 4;
    ts_endpoint *snd = &s->ep[sender_is_client ? TS_FROM_CLIENT : TS_FROM_SERVER];
    ts_endpoint *rcv = &s->ep[sender_is_client ? TS_FROM_SERVER : TS_FROM_CLIENT];
    snd->family = rcv->family = seg->family;
    memcpy(snd->addr, seg->src_addr, alen);
    memcpy(rcv->addr, seg->dst_addr, alen);
    snd->port = seg->src_port;
    rcv->port = seg->dst_port;
    const ts_endpoint *c = &s->ep[TS_FROM_CLIENT];
    s->client_is_a = memcmp(c->addr, key->addr_a, alen) == 0 && c->port == key->port_a;
    for (int d = 0; d < 2; d++)
        ts_reasm_init(&s->dir[d].reasm, env->opts->overlap, env->opts->max_buffered_bytes,
                      env->memory);
    s->link.data = s;
    ts_session_recharge(s);
    return s;
}

size_t
ts_session_base_cost(void)
{
    return ts_mem_block(sizeof(ts_session));
}

/* Memory of the session's own allocations (not its reassembly stores). */
static size_t
session_cost(const ts_session *s)
{
    size_t n = ts_session_base_cost();
    if (s->carriage != NULL)
        n += ts_mem_block(s->ncarriage * sizeof(ts_carrier));
    for (int i = 0; i < 2; i++) {
        const ts_dir *d = &s->dir[i];
        if (d->ring != NULL)
            n += ts_mem_block((size_t)d->ring_size);
        n += ts_mem_garray(d->gap_index, sizeof(ts_gap_entry));
        n += ts_mem_garray(d->extents, sizeof(ts_extent));
    }
    n += ts_mem_garray(s->chunks, sizeof(ts_chunk));
    n += ts_mem_garray(s->gaps, sizeof(ts_gap));
    n += ts_mem_garray(s->anomalies, sizeof(ts_anomaly));
    return n;
}

void
ts_session_recharge(ts_session *s)
{
    size_t now = session_cost(s);
    if (s->env->memory != NULL)
        *s->env->memory += now - s->charged;
    s->charged = now;
}

/* ---- kept payload and the spool -------------------------------------- */

/* Smallest buffer allocated for a direction's kept bytes. */
#define TS_KEPT_MIN 256u

/* The spool's list of directions holding kept bytes in memory. */
static void
dirty_add(ts_spool *sp, ts_dir *d)
{
    if (d->dirty_pos != 0)
        return;
    g_ptr_array_add(sp->dirty, d);
    d->dirty_pos = sp->dirty->len;
}

static void
dirty_remove(ts_spool *sp, ts_dir *d)
{
    if (d->dirty_pos == 0)
        return;
    ts_dir *last = g_ptr_array_index(sp->dirty, sp->dirty->len - 1);
    sp->dirty->pdata[d->dirty_pos - 1] = last;
    last->dirty_pos = d->dirty_pos;
    g_ptr_array_set_size(sp->dirty, sp->dirty->len - 1);
    d->dirty_pos = 0;
}

/* Drops a direction's in-memory kept bytes. */
static void
kept_drop(ts_spool *sp, ts_dir *d)
{
    if (sp != NULL) {
        dirty_remove(sp, d);
        ts_spool_forget(sp, d->kept_cap);
    }
    g_free(d->kept);
    d->kept = NULL;
    d->kept_len = d->kept_cap = 0;
}

/* Releases a direction's kept payload: memory and spool extents. */
static void
kept_free(ts_session *s, ts_dir *d)
{
    ts_spool *sp = s->env->spool;
    if (d->extents != NULL) {
        const ts_extent *x = (const ts_extent *)d->extents->data;
        for (guint i = 0; i < d->extents->len; i++)
            ts_spool_release(sp, x[i].offset, x[i].len);
        g_array_free(d->extents, TRUE);
        d->extents = NULL;
    }
    d->spilled = 0;
    kept_drop(sp, d);
}

/* A queued spill reached the spool: the bytes leave memory. */
static void
spill_done(ts_spool *sp, void *owner, uint64_t offset, size_t len)
{
    ts_dir *d = owner;
    if (d->extents == NULL)
        d->extents = g_array_new(FALSE, FALSE, sizeof(ts_extent));
    ts_extent *last =
        d->extents->len ? &g_array_index(d->extents, ts_extent, d->extents->len - 1) : NULL;
    if (last != NULL && last->offset + last->len == offset) {
        last->len += len;
    } else {
        ts_extent x = {d->spilled, offset, len};
        g_array_append_val(d->extents, x);
    }
    d->spilled += len;
    kept_drop(sp, d);
}

/* Kept payload passed the memory budget: spill the directions holding the
 * most, then smaller ones, until memory is down to half the budget, so that
 * the next sweep is at least half a budget of deliveries away. Bytes that
 * cannot be spilled (pinned by ts_session_payload()) move the next sweep
 * further. The walk goes backwards: a flush removes spilled directions from
 * the dirty list, moving only directions already visited. */
static void
sweep(ts_spool *sp)
{
    static const size_t min_bytes[] = {4096, 256, 1};
    for (size_t pass = 0; pass < G_N_ELEMENTS(min_bytes); pass++) {
        if (sp->held <= sp->budget / 2 || !ts_spool_usable(sp))
            break;
        for (guint i = sp->dirty->len; i-- > 0;) {
            ts_dir *d = g_ptr_array_index(sp->dirty, i);
            if (!d->pinned && d->kept_len >= min_bytes[pass] && d->kept_len > 0)
                ts_spool_queue(sp, d->kept, d->kept_len, d, spill_done);
        }
        ts_spool_flush(sp, spill_done);
    }
    if (ts_spool_usable(sp))
        sp->trigger = MAX(sp->budget, sp->held + sp->budget / 2);
}

/* Appends delivered bytes to a direction's kept payload; past the memory
 * budget, the kept bytes of live sessions are spilled to the spool. */
static void
kept_append(ts_session *s, ts_dir *d, const uint8_t *data, size_t len)
{
    ts_spool *sp = s->env->spool;
    if (len == 0)
        return;
    if (len > d->kept_cap - d->kept_len) {
        size_t cap = MAX(MAX(d->kept_cap * 2, d->kept_len + len), TS_KEPT_MIN);
        if (sp != NULL) {
            sp->held += cap - d->kept_cap;
            dirty_add(sp, d);
        }
        d->kept = g_realloc(d->kept, cap);
        d->kept_cap = cap;
    }
    memcpy(d->kept + d->kept_len, data, len);
    d->kept_len += len;
    d->pinned = false;
    if (sp != NULL && sp->held > sp->trigger)
        sweep(sp);
}

/* Copies delivered bytes [idx, idx+n) of a direction into `buf`, or with
 * `store`, from `buf` into the kept payload (spool or memory). Returns false
 * when the spool failed (those bytes of `buf` are then zeros, or not stored). */
static bool
kept_copy(ts_session *s, ts_dir *d, uint64_t idx, uint8_t *buf, size_t n, bool store)
{
    bool ok = true;
    if (idx < d->spilled) {
        const ts_extent *x = (const ts_extent *)d->extents->data;
        size_t lo = 0, hi = d->extents->len; /* last extent starting at or before idx */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (x[mid].start <= idx)
                lo = mid;
            else
                hi = mid;
        }
        for (size_t i = lo; n > 0 && i < d->extents->len; i++) {
            uint64_t in = idx - x[i].start;
            size_t k = (size_t)MIN((uint64_t)n, x[i].len - in);
            if (store) {
                ok &= ts_spool_rewrite(s->env->spool, x[i].offset + in, buf, k);
            } else if (!ts_spool_read(s->env->spool, x[i].offset + in, buf, k)) {
                memset(buf, 0, k);
                ok = false;
            }
            buf += k;
            idx += k;
            n -= k;
        }
    }
    if (n > 0) {
        uint8_t *mem = d->kept + (idx - d->spilled);
        if (store)
            memcpy(mem, buf, n);
        else
            memcpy(buf, mem, n);
    }
    return ok;
}

/* Brings a spilled direction's bytes back into memory, in one buffer (for
 * ts_session_payload), and gives its spool space back. */
static void
kept_materialise(ts_session *s, ts_direction from)
{
    ts_dir *d = &s->dir[from];
    ts_spool *sp = s->env->spool;
    size_t total = (size_t)d->spilled + d->kept_len;
    uint8_t *buf = g_malloc(MAX(total, 1));
    if (!kept_copy(s, d, 0, buf, (size_t)d->spilled, false)) {
        g_autofree char *msg = g_strdup_printf(
            "stream %" G_GUINT64_FORMAT ": payload from the %s could not be read back from the "
            "spool: bytes replaced by zeros",
            s->stream, from == TS_FROM_CLIENT ? "client" : "server");
        sp->warn(sp->warn_ctx, msg);
    }
    if (d->kept_len > 0)
        memcpy(buf + d->spilled, d->kept, d->kept_len);
    kept_free(s, d);
    sp->held += MAX(total, 1);
    dirty_add(sp, d);
    d->kept = buf;
    d->kept_len = total;
    d->kept_cap = MAX(total, 1);
}

void
ts_session_free(ts_session *s)
{
    if (s == NULL)
        return;
    if (s->env->memory != NULL)
        *s->env->memory -= s->charged;
    g_free(s->carriage);
    for (int d = 0; d < 2; d++) {
        ts_reasm_clear(&s->dir[d].reasm);
        kept_free(s, &s->dir[d]);
        if (s->dir[d].gap_index != NULL)
            g_array_free(s->dir[d].gap_index, TRUE);
        g_free(s->dir[d].ring);
    }
    if (s->chunks != NULL)
        g_array_free(s->chunks, TRUE);
    if (s->gaps != NULL)
        g_array_free(s->gaps, TRUE);
    if (s->anomalies != NULL)
        g_array_free(s->anomalies, TRUE);
    g_free(s);
}

void
ts_session_anomaly(ts_session *s, ts_anomaly_type type, ts_direction from, uint64_t frame,
                   uint64_t offset, uint64_t length)
{
    if (s->anomalies == NULL)
        s->anomalies = g_array_new(FALSE, FALSE, sizeof(ts_anomaly));
    if (s->anomalies->len >= s->env->opts->max_anomalies) {
        s->anomalies_dropped++;
        return;
    }
    ts_anomaly a = {type, from, frame, offset, length};
    g_array_append_val(s->anomalies, a);
}

/* ---- offsets and history -------------------------------------------- */

/* Delivered-byte index of stream offset `off` (which is not inside a gap). */
static uint64_t
delivered_index(const ts_dir *d, uint64_t off)
{
    if (d->gap_index == NULL)
        return off;
    const ts_gap_entry *g = (const ts_gap_entry *)d->gap_index->data;
    size_t lo = 0, hi = d->gap_index->len; /* first gap with offset >= off */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g[mid].offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return off;
    return off - g[lo - 1].missing_before - g[lo - 1].length;
}

/* Is stream offset `off` inside a declared gap? Sets *until to where the
 * current run (gap or not) ends, capped at `limit`. */
static bool
in_gap(const ts_dir *d, uint64_t off, uint64_t limit, uint64_t *until)
{
    *until = limit;
    if (d->gap_index == NULL)
        return false;
    const ts_gap_entry *g = (const ts_gap_entry *)d->gap_index->data;
    for (size_t i = 0; i < d->gap_index->len; i++) { /* gaps are few; linear is fine */
        uint64_t gend = g[i].offset + g[i].length;
        if (off < g[i].offset) {
            if (g[i].offset < *until)
                *until = g[i].offset;
            return false;
        }
        if (off < gend) {
            if (gend < *until)
                *until = gend;
            return true;
        }
    }
    return false;
}

/* Pointer to delivered bytes [idx, idx+len) if held in memory, else NULL. */
static uint8_t *
history(ts_dir *d, uint64_t idx, uint64_t len)
{
    if (d->kept != NULL && idx >= d->spilled && idx + len <= d->spilled + d->kept_len)
        return d->kept + (idx - d->spilled);
    return NULL;
}

/* ---- the comparison window ------------------------------------------ */

/* Retransmitted bytes are compared with the delivered copy when they lie in
 * the direction's comparison window: among its last
 * ts_options.retransmission_window delivered bytes, and not more than
 * ts_options.retransmission_acked bytes below what the receiver acknowledged
 * (what a sender may still resend is what it has not seen acknowledged; a
 * copy of long-acknowledged bytes is dropped by any receiver). The window
 * depends on the delivered bytes, gaps and acknowledgements only, never on
 * keep_payload, so the anomalies do not either: bytes that arrive again from
 * before the window are reported, in both modes, as an
 * unchecked_retransmission anomaly instead of being compared. Its start
 * moves forward at every delivery and comparison, in both modes. Without
 * keep_payload the ring holds the window's bytes (memory: the unacknowledged
 * bytes plus the acknowledged tail, per direction); with it, the kept
 * payload does (the ring is not used). */

/* Delivered index of the receiver's acknowledgement of this direction
 * (capped at the bytes delivered; inside a gap: the first byte after it).
 * While the receiver acknowledged nothing (a one-sided capture, say), all
 * delivered bytes count as acknowledged: nothing tells how far back a
 * retransmission may reach. */
static uint64_t
acked_index(const ts_dir *d)
{
    uint64_t ack = d->reasm.acked;
    if (ack == 0 || ack >= d->reasm.next)
        return d->delivered;
    if (d->gap_index != NULL) {
        const ts_gap_entry *g = (const ts_gap_entry *)d->gap_index->data;
        size_t lo = 0, hi = d->gap_index->len; /* first gap with offset > ack */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (g[mid].offset <= ack)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && ack < g[lo - 1].offset + g[lo - 1].length)
            ack = g[lo - 1].offset + g[lo - 1].length;
    }
    return MIN(delivered_index(d, ack), d->delivered);
}

/* Moves the start of the comparison window forward to what `delivered`
 * bytes and the receiver's acknowledgement allow, and returns it. It never
 * moves back. */
static uint64_t
window_advance(const ts_session *s, ts_dir *d, uint64_t delivered)
{
    uint64_t w = s->env->opts->retransmission_window;
    uint64_t tail = s->env->opts->retransmission_acked;
    uint64_t acked = MIN(acked_index(d), delivered), from = 0;
    if (tail != 0 && acked > tail)
        from = acked - tail;
    if (w != 0 && delivered > w && delivered - w > from)
        from = delivered - w;
    if (from > d->window_from)
        d->window_from = from;
    return d->window_from;
}

/* The step a large ring's size is a multiple of, and the smallest ring:
 * directions that deliver little cost little. */
#define TS_RING_STEP 2048u
#define TS_RING_MIN 16u

/* Size of a ring that holds at least `need` bytes: a power of two up to
 * TS_RING_STEP (a direction of a few bytes takes a few bytes), then a
 * quarter more than asked in TS_RING_STEP steps. Not rounded to a power of
 * two beyond: a 16 KiB acknowledged tail plus a few segments would take a
 * 32 KiB ring, and the ring's footprint is what costs on plain traffic. */
static uint64_t
ring_size_for(uint64_t need)
{
    if (need <= TS_RING_STEP) {
        uint64_t size = TS_RING_MIN;
        while (size < need)
            size <<= 1;
        return size;
    }
    return (need + need / 4 + TS_RING_STEP - 1) / TS_RING_STEP * TS_RING_STEP;
}

/* Makes the ring hold at least `need` bytes, keeping the last bytes it holds:
 * it grows (ring_size_for) as the direction delivers more, up to the window. */
static void
ring_reserve(ts_dir *d, uint64_t need)
{
    if (need <= d->ring_size)
        return;
    uint64_t old_size = d->ring_size;
    uint64_t size = ring_size_for(need);
    uint8_t *old = d->ring;
    d->ring = g_malloc((size_t)size);
    d->ring_size = size;
    uint64_t held = MIN(d->delivered, old_size);
    for (uint64_t i = d->delivered - held; i < d->delivered;) { /* at most three runs */
        size_t from = (size_t)(i % old_size), to = (size_t)(i % size);
        uint64_t n = MIN(d->delivered - i, MIN(old_size - from, size - to));
        memcpy(d->ring + to, old + from, (size_t)n);
        i += n;
    }
    g_free(old);
}

/* Copies `len` bytes into the ring at delivered index `idx`, in at most two
 * copies; only the last ring_size bytes of `data` when it is longer. */
static void
ring_write(ts_dir *d, uint64_t idx, const uint8_t *data, size_t len)
{
    size_t keep = (size_t)MIN((uint64_t)len, d->ring_size);
    const uint8_t *src = data + (len - keep);
    size_t at = (size_t)((idx + len - keep) % d->ring_size);
    size_t first = (size_t)MIN((uint64_t)keep, d->ring_size - at);
    memcpy(d->ring + at, src, first);
    if (keep > first)
        memcpy(d->ring, src + first, keep - first);
}

/* Without keep_payload: delivered bytes [idx, idx+len) enter the ring,
 * which holds the window [from, idx+len). */
static void
ring_deliver(ts_dir *d, uint64_t from, uint64_t idx, const uint8_t *data, size_t len)
{
    ring_reserve(d, idx + len - from);
    ring_write(d, idx, data, len);
}

/* Compares bytes that arrived again with the ring's copy (`idx` inside the
 * window). Returns the differing span [*lo, *hi) of `data`, or false when
 * the bytes are the same. */
static bool
ring_compare(const ts_dir *d, uint64_t idx, const uint8_t *data, uint64_t len, uint64_t *lo,
             uint64_t *hi)
{
    /* the usual case, an identical copy: at most two memcmp() runs */
    size_t at = (size_t)(idx % d->ring_size);
    size_t first = (size_t)MIN(len, d->ring_size - at);
    if (memcmp(d->ring + at, data, first) == 0 &&
        memcmp(d->ring, data + first, (size_t)len - first) == 0)
        return false;
    *lo = UINT64_MAX;
    for (uint64_t i = 0; i < len; i++) {
        if (d->ring[(idx + i) % d->ring_size] != data[i]) {
            if (*lo == UINT64_MAX)
                *lo = i;
            *hi = i + 1;
        }
    }
    return true;
}

/* Compares bytes that arrived again with the kept payload (memory or
 * spool). Returns the differing span as ring_compare() does; *readable is
 * false when spilled bytes could not be read back (nothing was compared). */
static bool
kept_compare(ts_session *s, ts_dir *d, uint64_t idx, const uint8_t *data, uint64_t n, uint64_t *lo,
             uint64_t *hi, bool *readable)
{
    uint8_t *old = history(d, idx, n);
    g_autofree uint8_t *copy = NULL; /* spilled bytes read back */
    *readable = true;
    if (old == NULL) {
        copy = g_malloc(n);
        if (!kept_copy(s, d, idx, copy, n, false)) {
            *readable = false;
            return false;
        }
        old = copy;
    }
    if (memcmp(old, data, n) == 0)
        return false;
    *lo = 0;
    *hi = n;
    while (old[*lo] == data[*lo])
        (*lo)++;
    while (old[*hi - 1] == data[*hi - 1])
        (*hi)--;
    if (s->env->opts->overlap == TS_OVERLAP_LAST) {
        memcpy(old + *lo, data + *lo, *hi - *lo);
        if (old == copy)
            kept_copy(s, d, idx + *lo, old + *lo, *hi - *lo, true);
    }
    return true;
}

/* Delivered bytes [off, off+n) (delivered index idx) arrived again: the part
 * before the comparison window is reported unchecked, the rest compared with
 * the delivered copy, a differing span reported as a conflict. Under the
 * "last" policy the copy compared with takes the new bytes (ring or kept
 * payload alike), so later copies are compared with the same bytes in both
 * modes, and the rewrite callback tells consumers of the deliveries. */
static void
compare_old(ts_session *s, ts_dir *d, uint64_t off, uint64_t idx, const uint8_t *data, uint64_t n)
{
    if (idx + n > d->delivered) /* cannot happen: old bytes were delivered */
        return;
    uint64_t from = window_advance(s, d, d->delivered);
    if (idx < from) {
        uint64_t before = MIN(n, from - idx);
        ts_session_anomaly(s, TS_ANOMALY_UNCHECKED_RETRANSMISSION, s->cur_dir, s->cur_frame, off,
                           before);
        off += before;
        idx += before;
        data += before;
        n -= before;
    }
    if (n == 0)
        return;
    uint64_t lo = 0, hi = 0;
    bool readable = true;
    bool differ = s->env->opts->keep_payload ? kept_compare(s, d, idx, data, n, &lo, &hi, &readable)
                                             : ring_compare(d, idx, data, n, &lo, &hi);
    if (!readable)
        ts_session_anomaly(s, TS_ANOMALY_UNCHECKED_RETRANSMISSION, s->cur_dir, s->cur_frame, off,
                           n);
    if (!differ)
        return;
    ts_session_anomaly(s, TS_ANOMALY_OVERLAP_CONFLICT, s->cur_dir, s->cur_frame, off + lo, hi - lo);
    if (s->env->opts->overlap != TS_OVERLAP_LAST)
        return;
    if (!s->env->opts->keep_payload)
        ring_write(d, idx + lo, data + lo, (size_t)(hi - lo));
    if (s->env->cb->rewrite != NULL) {
        ts_rewrite r = {s->cur_dir,        off + lo,     idx + lo, data + lo,
                        (size_t)(hi - lo), s->cur_frame, s->cur_ts};
        s->env->cb->rewrite(s->env->user, s, &r);
    }
}

/* ---- the reassembler's sink ------------------------------------------ */

/* Hands the direction's open gap to the gap callback: it is complete (a
 * byte after it is about to be delivered, or the direction ended). */
static void
report_open_gap(ts_session *s, ts_dir *d)
{
    if (!d->gap_open)
        return;
    d->gap_open = false;
    if (s->env->cb->gap != NULL)
        s->env->cb->gap(s->env->user, s, &g_array_index(s->gaps, ts_gap, d->open_gap));
}

static void
sink_deliver(void *ctx, uint64_t offset, const uint8_t *data, size_t len, uint64_t frame,
             int64_t ts_ns)
{
    ts_session *s = ctx;
    ts_dir *d = &s->dir[s->cur_dir];
    const ts_options *o = s->env->opts;
    uint64_t idx = d->delivered;
    report_open_gap(s, d);
    uint64_t from = window_advance(s, d, idx + len); /* both modes alike */
    if (o->keep_payload) {
        kept_append(s, d, data, len);
        if (s->chunks == NULL)
            s->chunks = g_array_new(FALSE, FALSE, sizeof(ts_chunk));
        ts_chunk *last =
            s->chunks->len ? &g_array_index(s->chunks, ts_chunk, s->chunks->len - 1) : NULL;
        if (last != NULL && last->from == s->cur_dir && !d->chunk_break &&
            last->offset + last->length == idx) {
            last->length += len;
        } else {
            ts_chunk c = {s->cur_dir, idx, len, frame, ts_ns};
            g_array_append_val(s->chunks, c);
        }
    } else {
        ring_deliver(d, from, idx, data, len);
    }
    d->chunk_break = false;
    d->delivered += len;
    if (s->env->cb->data != NULL) {
        ts_delivery dv = {s->cur_dir, offset, data, len, frame, ts_ns};
        s->env->cb->data(s->env->user, s, &dv);
    }
}

/* A hole declared in pieces (the receiver acknowledged past it in steps, a
 * flush after a partial declaration) is one gap: a piece that starts where
 * the direction's open gap ends (nothing was delivered between) extends it. */
static void
sink_gap(void *ctx, uint64_t offset, uint64_t len)
{
    ts_session *s = ctx;
    ts_dir *d = &s->dir[s->cur_dir];
    d->missing += len;
    d->chunk_break = true;
    if (d->gap_open) {
        ts_gap *open = &g_array_index(s->gaps, ts_gap, d->open_gap);
        if (open->offset + open->length == offset) {
            open->length += len;
            g_array_index(d->gap_index, ts_gap_entry, d->gap_index->len - 1).length += len;
            return;
        }
        report_open_gap(s, d);
    }
    if (d->gap_index == NULL)
        d->gap_index = g_array_new(FALSE, FALSE, sizeof(ts_gap_entry));
    ts_gap_entry e = {offset, len, d->missing - len};
    g_array_append_val(d->gap_index, e);
    if (s->gaps == NULL)
        s->gaps = g_array_new(FALSE, FALSE, sizeof(ts_gap));
    ts_gap g = {s->cur_dir, offset, len};
    g_array_append_val(s->gaps, g);
    d->gap_open = true;
    d->open_gap = s->gaps->len - 1;
}

static void
sink_conflict(void *ctx, uint64_t offset, uint64_t len)
{
    ts_session *s = ctx;
    ts_session_anomaly(s, TS_ANOMALY_OVERLAP_CONFLICT, s->cur_dir, s->cur_frame, offset, len);
}

static void
sink_old(void *ctx, uint64_t offset, const uint8_t *data, size_t len)
{
    ts_session *s = ctx;
    ts_dir *d = &s->dir[s->cur_dir];
    uint64_t end = offset + len, run_end;
    while (offset < end) {
        if (in_gap(d, offset, end, &run_end)) {
            ts_session_anomaly(s, TS_ANOMALY_LATE_DATA, s->cur_dir, s->cur_frame, offset,
                               run_end - offset);
        } else {
            compare_old(s, d, offset, delivered_index(d, offset), data, run_end - offset);
        }
        data += run_end - offset;
        offset = run_end;
    }
}

static void
sink_limit(void *ctx, uint64_t offset, uint64_t len)
{
    ts_session *s = ctx;
    ts_session_anomaly(s, TS_ANOMALY_BUFFER_LIMIT, s->cur_dir, s->cur_frame, offset, len);
}

static void
sink_beyond_end(void *ctx, uint64_t offset, uint64_t len)
{
    ts_session *s = ctx;
    ts_session_anomaly(s, TS_ANOMALY_DATA_AFTER_FIN, s->cur_dir, s->cur_frame, offset, len);
}

static const ts_reasm_sink session_sink = {
    sink_deliver, sink_gap, sink_conflict, sink_old, sink_limit, sink_beyond_end,
};

/* ---- segments --------------------------------------------------------- */

static void
set_base(ts_dir *d, uint32_t seq)
{
    d->base_set = true;
    d->base_abs = ts_seq_abs_start(seq);
    d->ref_abs = d->base_abs;
}

/* Stream offset of sequence number `seq` in direction d (may be negative). */
static int64_t
stream_offset(const ts_dir *d, uint32_t seq)
{
    return (int64_t)(ts_seq_unwrap(seq, d->ref_abs) - d->base_abs);
}

/* Most data held for a direction whose start is a guess. */
#define TS_TENTATIVE_HOLD ((size_t)256 << 10)

static void
dropped_before_start(void *ctx, uint64_t length)
{
    ts_session *s = ctx;
    ts_session_anomaly(s, TS_ANOMALY_DATA_BEFORE_START, s->cur_dir, s->cur_frame, 0, length);
}

/* Moves a tentative direction's offset 0 to sequence number `seq`. */
static void
rebase(ts_session *s, ts_direction from, uint32_t seq)
{
    ts_dir *d = &s->dir[from];
    uint64_t new_abs = ts_seq_unwrap(seq, d->ref_abs);
    int64_t delta = (int64_t)(d->base_abs - new_abs);
    if (delta == 0)
        return;
    s->cur_dir = from;
    ts_reasm_rebase(&d->reasm, delta, dropped_before_start, s);
    d->base_abs = new_abs;
    if (d->ref_abs < new_abs)
        d->ref_abs = new_abs;
}

/* The guessed start of a tentative direction is accepted: deliver. */
static void
confirm(ts_session *s, ts_direction from)
{
    ts_dir *d = &s->dir[from];
    if (!d->tentative)
        return;
    d->tentative = false;
    s->cur_dir = from;
    ts_reasm_release(&d->reasm, &session_sink, s);
}

static bool
invalid_flags(uint8_t f)
{
    if ((f & TS_TCP_SYN) && (f & (TS_TCP_FIN | TS_TCP_RST)))
        return true;
    return (f & (TS_TCP_SYN | TS_TCP_ACK | TS_TCP_RST | TS_TCP_FIN)) == 0;
}

/* Learns sequence-number bases from this segment (ours and Wireshark's). */
static void
learn_bases(ts_session *s, ts_direction from, const ts_decoded *seg)
{
    ts_dir *d = &s->dir[from], *peer = &s->dir[!from];
    bool syn = seg->flags & TS_TCP_SYN, ack = seg->flags & TS_TCP_ACK;
    if (!d->ws_base_set) {
        d->ws_base_set = true;
        d->ws_base = syn ? seg->seq : seg->seq - 1;
    }
    if (ack && !peer->ws_base_set) {
        peer->ws_base_set = true;
        peer->ws_base = seg->ack - 1;
    }
    if (syn) {
        if (!d->syn_seen) {
            d->syn_seen = true;
            d->isn = seg->seq;
            if (!d->base_set) {
                set_base(d, seg->seq + 1);
            } else if (d->tentative) {
                rebase(s, from, seg->seq + 1);
                confirm(s, from);
            } else if (d->base_abs != ts_seq_unwrap(seg->seq + 1, d->ref_abs)) {
                ts_session_anomaly(s, TS_ANOMALY_SYN_CONFLICT, from, s->cur_frame, 0, 0);
            }
        } else if (seg->seq != d->isn) {
            ts_session_anomaly(s, TS_ANOMALY_SYN_CONFLICT, from, s->cur_frame, 0, 0);
            if (d->delivered == 0 && d->reasm.store == NULL && !d->fin_seen) {
                d->alt_isn_set = true;
                d->alt_isn = seg->seq;
            }
        }
    }
    if (!d->base_set) {
        bool use_ack = d->peer_ack_seen && ts_seq_near(seg->seq, d->peer_ack, 1 << 30);
        set_base(d, use_ack ? d->peer_ack : seg->seq);
        d->tentative = true;
        ts_reasm_hold(&d->reasm);
    }
}

/* Applies the acknowledgement carried by a segment from `from` to the peer. */
static void
apply_ack(ts_session *s, ts_direction from, const ts_decoded *seg)
{
    ts_dir *peer = &s->dir[!from];
    if (!peer->base_set) {
        if (!peer->peer_ack_seen) {
            peer->peer_ack_seen = true;
            peer->peer_ack = seg->ack;
        }
        return;
    }
    int64_t off = stream_offset(peer, seg->ack);
    int64_t sent = (int64_t)(peer->ref_abs - peer->base_abs);
    if (peer->tentative && off <= 0 && off > -(1 << 30)) {
        /* the receiver still waits for earlier bytes: they start the stream */
        rebase(s, !from, seg->ack);
        return;
    }
    if (off <= 0 || (uint64_t)off > (uint64_t)sent + TS_ACK_SLACK)
        return;
    confirm(s, !from);
    s->cur_dir = !from;
    ts_reasm_ack(&peer->reasm, (uint64_t)off, &session_sink, s);
}

/* Does the segment acknowledge something the peer never sent in this
 * connection? Only judged when the peer's start is known from its SYN. */
static bool
stale_ack(ts_session *s, ts_direction from, const ts_decoded *seg)
{
    ts_dir *peer = &s->dir[!from];
    if (!(seg->flags & TS_TCP_ACK) || !peer->syn_seen || peer->tentative)
        return false;
    int64_t off = stream_offset(peer, seg->ack);
    int64_t sent = (int64_t)(peer->ref_abs - peer->base_abs);
    if (off >= 0 && (uint64_t)off <= (uint64_t)(sent > 0 ? sent : 0) + 1 + TS_STALE_ACK_SLACK)
        return false;
    /* the peer answered a SYN twice with different ISNs and this side
       acknowledges the other one: that one starts the peer's stream */
    if (peer->alt_isn_set && peer->delivered == 0 && peer->reasm.store == NULL &&
        ts_seq_within(seg->ack, peer->alt_isn + 1, 1 + TS_STALE_ACK_SLACK)) {
        peer->isn = peer->alt_isn;
        peer->alt_isn_set = false;
        peer->ws_base = peer->alt_isn;
        set_base(peer, peer->alt_isn + 1);
        return false;
    }
    return true;
}

void
ts_session_segment(ts_session *s, ts_direction from, const ts_decoded *seg, uint64_t frame,
                   int64_t ts_ns)
{
    ts_dir *d = &s->dir[from];
    uint8_t f = seg->flags;
    s->cur_frame = frame;
    s->cur_ts = ts_ns;
    s->packets++;
    d->packets++;
    if (ts_ns > s->end_ns)
        s->end_ns = ts_ns;
    if (invalid_flags(f))
        ts_session_anomaly(s, TS_ANOMALY_INVALID_FLAGS, from, frame, 0, 0);
    if (stale_ack(s, from, seg)) {
        ts_session_anomaly(s, TS_ANOMALY_STALE_SEGMENT, from, frame, 0, seg->payload_wire_len);
        return;
    }
    learn_bases(s, from, seg);
    if (f & TS_TCP_ACK)
        apply_ack(s, from, seg);

    uint32_t data_seq = seg->seq + ((f & TS_TCP_SYN) ? 1 : 0);
    int64_t off = stream_offset(d, data_seq);
    uint64_t abs_end = ts_seq_unwrap(data_seq, d->ref_abs) + seg->payload_wire_len;
    if (f & TS_TCP_RST) {
        if (seg->payload_wire_len > 0)
            ts_session_anomaly(s, TS_ANOMALY_RST_WITH_DATA, from, frame, off > 0 ? off : 0,
                               seg->payload_wire_len);
        s->closed = true;
        s->close_reason = TS_CLOSE_RST;
        return;
    }
    if (seg->payload_wire_len > 0) {
        if (abs_end > d->ref_abs)
            d->ref_abs = abs_end;
        if (f & TS_TCP_SYN)
            ts_session_anomaly(s, TS_ANOMALY_SYN_WITH_DATA, from, frame, off > 0 ? off : 0,
                               seg->payload_wire_len);
        if ((f & TS_TCP_URG) && seg->urgent > 0 && off + seg->urgent > 0)
            ts_session_anomaly(s, TS_ANOMALY_URGENT_DATA, from, frame,
                               (uint64_t)(off + seg->urgent - 1), 1);
        if (seg->payload_len < seg->payload_wire_len)
            ts_session_anomaly(s, seg->frame_cut ? TS_ANOMALY_SNAPLEN_CUT : TS_ANOMALY_SHORT_FRAME,
                               from, frame, off + seg->payload_len > 0 ? off + seg->payload_len : 0,
                               seg->payload_wire_len - seg->payload_len);
        const uint8_t *data = seg->payload;
        uint64_t len = seg->payload_len;
        if (off < 0 && d->tentative && off > -(1 << 30)) {
            rebase(s, from, data_seq);
            off = 0;
        }
        if (off < 0) {
            uint64_t before = (uint64_t)-off < len ? (uint64_t)-off : len;
            ts_session_anomaly(s, TS_ANOMALY_DATA_BEFORE_START, from, frame, 0, before);
            data += before;
            len -= before;
            off += (int64_t)before;
        }
        /* a keep-alive: one byte (often garbage) just below the next
           expected byte, nothing else; not data, and not a conflict */
        bool keepalive = len == 1 && seg->payload_wire_len == 1 && off >= 0 &&
                         (uint64_t)off + 1 == d->reasm.next &&
                         (f & (TS_TCP_SYN | TS_TCP_FIN | TS_TCP_RST | TS_TCP_URG)) == 0;
        if (len > 0 && !keepalive) {
            s->cur_dir = from;
            ts_reasm_add(&d->reasm, (uint64_t)off, data, len, frame, ts_ns, &session_sink, s);
            if (d->tentative && d->reasm.buffered > TS_TENTATIVE_HOLD)
                confirm(s, from);
        }
    }
    if (f & TS_TCP_FIN) {
        int64_t fin_off = off + seg->payload_wire_len;
        if (fin_off >= 0) {
            s->cur_dir = from;
            if (!ts_reasm_set_end(&d->reasm, (uint64_t)fin_off, &session_sink, s))
                ts_session_anomaly(s, TS_ANOMALY_FIN_CONFLICT, from, frame, (uint64_t)fin_off, 0);
        }
        d->fin_seen = true;
        if (s->dir[!from].fin_seen && !s->closed) {
            s->closed = true;
            s->close_reason = TS_CLOSE_FIN;
        }
    }
}

int64_t
ts_session_offset_of(const ts_session *s, ts_direction from, const ts_decoded *seg)
{
    const ts_dir *d = &s->dir[from];
    if (!d->base_set)
        return 0;
    return stream_offset(d, seg->seq + ((seg->flags & TS_TCP_SYN) ? 1 : 0));
}

/* Is the highest sequence number the peer acknowledged in direction `from`
 * that direction's FIN, which the capture did not show? An acknowledgement
 * cannot tell a FIN from a data byte, so a trailing gap up to it would count
 * a FIN as data. Taken as the FIN when the FIN was not seen, the peer
 * acknowledged beyond every sequence number seen from the direction, and
 * either by exactly one (a lone FIN, the usual loss) or the peer closed with
 * a FIN of its own (the connection was being closed: a final segment lost
 * with its FIN). Otherwise (a reset, the end of the capture) the
 * acknowledged bytes count as data. See README "Gaps". */
static bool
uncaptured_fin(const ts_session *s, ts_direction from)
{
    const ts_dir *d = &s->dir[from];
    if (!d->base_set || d->fin_seen || d->reasm.end != UINT64_MAX)
        return false;
    uint64_t sent = d->ref_abs - d->base_abs, acked = d->reasm.acked;
    if (acked <= sent || acked <= d->reasm.next)
        return false;
    return acked == sent + 1 || s->dir[!from].fin_seen;
}

void
ts_session_finish(ts_session *s, ts_close_reason reason)
{
    if (s->done)
        return;
    s->done = true;
    for (int d = 0; d < 2; d++) {
        s->cur_dir = (ts_direction)d;
        if (uncaptured_fin(s, (ts_direction)d))
            ts_reasm_set_end(&s->dir[d].reasm, s->dir[d].reasm.acked - 1, &session_sink, s);
        ts_reasm_flush(&s->dir[d].reasm, &session_sink, s);
        report_open_gap(s, &s->dir[d]);
    }
    if (!s->closed)
        s->close_reason = reason;
    if (s->env->cb->session_done != NULL)
        s->env->cb->session_done(s->env->user, s);
}

void
ts_session_shrink(ts_session *s, size_t excess)
{
    for (int pass = 0; pass < 2 && excess > 0; pass++) {
        /* the direction whose store takes more first */
        int i = (s->dir[1].reasm.cost > s->dir[0].reasm.cost) != (pass == 1) ? 1 : 0;
        ts_reasm *r = &s->dir[i].reasm;
        size_t before = r->cost;
        s->cur_dir = (ts_direction)i;
        ts_reasm_shrink(r, before > excess ? before - excess : 0, &session_sink, s);
        excess -= MIN(excess, before - r->cost);
    }
    ts_session_recharge(s);
}

/* ---- public accessors ----------------------------------------------- */

uint64_t
ts_session_stream(const ts_session *s)
{
    return s->stream;
}

const ts_endpoint *
ts_session_client(const ts_session *s)
{
    return &s->ep[TS_FROM_CLIENT];
}

const ts_endpoint *
ts_session_server(const ts_session *s)
{
    return &s->ep[TS_FROM_SERVER];
}

int64_t
ts_session_start_ns(const ts_session *s)
{
    return s->start_ns;
}

int64_t
ts_session_end_ns(const ts_session *s)
{
    return s->end_ns;
}

uint64_t
ts_session_first_frame(const ts_session *s)
{
    return s->first_frame;
}

uint64_t
ts_session_packets(const ts_session *s)
{
    return s->packets;
}

bool
ts_session_midstream(const ts_session *s)
{
    return s->midstream;
}

ts_close_reason
ts_session_close_reason(const ts_session *s)
{
    return s->close_reason;
}

uint64_t
ts_session_bytes(const ts_session *s, ts_direction from)
{
    return s->dir[from].delivered;
}

uint64_t
ts_session_missing_bytes(const ts_session *s, ts_direction from)
{
    return s->dir[from].missing;
}

const uint8_t *
ts_session_payload(const ts_session *s, ts_direction from, size_t *len)
{
    ts_dir *d = (ts_dir *)&s->dir[from]; /* materialising is not a visible change */
    if (d->extents != NULL)
        kept_materialise((ts_session *)s, from);
    if (d->kept == NULL) {
        *len = 0;
        return s->env->opts->keep_payload ? (const uint8_t *)"" : NULL;
    }
    d->pinned = true;
    *len = d->kept_len;
    return d->kept;
}

const ts_chunk *
ts_session_chunks(const ts_session *s, size_t *n)
{
    *n = s->chunks != NULL ? s->chunks->len : 0;
    return s->chunks != NULL ? (const ts_chunk *)s->chunks->data : NULL;
}

const ts_gap *
ts_session_gaps(const ts_session *s, size_t *n)
{
    *n = s->gaps != NULL ? s->gaps->len : 0;
    return s->gaps != NULL ? (const ts_gap *)s->gaps->data : NULL;
}

const ts_anomaly *
ts_session_anomalies(const ts_session *s, size_t *n)
{
    *n = s->anomalies != NULL ? s->anomalies->len : 0;
    return s->anomalies != NULL ? (const ts_anomaly *)s->anomalies->data : NULL;
}

uint64_t
ts_session_anomalies_dropped(const ts_session *s)
{
    return s->anomalies_dropped;
}

void *
ts_session_get_user(const ts_session *s)
{
    return s->user;
}

void
ts_session_set_user(ts_session *s, void *user)
{
    s->user = user;
}
