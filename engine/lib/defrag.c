/*
 * defrag.c — IPv4 / IPv6 fragment reassembly (see defrag.h for the rules).
 *
 * A pending datagram holds its payload in one buffer grown to the highest
 * end seen, a bitmap of the bytes received, the pieces received (offset,
 * end, frame: to name the frame of the other copy in a conflict) and, for
 * the linux policy, the "runs" of inet_frag_queue_insert(): a fragment that
 * starts where the last run ends extends it; any other fragment that
 * overlaps nothing starts a run of its own. Pending datagrams are also in a
 * FIFO by creation, oldest first, for the timeout and the memory cap.
 *
 * Linux details kept by the linux policy (net/ipv4/ip_fragment.c
 * ip_frag_queue, net/ipv6/reassembly.c ip6_frag_queue): an empty fragment,
 * a last fragment ending before bytes already received or at another end
 * than an earlier last fragment, and a fragment reaching past a known end
 * drop the whole datagram; a non-last IPv4 fragment is cut down to a
 * multiple of 8 bytes; a non-last IPv6 fragment whose length is not a
 * multiple of 8 is dropped.
 */
#include "defrag.h"

#include "memcost.h"

#include <string.h>

/* What identifies a datagram. Zero-filled, then hashed and compared as bytes. */
typedef struct {
    uint8_t family, proto, pad[2];
    uint32_t id;
    uint8_t src[16], dst[16];
} dg_key;

typedef struct {
    uint32_t offset, end;
    uint64_t frame;
} dg_piece;

typedef struct {
    uint32_t start, end;
} dg_run;

typedef struct {
    dg_key key;
    int64_t first_ns;
    uint8_t *buf;  /* payload bytes [0, cap) */
    uint8_t *have; /* bitmap of received bytes */
    uint32_t cap;
    uint32_t end; /* datagram length once a last fragment was seen */
    bool end_known;
    uint64_t end_frame; /* frame of that last fragment */
    uint32_t top;       /* highest end received */
    uint64_t covered;   /* bytes received (each counted once) */
    GArray *pieces;     /* dg_piece, arrival order */
    GArray *runs;       /* dg_run, by offset (linux policy) */
    GArray *conflicts;  /* ts_defrag_conflict */
    size_t mem;
    GList link; /* in the FIFO */
} dgram;

struct ts_defrag {
    ts_overlap_policy policy;
    int64_t timeout_ns;
    size_t max_memory;
    size_t memory;
    ts_stats *stats;
    GHashTable *table; /* dg_key* -> dgram* */
    GQueue fifo;       /* oldest first */
    dgram *done;       /* the datagram last returned, freed on the next call */
};

/* FNV-1a over the key's bytes. */
static guint
key_hash(gconstpointer k)
{
    const uint8_t *p = k;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof(dg_key); i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Byte equality of two keys. */
static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(dg_key)) == 0;
}

/* Memory a datagram is charged for: every allocation it holds with the
 * allocator's overhead (memcost.h), its table entry included. */
static size_t
dg_memory(const dgram *g)
{
    size_t n = ts_mem_block(sizeof *g) + TS_MEM_GHASH_ENTRY;
    if (g->cap > 0)
        n += ts_mem_block(g->cap) + ts_mem_block((g->cap + 7) / 8);
    return n + ts_mem_garray(g->pieces, sizeof(dg_piece)) + ts_mem_garray(g->runs, sizeof(dg_run)) +
           ts_mem_garray(g->conflicts, sizeof(ts_defrag_conflict));
}

/* Updates the memory charged for `g`. */
static void
dg_recharge(ts_defrag *d, dgram *g)
{
    d->memory -= g->mem;
    g->mem = dg_memory(g);
    d->memory += g->mem;
}

/* Frees a datagram no longer in the table or the FIFO. */
static void
dg_free(dgram *g)
{
    if (g == NULL)
        return;
    g_free(g->buf);
    g_free(g->have);
    g_array_free(g->pieces, TRUE);
    g_array_free(g->runs, TRUE);
    g_array_free(g->conflicts, TRUE);
    g_free(g);
}

/* Takes `g` out of the table, the FIFO and the memory count. */
static void
dg_unlink(ts_defrag *d, dgram *g)
{
    g_hash_table_remove(d->table, &g->key);
    g_queue_unlink(&d->fifo, &g->link);
    d->memory -= g->mem;
}

/* Drops `g`, counting it in `*counter`. */
static void
dg_drop(ts_defrag *d, dgram *g, uint64_t *counter)
{
    (*counter)++;
    dg_unlink(d, g);
    dg_free(g);
}

ts_defrag *
ts_defrag_new(ts_overlap_policy policy, int64_t timeout_ns, size_t max_memory, ts_stats *stats)
{
    ts_defrag *d = g_new0(ts_defrag, 1);
    d->policy = policy;
    d->timeout_ns = timeout_ns;
    d->max_memory = max_memory;
    d->stats = stats;
    d->table = g_hash_table_new(key_hash, key_equal);
    g_queue_init(&d->fifo);
    return d;
}

/* Finds or creates the datagram of `f`. */
static dgram *
dg_lookup(ts_defrag *d, const ts_fragment *f, int64_t ts_ns)
{
    dg_key k;
    memset(&k, 0, sizeof k);
    k.family = f->family;
    k.proto = f->proto;
    k.id = f->id;
    memcpy(k.src, f->src_addr, sizeof k.src);
    memcpy(k.dst, f->dst_addr, sizeof k.dst);
    dgram *g = g_hash_table_lookup(d->table, &k);
    if (g != NULL)
        return g;
    g = g_new0(dgram, 1);
    g->key = k;
    g->first_ns = ts_ns;
    g->pieces = g_array_new(FALSE, FALSE, sizeof(dg_piece));
    g->runs = g_array_new(FALSE, FALSE, sizeof(dg_run));
    g->conflicts = g_array_new(FALSE, FALSE, sizeof(ts_defrag_conflict));
    g->link.data = g;
    g_hash_table_insert(d->table, &g->key, g);
    g_queue_push_tail_link(&d->fifo, &g->link);
    g->mem = dg_memory(g);
    d->memory += g->mem;
    return g;
}

/* Grows the buffers of `g` to hold `end` bytes (end <= 65535). */
static void
dg_grow(dgram *g, uint32_t end)
{
    if (end <= g->cap)
        return;
    uint32_t cap = g->cap < 512 ? 512 : g->cap;
    while (cap < end)
        cap *= 2;
    if (cap > TS_DEFRAG_MAX_PAYLOAD)
        cap = TS_DEFRAG_MAX_PAYLOAD;
    g->buf = g_realloc(g->buf, cap);
    g->have = g_realloc(g->have, (cap + 7) / 8);
    memset(g->have + (g->cap + 7) / 8, 0, (cap + 7) / 8 - (g->cap + 7) / 8);
    g->cap = cap;
}

static inline bool
has(const dgram *g, uint32_t i)
{
    return (g->have[i >> 3] >> (i & 7)) & 1;
}

/* The frame whose copy of byte `i` is in the buffer: the earliest piece
 * holding it (policy first/linux) or the latest (policy last). */
static uint64_t
owner_frame(const dgram *g, uint32_t i, bool latest)
{
    uint64_t frame = 0;
    for (guint k = 0; k < g->pieces->len; k++) {
        const dg_piece *p = &g_array_index(g->pieces, dg_piece, k);
        if (i >= p->offset && i < p->end) {
            frame = p->frame;
            if (!latest)
                break;
        }
    }
    return frame;
}

/* Copies `data` to [off, end) under the policy (`overwrite`: policy last)
 * and records the bytes that differ from a copy already there as one
 * conflict (first to last differing byte). */
static void
dg_store(dgram *g, const uint8_t *data, uint32_t off, uint32_t end, uint64_t frame, bool overwrite,
         bool write)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t i = off; i < end; i++) {
        uint8_t b = data[i - off];
        if (has(g, i)) {
            if (g->buf[i] != b) {
                if (lo == UINT32_MAX) {
                    ts_defrag_conflict c = {frame, owner_frame(g, i, overwrite), i, 0};
                    g_array_append_val(g->conflicts, c);
                    lo = i;
                }
                hi = i + 1;
                if (overwrite && write)
                    g->buf[i] = b;
            }
        } else if (write) {
            g->buf[i] = b;
            g->have[i >> 3] |= (uint8_t)(1u << (i & 7));
            g->covered++;
        }
    }
    if (lo != UINT32_MAX)
        g_array_index(g->conflicts, ts_defrag_conflict, g->conflicts->len - 1).length = hi - lo;
    if (write) {
        dg_piece p = {off, end, frame};
        g_array_append_val(g->pieces, p);
        if (end > g->top)
            g->top = end;
    }
}

enum { RUN_NEW, RUN_DUP, RUN_OVERLAP };

/* inet_frag_queue_insert(): places [off, end) among the runs of `g`. */
static int
dg_run_insert(dgram *g, uint32_t off, uint32_t end)
{
    GArray *r = g->runs;
    if (r->len > 0) {
        dg_run *last = &g_array_index(r, dg_run, r->len - 1);
        if (last->end < end) { /* the common case: at the end */
            if (off < last->end)
                return RUN_OVERLAP;
            if (off == last->end) {
                last->end = end;
                return RUN_NEW;
            }
            dg_run n = {off, end};
            g_array_append_val(r, n);
            return RUN_NEW;
        }
    }
    guint i = 0;
    for (; i < r->len; i++) {
        const dg_run *c = &g_array_index(r, dg_run, i);
        if (end <= c->start)
            break;
        if (off >= c->end)
            continue;
        return off >= c->start && end <= c->end ? RUN_DUP : RUN_OVERLAP;
    }
    dg_run n = {off, end};
    g_array_insert_val(r, i, n);
    return RUN_NEW;
}

/* Linux's checks of the datagram's end (ip_frag_queue); false: drop it. */
static bool
linux_end_ok(dgram *g, bool more, uint32_t end)
{
    if (!more)
        return !(end < g->top || (g->end_known && end != g->end));
    return !(g->end_known && end > g->end);
}

/* Records the datagram's end from a last fragment [.., end) of `frame`
 * (policies first and last; linux checked it before). */
static void
dg_set_end(ts_defrag *d, dgram *g, uint32_t end, uint64_t frame)
{
    if (g->end_known && g->end != end) {
        ts_defrag_conflict c = {frame, g->end_frame, end < g->end ? end : g->end, 0};
        g_array_append_val(g->conflicts, c);
        if (d->policy != TS_OVERLAP_LAST)
            return;
    }
    g->end_known = true;
    g->end = end;
    g->end_frame = frame;
}

/* True when every byte of [0, end) is there. */
static bool
dg_complete(const dgram *g)
{
    if (!g->end_known || g->covered < g->end || g->end > g->cap)
        return false;
    uint32_t full = g->end / 8;
    for (uint32_t i = 0; i < full; i++)
        if (g->have[i] != 0xff)
            return false;
    for (uint32_t i = full * 8; i < g->end; i++)
        if (!has(g, i))
            return false;
    return true;
}

/* Evicts the oldest datagrams other than `keep` until the memory fits. */
static void
enforce_memory(ts_defrag *d, dgram *keep)
{
    GList *l = d->fifo.head;
    while (d->max_memory > 0 && d->memory > d->max_memory && l != NULL) {
        GList *next = l->next;
        if (l->data != keep)
            dg_drop(d, l->data, &d->stats->ip_datagrams_memory_dropped);
        l = next;
    }
    if (d->max_memory > 0 && d->memory > d->max_memory && keep != NULL)
        dg_drop(d, keep, &d->stats->ip_datagrams_memory_dropped);
}

/* Applies Linux's fragment-level rules to [off, *end); false: ignore the
 * fragment (and *drop: drop the whole datagram too). */
static bool
linux_fragment_ok(const ts_fragment *f, uint32_t off, uint32_t *end, bool *drop)
{
    *drop = false;
    if (f->more && (*end & 7) != 0) {
        if (f->family == 6)
            return false; /* ip6_frag_queue: not a multiple of 8, discarded */
        *end &= ~7u;      /* ip_frag_queue cuts it down */
    }
    if (*end == off) {
        *drop = true;
        return false;
    }
    return true;
}

/* Places the fragment [off, end) in `g`; false when `g` was dropped. */
static bool
dg_add(ts_defrag *d, dgram *g, const ts_fragment *f, uint32_t off, uint32_t end, uint64_t frame)
{
    if (d->policy == TS_OVERLAP_LINUX) {
        bool drop;
        if (!linux_fragment_ok(f, off, &end, &drop)) {
            if (drop)
                dg_drop(d, g, &d->stats->ip_datagrams_policy_dropped);
            return !drop;
        }
        if (!linux_end_ok(g, f->more, end)) {
            dg_drop(d, g, &d->stats->ip_datagrams_policy_dropped);
            return false;
        }
        int where = dg_run_insert(g, off, end);
        if (where == RUN_OVERLAP) {
            dg_drop(d, g, &d->stats->ip_datagrams_policy_dropped);
            return false;
        }
        dg_grow(g, end);
        dg_store(g, f->data, off, end, frame, false, where == RUN_NEW);
        if (!f->more) {
            g->end_known = true;
            g->end = end;
            g->end_frame = frame;
        }
        return true;
    }
    if (end > off) {
        dg_grow(g, end);
        dg_store(g, f->data, off, end, frame, d->policy == TS_OVERLAP_LAST, true);
    }
    if (!f->more)
        dg_set_end(d, g, end, frame);
    return true;
}

/* The body of ts_defrag_add(). */
static bool
add_fragment(ts_defrag *d, const ts_fragment *f, uint64_t frame, int64_t ts_ns, ts_datagram *out)
{
    if (f->data_len < f->data_wire_len) {
        d->stats->ip_fragments_cut++;
        return false;
    }
    uint32_t off = f->offset;
    if (f->data_len > TS_DEFRAG_MAX_PAYLOAD || off > TS_DEFRAG_MAX_PAYLOAD - f->data_len)
        return false; /* past the largest datagram */
    uint32_t end = off + f->data_len;
    dgram *g = dg_lookup(d, f, ts_ns);
    if (!dg_add(d, g, f, off, end, frame))
        return false;
    dg_recharge(d, g);
    if (dg_complete(g)) {
        dg_unlink(d, g);
        d->stats->ip_datagrams_reassembled++;
        d->done = g;
        *out = (ts_datagram){
            .family = g->key.family,
            .proto = g->key.proto,
            .src_addr = g->key.src,
            .dst_addr = g->key.dst,
            .depth = f->depth,
            .data = g->buf,
            .len = g->end,
            .conflicts = (const ts_defrag_conflict *)(void *)g->conflicts->data,
            .n_conflicts = g->conflicts->len,
        };
        return true;
    }
    enforce_memory(d, g);
    return false;
}

bool
ts_defrag_add(ts_defrag *d, const ts_fragment *f, uint64_t frame, int64_t ts_ns, ts_datagram *out)
{
    /* the datagram returned last is freed after this fragment is copied:
       the fragment may lie in it (a fragment inside a fragmented tunnel) */
    dgram *old = d->done;
    d->done = NULL;
    bool done = add_fragment(d, f, frame, ts_ns, out);
    dg_free(old);
    return done;
}

void
ts_defrag_expire(ts_defrag *d, int64_t now_ns)
{
    GList *l;
    if (d->timeout_ns <= 0)
        return;
    while ((l = d->fifo.head) != NULL) {
        dgram *g = l->data;
        if (now_ns - g->first_ns < d->timeout_ns)
            break;
        dg_drop(d, g, &d->stats->ip_datagrams_timed_out);
    }
}

void
ts_defrag_finish(ts_defrag *d)
{
    GList *l;
    dg_free(d->done);
    d->done = NULL;
    while ((l = d->fifo.head) != NULL)
        dg_drop(d, l->data, &d->stats->ip_datagrams_incomplete);
}

size_t
ts_defrag_pending(const ts_defrag *d)
{
    return d->fifo.length;
}

size_t
ts_defrag_memory(const ts_defrag *d)
{
    return d->memory;
}

void
ts_defrag_free(ts_defrag *d)
{
    if (d == NULL)
        return;
    GList *l;
    while ((l = g_queue_pop_head_link(&d->fifo)) != NULL)
        dg_free(l->data);
    dg_free(d->done);
    g_hash_table_destroy(d->table);
    g_free(d);
}
