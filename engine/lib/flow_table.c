/*
 * flow_table.c — open-addressing hash table of connections by 4-tuple.
 *
 * Slots hold a copy of the key, its hash and the value; an empty slot has a
 * NULL value. Capacity is a power of two; the table grows at 3/4 load.
 * Deletion shifts following entries back instead of leaving tombstones, so
 * lookups never slow down after many connections come and go.
 */
#include "flow_table.h"

#include "memcost.h"

#include <glib.h>
#include <string.h>

typedef struct {
    ts_flow_key key;
    uint64_t hash;
    void *value; /* NULL: empty slot */
} slot;

struct ts_flow_table {
    slot *slots;
    size_t mask; /* capacity - 1 */
    size_t count;
    uint64_t seed;
};

/* Big-endian loads: comparing them orders addresses as memcmp() does. */
static inline uint32_t
load_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static inline uint64_t
load_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

/* Like memcmp(a, b, 16) < 0, == 0 (sets *equal). */
static inline bool
addr6_less(const uint8_t *a, const uint8_t *b, bool *equal)
{
    uint64_t a0 = load_be64(a), b0 = load_be64(b);
    uint64_t a1 = load_be64(a + 8), b1 = load_be64(b + 8);
    *equal = a0 == b0 && a1 == b1;
    return a0 != b0 ? a0 < b0 : a1 < b1;
}

void
ts_flow_key_make(ts_flow_key *key, uint8_t family, const uint8_t *src_addr, uint16_t src_port,
                 const uint8_t *dst_addr, uint16_t dst_port, bool *src_is_a)
{
    bool less, equal;
    memset(key, 0, sizeof *key);
    key->family = family;
    if (family == 6) {
        less = addr6_less(src_addr, dst_addr, &equal);
    } else {
        uint32_t s = load_be32(src_addr), d = load_be32(dst_addr);
        less = s < d;
        equal = s == d;
    }
    bool a_is_src = less || (equal && src_port <= dst_port);
    const uint8_t *a = a_is_src ? src_addr : dst_addr, *b = a_is_src ? dst_addr : src_addr;
    /* constant sizes: the copies stay inline */
    if (family == 6) {
        memcpy(key->addr_a, a, 16);
        memcpy(key->addr_b, b, 16);
    } else {
        memcpy(key->addr_a, a, 4);
        memcpy(key->addr_b, b, 4);
    }
    key->port_a = a_is_src ? src_port : dst_port;
    key->port_b = a_is_src ? dst_port : src_port;
    *src_is_a = a_is_src;
}

static inline uint64_t
mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static inline uint64_t
key_hash(const ts_flow_table *t, const ts_flow_key *key)
{
    uint64_t w[5];
    memcpy(w, key, sizeof w);
    /* unrolled: the same value as mixing the words in a loop */
    uint64_t h = mix(mix(mix(mix(mix(t->seed, w[0]), w[1]), w[2]), w[3]), w[4]);
    return mix(h, h >> 32) | 1; /* never 0 */
}

G_STATIC_ASSERT(sizeof(ts_flow_key) == 40);

ts_flow_table *
ts_flow_table_new(uint64_t seed)
{
    ts_flow_table *t = g_new0(ts_flow_table, 1);
    t->mask = 1023;
    t->slots = g_new0(slot, t->mask + 1);
    t->seed = seed;
    return t;
}

void
ts_flow_table_free(ts_flow_table *t)
{
    if (t == NULL)
        return;
    g_free(t->slots);
    g_free(t);
}

static size_t
find_slot(const ts_flow_table *t, const ts_flow_key *key, uint64_t hash)
{
    size_t i = hash & t->mask;
    while (t->slots[i].value != NULL &&
           (t->slots[i].hash != hash || memcmp(&t->slots[i].key, key, sizeof *key) != 0))
        i = (i + 1) & t->mask;
    return i;
}

void *
ts_flow_table_lookup(const ts_flow_table *t, const ts_flow_key *key)
{
    return t->slots[find_slot(t, key, key_hash(t, key))].value;
}

static void
grow(ts_flow_table *t)
{
    slot *old = t->slots;
    size_t old_cap = t->mask + 1;
    t->mask = old_cap * 2 - 1;
    t->slots = g_new0(slot, t->mask + 1);
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].value == NULL)
            continue;
        size_t j = old[i].hash & t->mask;
        while (t->slots[j].value != NULL)
            j = (j + 1) & t->mask;
        t->slots[j] = old[i];
    }
    g_free(old);
}

void
ts_flow_table_insert(ts_flow_table *t, const ts_flow_key *key, void *value)
{
    g_assert(value != NULL);
    if ((t->count + 1) * 4 > (t->mask + 1) * 3)
        grow(t);
    uint64_t hash = key_hash(t, key);
    size_t i = find_slot(t, key, hash);
    if (t->slots[i].value == NULL)
        t->count++;
    t->slots[i].key = *key;
    t->slots[i].hash = hash;
    t->slots[i].value = value;
}

bool
ts_flow_table_remove(ts_flow_table *t, const ts_flow_key *key)
{
    size_t i = find_slot(t, key, key_hash(t, key));
    if (t->slots[i].value == NULL)
        return false;
    /* backward-shift: move later entries of the same probe run into the hole */
    size_t hole = i;
    for (size_t j = (i + 1) & t->mask; t->slots[j].value != NULL; j = (j + 1) & t->mask) {
        size_t home = t->slots[j].hash & t->mask;
        /* can j's entry move to hole? only if its home is not in (hole, j] */
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            t->slots[hole] = t->slots[j];
            hole = j;
        }
    }
    t->slots[hole].value = NULL;
    t->count--;
    return true;
}

size_t
ts_flow_table_size(const ts_flow_table *t)
{
    return t->count;
}

size_t
ts_flow_table_memory(const ts_flow_table *t)
{
    return ts_mem_block(sizeof *t) + ts_mem_block((t->mask + 1) * sizeof(slot));
}

void
ts_flow_table_foreach(const ts_flow_table *t, void (*fn)(void *value, void *user), void *user)
{
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].value != NULL)
            fn(t->slots[i].value, user);
}
