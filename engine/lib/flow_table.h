/*
 * flow_table.h — the table of TCP connections by 4-tuple (internal).
 *
 * Open addressing with linear probing and backward-shift deletion, keyed by
 * the canonical (ordered) pair of endpoints, hashed with a per-table random
 * seed so that crafted traffic cannot choose colliding keys. No allocation
 * per lookup; one rehash whenever the table passes 3/4 full.
 */
#ifndef TS_FLOW_TABLE_H
#define TS_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Both endpoints of a connection, in canonical order (a <= b), so that both
 * directions of a connection have the same key. */
typedef struct {
    uint8_t addr_a[16];
    uint8_t addr_b[16];
    uint16_t port_a;
    uint16_t port_b;
    uint8_t family;
    uint8_t pad_[3]; /* always zero: keys are compared with memcmp */
} ts_flow_key;

/** Builds the canonical key of a segment from src to dst; sets *src_is_a to
 *  true when the source endpoint is the key's endpoint a. */
void ts_flow_key_make(ts_flow_key *key, uint8_t family, const uint8_t *src_addr, uint16_t src_port,
                      const uint8_t *dst_addr, uint16_t dst_port, bool *src_is_a);

typedef struct ts_flow_table ts_flow_table;

/** Creates an empty table; `seed` randomises the hash (use a random value). */
ts_flow_table *ts_flow_table_new(uint64_t seed);

/** Frees the table (not the values). */
void ts_flow_table_free(ts_flow_table *t);

/** Value stored for `key`, or NULL. */
void *ts_flow_table_lookup(const ts_flow_table *t, const ts_flow_key *key);

/** Stores `value` (not NULL) for `key`, replacing any previous value. */
void ts_flow_table_insert(ts_flow_table *t, const ts_flow_key *key, void *value);

/** Removes `key`; returns true when it was present. */
bool ts_flow_table_remove(ts_flow_table *t, const ts_flow_key *key);

/** Number of keys stored. */
size_t ts_flow_table_size(const ts_flow_table *t);

/** Memory the table takes (its slots: it grows, never shrinks; memcost.h). */
size_t ts_flow_table_memory(const ts_flow_table *t);

/** Calls fn(value, user) for every stored value, in no particular order.
 *  The table must not be changed during the walk. */
void ts_flow_table_foreach(const ts_flow_table *t, void (*fn)(void *value, void *user), void *user);

#endif /* TS_FLOW_TABLE_H */
