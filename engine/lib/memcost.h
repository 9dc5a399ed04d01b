/*
 * memcost.h — what an allocation costs, for the memory budgets (internal).
 *
 * The budgets (ts_options.max_session_memory, max_buffered_bytes,
 * ip_fragment_memory) count the memory an allocation really takes, not
 * only the bytes asked for: glibc's malloc gives every block an 8-byte
 * header and rounds it up to 16 bytes, 32 at least. Structures of GLib
 * (a GTree node, a GArray) are counted by their size and growth rule as
 * GLib 2.74 allocates them. The counts are a model of the allocator, exact
 * for that model: the tests check them against it.
 */
#ifndef TS_MEMCOST_H
#define TS_MEMCOST_H

#include <glib.h>
#include <stddef.h>

/* Memory a g_malloc(n) takes: the block with its header, rounded as glibc does. */
static inline size_t
ts_mem_block(size_t n)
{
    size_t b = (n + 8 + 15) & ~(size_t)15;
    return b < 32 ? 32 : b;
}

/* A GTree node (key, value, left, right, balance and flags) and a GTree. */
#define TS_MEM_GTREE_NODE ts_mem_block(5 * sizeof(void *))
#define TS_MEM_GTREE ts_mem_block(7 * sizeof(void *))

/* A GArray header (GRealArray: data, len, capacity, element size, flags,
 * reference count, clear function). */
#define TS_MEM_GARRAY_HEADER ts_mem_block(5 * sizeof(void *))

/* Memory a GArray of `len` elements of `elt_size` bytes takes when it was
 * only appended to (GLib doubles its buffer: the nearest power of two of
 * the bytes held, 16 at least; none while empty); NULL costs nothing. */
static inline size_t
ts_mem_garray(const GArray *a, size_t elt_size)
{
    if (a == NULL)
        return 0;
    if (a->len == 0)
        return TS_MEM_GARRAY_HEADER;
    size_t want = a->len * elt_size, cap = 16;
    while (cap < want)
        cap <<= 1;
    return TS_MEM_GARRAY_HEADER + ts_mem_block(cap);
}

/* A GHashTable entry: its hash (4 bytes), key and value pointers, in
 * arrays GLib keeps between a quarter and all full: counted at half. */
#define TS_MEM_GHASH_ENTRY (2 * (4 + 2 * sizeof(void *)))

#endif /* TS_MEMCOST_H */
