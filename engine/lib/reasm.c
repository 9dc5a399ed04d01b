/*
 * reasm.c — reassembly of one direction of a TCP stream.
 *
 * The ordered store is a balanced tree (GTree) of disjoint pieces keyed by
 * stream offset. Each piece remembers the segment its bytes came from (start
 * and length), which the Linux overlap policy needs: there, above the next
 * expected offset, a byte comes from the covering segment with the lowest
 * start (same start: the longer one; same length: the first to arrive).
 *
 * Gotchas: pieces are always at or above `next`; a piece is split when a
 * policy hands part of it to a newer segment; `buffered` counts payload
 * bytes only, `cost` the memory the store takes (a piece keeps the size it
 * was allocated with when it is cut shorter), and the cap is on `cost`: a
 * flood of one-byte segments costs over a hundred bytes each.
 */
#include "reasm.h"

#include "memcost.h"

#include <string.h>

typedef struct piece {
    uint64_t off;       /* stream offset of data[0] */
    uint64_t seg_start; /* segment these bytes came from (Linux policy) */
    uint32_t seg_len;
    uint32_t len;
    uint32_t alloc_len; /* data bytes allocated (len may shrink) */
    uint64_t frame;     /* packet that carried the bytes */
    int64_t ts_ns;
    uint8_t data[];
} piece;

struct ts_reasm_store {
    GTree *tree; /* &piece->off -> piece */
};

static gint
offset_compare(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    /* signed: during a rebase, offsets may briefly go below zero */
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The packet being added (pieces remember where their bytes came from). */
typedef struct {
    uint64_t frame;
    int64_t ts_ns;
} origin;

static piece *
piece_new(uint64_t off, const uint8_t *data, uint32_t len, uint64_t seg_start, uint32_t seg_len,
          origin from)
{
    piece *p = g_malloc(sizeof *p + len);
    p->frame = from.frame;
    p->ts_ns = from.ts_ns;
    p->off = off;
    p->len = len;
    p->alloc_len = len;
    p->seg_start = seg_start;
    p->seg_len = seg_len;
    memcpy(p->data, data, len);
    return p;
}

size_t
ts_reasm_piece_cost(size_t len)
{
    return ts_mem_block(sizeof(piece) + len) + TS_MEM_GTREE_NODE;
}

size_t
ts_reasm_store_cost(void)
{
    return ts_mem_block(sizeof(struct ts_reasm_store)) + TS_MEM_GTREE;
}

/* Adds `delta` (may be negative) to the store's cost and the account. */
static inline void
charge(ts_reasm *r, ptrdiff_t delta)
{
    r->cost += (size_t)delta;
    if (r->account != NULL)
        *r->account += (size_t)delta;
}

void
ts_reasm_init(ts_reasm *r, ts_overlap_policy policy, size_t cap, size_t *account)
{
    memset(r, 0, sizeof *r);
    r->end = UINT64_MAX;
    r->policy = policy;
    r->cap = cap;
    r->account = account;
}

void
ts_reasm_clear(ts_reasm *r)
{
    if (r->store != NULL) {
        g_tree_destroy(r->store->tree);
        g_free(r->store);
        r->store = NULL;
    }
    r->buffered = 0;
    charge(r, -(ptrdiff_t)r->cost);
}

static GTree *
store_tree(ts_reasm *r)
{
    if (r->store == NULL) {
        r->store = g_new0(struct ts_reasm_store, 1);
        r->store->tree = g_tree_new_full(offset_compare, NULL, NULL, g_free);
        charge(r, (ptrdiff_t)ts_reasm_store_cost());
    }
    return r->store->tree;
}

static piece *
store_first(const ts_reasm *r)
{
    if (r->store == NULL)
        return NULL;
    GTreeNode *n = g_tree_node_first(r->store->tree);
    return n != NULL ? g_tree_node_value(n) : NULL;
}

static void
store_insert(ts_reasm *r, piece *p)
{
    g_tree_insert(store_tree(r), &p->off, p);
    r->buffered += p->len;
    charge(r, (ptrdiff_t)ts_reasm_piece_cost(p->alloc_len));
}

static void
store_remove(ts_reasm *r, piece *p)
{
    r->buffered -= p->len;
    charge(r, -(ptrdiff_t)ts_reasm_piece_cost(p->alloc_len));
    g_tree_remove(r->store->tree, &p->off); /* frees p */
}

/* Splits p at absolute offset `at` (p->off < at < p end); returns the upper part. */
static piece *
store_split(ts_reasm *r, piece *p, uint64_t at)
{
    uint32_t keep = (uint32_t)(at - p->off);
    origin from = {p->frame, p->ts_ns};
    piece *upper = piece_new(at, p->data + keep, p->len - keep, p->seg_start, p->seg_len, from);
    r->buffered -= p->len - keep;
    p->len = keep;
    store_insert(r, upper);
    return upper;
}

/* Hands out every piece that starts at `next`. */
static void
drain(ts_reasm *r, const ts_reasm_sink *sink, void *ctx)
{
    piece *p;
    while ((p = store_first(r)) != NULL && p->off <= r->next) {
        /* pieces never start below next; equality is the only case */
        sink->deliver(ctx, p->off, p->data, p->len, p->frame, p->ts_ns);
        r->next = p->off + p->len;
        store_remove(r, p);
    }
    if (r->store != NULL && r->buffered == 0)
        ts_reasm_clear(r);
}

/* Declares [next, upto) missing and delivers what follows. */
static void
declare_gap(ts_reasm *r, uint64_t upto, const ts_reasm_sink *sink, void *ctx)
{
    if (upto <= r->next)
        return;
    sink->gap(ctx, r->next, upto - r->next);
    r->next = upto;
    drain(r, sink, ctx);
}

/* Holes below the acknowledged offset, before buffered data, are gaps. */
static void
apply_ack(ts_reasm *r, const ts_reasm_sink *sink, void *ctx)
{
    piece *first;
    while (r->acked > r->next && (first = store_first(r)) != NULL) {
        uint64_t upto = first->off < r->acked ? first->off : r->acked;
        declare_gap(r, upto, sink, ctx);
        if (upto == r->acked)
            break;
    }
}

/* Keeps the store's memory at most `cap` by giving up on the lowest hole. */
static void
shrink_to(ts_reasm *r, size_t cap, const ts_reasm_sink *sink, void *ctx)
{
    piece *first;
    while (r->cost > cap && (first = store_first(r)) != NULL) {
        if (first->off > r->next)
            sink->limit(ctx, r->next, first->off - r->next);
        declare_gap(r, first->off, sink, ctx);
    }
}

/* Keeps the store under its cap. */
static void
enforce_cap(ts_reasm *r, const ts_reasm_sink *sink, void *ctx)
{
    shrink_to(r, r->cap, sink, ctx);
}

void
ts_reasm_shrink(ts_reasm *r, size_t cost, const ts_reasm_sink *sink, void *ctx)
{
    if (!r->hold)
        shrink_to(r, cost, sink, ctx);
}

/* Reports the differing span of two copies of the same bytes, if any. */
static void
report_conflict(uint64_t off, const uint8_t *a, const uint8_t *b, size_t len,
                const ts_reasm_sink *sink, void *ctx)
{
    if (memcmp(a, b, len) == 0)
        return;
    size_t lo = 0, hi = len;
    while (a[lo] == b[lo])
        lo++;
    while (a[hi - 1] == b[hi - 1])
        hi--;
    sink->conflict(ctx, off + lo, hi - lo);
}

/* Does the new segment [seg_start, +seg_len) win bytes held by p? */
static bool
newer_wins(const ts_reasm *r, const piece *p, uint64_t seg_start, uint32_t seg_len)
{
    switch (r->policy) {
    case TS_OVERLAP_FIRST: return false;
    case TS_OVERLAP_LAST: return true;
    case TS_OVERLAP_LINUX:
        return seg_start < p->seg_start || (seg_start == p->seg_start && seg_len > p->seg_len);
    }
    return false;
}

/* Resolves the overlap of the new bytes with piece p over [a, b). */
static void
overlap_piece(ts_reasm *r, piece *p, uint64_t a, uint64_t b, const uint8_t *newdata,
              uint64_t seg_start, uint32_t seg_len, const ts_reasm_sink *sink, void *ctx)
{
    report_conflict(a, p->data + (a - p->off), newdata, b - a, sink, ctx);
    if (!newer_wins(r, p, seg_start, seg_len))
        return;
    if (r->policy == TS_OVERLAP_LINUX) {
        /* the bytes change owner: isolate [a, b) in a piece of its own */
        if (a > p->off)
            p = store_split(r, p, a);
        if (b < p->off + p->len)
            store_split(r, p, b);
        p->seg_start = seg_start;
        p->seg_len = seg_len;
    }
    memcpy(p->data + (a - p->off), newdata, b - a);
}

/* Inserts [off, off+len) (all at or above next) into the store. */
static void
store_add(ts_reasm *r, uint64_t off, const uint8_t *data, uint32_t len, uint64_t seg_start,
          uint32_t seg_len, origin from, const ts_reasm_sink *sink, void *ctx)
{
    GTree *tree = store_tree(r);
    uint64_t end = off + len;
    /* collect the pieces overlapping [off, end) first: the loop below changes the tree */
    GPtrArray *hits = NULL;
    piece *stack_hits[16];
    size_t nhits = 0;
    GTreeNode *n = g_tree_lower_bound(tree, &off);
    GTreeNode *prev = n != NULL ? g_tree_node_previous(n) : g_tree_node_last(tree);
    if (prev != NULL) {
        piece *pp = g_tree_node_value(prev);
        if (pp->off + pp->len > off)
            n = prev;
    }
    for (; n != NULL; n = g_tree_node_next(n)) {
        piece *p = g_tree_node_value(n);
        if (p->off >= end)
            break;
        if (nhits < G_N_ELEMENTS(stack_hits)) {
            stack_hits[nhits++] = p;
        } else {
            if (hits == NULL) {
                hits = g_ptr_array_new();
                for (size_t i = 0; i < nhits; i++)
                    g_ptr_array_add(hits, stack_hits[i]);
            }
            g_ptr_array_add(hits, p);
        }
    }
    size_t count = hits != NULL ? hits->len : nhits;
    piece **list = hits != NULL ? (piece **)hits->pdata : stack_hits;

    uint64_t cursor = off;
    for (size_t i = 0; i < count; i++) {
        piece *p = list[i];
        uint64_t pend = p->off + p->len;
        if (cursor < p->off) {
            store_insert(r, piece_new(cursor, data + (cursor - off), (uint32_t)(p->off - cursor),
                                      seg_start, seg_len, from));
            cursor = p->off;
        }
        uint64_t b = pend < end ? pend : end;
        overlap_piece(r, p, cursor, b, data + (cursor - off), seg_start, seg_len, sink, ctx);
        cursor = b;
    }
    if (cursor < end)
        store_insert(r, piece_new(cursor, data + (cursor - off), (uint32_t)(end - cursor),
                                  seg_start, seg_len, from));
    if (hits != NULL)
        g_ptr_array_free(hits, TRUE);
}

void
ts_reasm_add(ts_reasm *r, uint64_t offset, const uint8_t *data, size_t len, uint64_t frame,
             int64_t ts_ns, const ts_reasm_sink *sink, void *ctx)
{
    const origin from = {frame, ts_ns};
    if (len == 0)
        return;
    const uint64_t seg_start = offset;
    const uint32_t seg_len = (uint32_t)len;
    uint64_t end = offset + len;
    if (offset < r->next) {
        uint64_t head = (end < r->next ? end : r->next) - offset;
        sink->old(ctx, offset, data, head);
        offset += head;
        data += head;
        len -= head;
        if (len == 0)
            return;
    }
    if (r->end != UINT64_MAX && end > r->end) {
        uint64_t cut = offset > r->end ? offset : r->end;
        sink->beyond_end(ctx, cut, end - cut);
        if (offset >= r->end)
            return;
        len = r->end - offset;
    }
    if (offset == r->next && r->store == NULL && !r->hold) {
        /* the common case: in order, nothing buffered — no copy */
        sink->deliver(ctx, offset, data, len, frame, ts_ns);
        r->next = offset + len;
        return;
    }
    store_add(r, offset, data, (uint32_t)len, seg_start, seg_len, from, sink, ctx);
    if (r->hold)
        return;
    drain(r, sink, ctx);
    apply_ack(r, sink, ctx);
    enforce_cap(r, sink, ctx);
}

void
ts_reasm_ack(ts_reasm *r, uint64_t offset, const ts_reasm_sink *sink, void *ctx)
{
    if (r->end != UINT64_MAX && offset > r->end)
        offset = r->end;
    if (offset <= r->acked)
        return;
    r->acked = offset;
    if (!r->hold)
        apply_ack(r, sink, ctx);
}

void
ts_reasm_hold(ts_reasm *r)
{
    r->hold = true;
}

void
ts_reasm_release(ts_reasm *r, const ts_reasm_sink *sink, void *ctx)
{
    if (!r->hold)
        return;
    r->hold = false;
    drain(r, sink, ctx);
    apply_ack(r, sink, ctx);
    enforce_cap(r, sink, ctx);
}

void
ts_reasm_rebase(ts_reasm *r, int64_t delta, void (*before)(void *ctx, uint64_t length), void *ctx)
{
    g_assert(r->hold && r->next == 0);
    if (r->end != UINT64_MAX)
        r->end = (int64_t)r->end + delta >= 0 ? (uint64_t)((int64_t)r->end + delta) : UINT64_MAX;
    /* 0 means nothing acknowledged yet: it stays 0 (it is not a position) */
    if (r->acked > 0)
        r->acked = (int64_t)r->acked + delta > 0 ? (uint64_t)((int64_t)r->acked + delta) : 0;
    if (r->store == NULL)
        return;
    /* every key moves by the same amount, so the tree stays ordered */
    GPtrArray *drop = g_ptr_array_new();
    for (GTreeNode *n = g_tree_node_first(r->store->tree); n != NULL; n = g_tree_node_next(n)) {
        piece *p = g_tree_node_value(n);
        p->off = (uint64_t)((int64_t)p->off + delta);
        p->seg_start = (uint64_t)((int64_t)p->seg_start + delta);
    }
    for (GTreeNode *n = g_tree_node_first(r->store->tree); n != NULL; n = g_tree_node_next(n)) {
        piece *p = g_tree_node_value(n);
        if ((int64_t)p->off < 0)
            g_ptr_array_add(drop, p);
    }
    for (guint i = 0; i < drop->len; i++) {
        piece *p = drop->pdata[i];
        int64_t start = (int64_t)p->off, pend = start + p->len;
        if (pend <= 0) {
            before(ctx, p->len);
            store_remove(r, p);
        } else {
            /* keep the part at or above 0 as a piece of its own */
            store_split(r, p, 0);
            before(ctx, (uint64_t)-start);
            store_remove(r, p);
        }
    }
    g_ptr_array_free(drop, TRUE);
    if (r->buffered == 0)
        ts_reasm_clear(r);
}

bool
ts_reasm_set_end(ts_reasm *r, uint64_t offset, const ts_reasm_sink *sink, void *ctx)
{
    if (r->end != UINT64_MAX)
        return r->end == offset;
    r->end = offset;
    if (r->acked > offset)
        r->acked = offset;
    piece *p;
    while (r->store != NULL) {
        GTreeNode *last = g_tree_node_last(r->store->tree);
        p = g_tree_node_value(last);
        uint64_t pend = p->off + p->len;
        if (pend <= offset)
            break;
        uint64_t from = p->off > offset ? p->off : offset;
        sink->beyond_end(ctx, from, pend - from);
        if (p->off >= offset) {
            store_remove(r, p);
            if (r->buffered == 0)
                ts_reasm_clear(r);
        } else {
            r->buffered -= pend - offset;
            p->len = (uint32_t)(offset - p->off);
        }
    }
    return true;
}

void
ts_reasm_flush(ts_reasm *r, const ts_reasm_sink *sink, void *ctx)
{
    ts_reasm_release(r, sink, ctx);
    piece *first;
    while ((first = store_first(r)) != NULL)
        declare_gap(r, first->off, sink, ctx);
    uint64_t known_end = r->acked;
    if (r->end != UINT64_MAX && r->end > known_end)
        known_end = r->end;
    declare_gap(r, known_end, sink, ctx);
}
