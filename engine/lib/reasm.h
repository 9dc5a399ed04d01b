/*
 * reasm.h — reassembly of one direction of a TCP stream (internal).
 *
 * Works in 64-bit stream offsets (0 = first byte of application data). Data
 * at the next expected offset is handed out at once without copying; data
 * ahead of it is copied once into an ordered store until the hole before it
 * is filled, declared missing on evidence (the receiver acknowledged past
 * it), forced out by the memory cap, or flushed at the end. Overlapping bytes
 * in the store are resolved by the overlap policy and every overlap whose
 * bytes differ is reported. Bytes below the next expected offset (already
 * delivered or declared missing) are handed to the sink's `old` callback,
 * which owns the history needed to compare them.
 */
#ifndef TS_REASM_H
#define TS_REASM_H

#include "tcpsession.h"

#include <stddef.h>
#include <stdint.h>

/* Where the reassembler sends what it decides. `ctx` is the caller's. */
typedef struct {
    /* Bytes [offset, offset+len) are now in order; data is borrowed. `frame`
       and `ts_ns` are those of the packet that carried data[0]. */
    void (*deliver)(void *ctx, uint64_t offset, const uint8_t *data, size_t len, uint64_t frame,
                    int64_t ts_ns);
    /* Bytes [offset, offset+len) will never be delivered. */
    void (*gap)(void *ctx, uint64_t offset, uint64_t len);
    /* Two copies of [offset, offset+len) in the store differ (first and last
       differing byte included). */
    void (*conflict)(void *ctx, uint64_t offset, uint64_t len);
    /* Bytes below the next expected offset arrived again. */
    void (*old)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);
    /* The store exceeded its cap; a hole was declared a gap early. */
    void (*limit)(void *ctx, uint64_t offset, uint64_t len);
    /* Buffered bytes [offset, offset+len) lie beyond the end (FIN) and were dropped. */
    void (*beyond_end)(void *ctx, uint64_t offset, uint64_t len);
} ts_reasm_sink;

typedef struct ts_reasm {
    uint64_t next;   /* next offset to deliver */
    uint64_t acked;  /* highest offset the receiver acknowledged */
    uint64_t end;    /* offset of the FIN, UINT64_MAX when unknown */
    size_t buffered; /* payload bytes held in the store */
    size_t cost;     /* memory the store takes: pieces with their headers, tree
                        nodes, the tree (memcost.h) */
    size_t cap;      /* most memory (`cost`) the store may take */
    size_t *account; /* NULL, or a counter `cost` is added to as well (the
                        engine's session memory) */
    bool hold;       /* keep everything in the store: the start is not sure yet */
    ts_overlap_policy policy;
    struct ts_reasm_store *store; /* NULL while nothing is buffered */
} ts_reasm;

/** Prepares `r` for a direction whose next expected offset is 0; its store
 *  may take `cap` bytes of memory, overhead included (see `cost`), and that
 *  memory is also added to `*account` when `account` is not NULL. */
void ts_reasm_init(ts_reasm *r, ts_overlap_policy policy, size_t cap, size_t *account);

/** Memory one stored piece of `len` payload bytes takes (its header and
 *  tree node included): what `cost` grows by when it is buffered. */
size_t ts_reasm_piece_cost(size_t len);

/** Memory the store itself takes while it holds anything. */
size_t ts_reasm_store_cost(void);

/** Gives up the lowest hole(s) before buffered data, as at the cap
 *  (`limit`, then `gap`, then the data after it delivered), until the store
 *  takes at most `cost` bytes. For the engine's session memory budget. */
void ts_reasm_shrink(ts_reasm *r, size_t cost, const ts_reasm_sink *sink, void *ctx);

/** Releases buffered data without delivering it. */
void ts_reasm_clear(ts_reasm *r);

/** Adds the bytes of one segment at stream offset `offset`, carried by
 *  packet `frame` at `ts_ns`. Delivers what becomes in order; may call any
 *  sink callback. `data` is borrowed (copied only if it must wait). */
void ts_reasm_add(ts_reasm *r, uint64_t offset, const uint8_t *data, size_t len, uint64_t frame,
                  int64_t ts_ns, const ts_reasm_sink *sink, void *ctx);

/** Holds all data in the store (no delivery, no gap decisions) until
 *  ts_reasm_release(): for a direction whose first byte is only a guess. */
void ts_reasm_hold(ts_reasm *r);

/** Ends a hold: delivers what is in order and applies pending evidence. */
void ts_reasm_release(ts_reasm *r, const ts_reasm_sink *sink, void *ctx);

/** Moves every stored offset (and the end and acknowledged offsets) by
 *  `delta`, when the direction's offset 0 is re-anchored; only while held.
 *  Bytes that would fall below 0 are dropped and reported to `before`. */
void ts_reasm_rebase(ts_reasm *r, int64_t delta, void (*before)(void *ctx, uint64_t length),
                     void *ctx);

/** Records that the receiver acknowledged everything below `offset`; holes
 *  below it before buffered data are declared gaps and the data after them
 *  delivered. */
void ts_reasm_ack(ts_reasm *r, uint64_t offset, const ts_reasm_sink *sink, void *ctx);

/** Records the sender's FIN at `offset`: buffered bytes at or beyond it are
 *  dropped (beyond_end). Only the first call has effect; returns false when
 *  an end was already set at a different offset. */
bool ts_reasm_set_end(ts_reasm *r, uint64_t offset, const ts_reasm_sink *sink, void *ctx);

/** End of the session: delivers everything buffered, declaring each hole a
 *  gap, then a final gap up to the FIN or the highest acknowledged offset
 *  when those lie beyond the delivered bytes. */
void ts_reasm_flush(ts_reasm *r, const ts_reasm_sink *sink, void *ctx);

#endif /* TS_REASM_H */
