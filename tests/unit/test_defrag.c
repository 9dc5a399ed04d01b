/*
 * test_defrag.c — unit tests of IP fragment reassembly (engine/lib/defrag.c):
 * hand-written cases for every rule of defrag.h, the libnids IP test list
 * (a-e of ../shared/design/reference-behaviour.md) as named tests, and a
 * randomized comparison against a byte-map model for each overlap policy.
 */
#include "defrag.h"
#include "rng.h"

#include <check.h>
#include <string.h>

#define SEC 1000000000ll

static const uint8_t SRC_A[16] = {10, 0, 0, 1}, SRC_B[16] = {10, 0, 0, 2};
static const uint8_t DST[16] = {10, 0, 0, 9};

/* A fragment of `data` [off, off+len) of the datagram `id` from `src`. */
static ts_fragment
frag(const uint8_t *src, uint32_t id, const uint8_t *data, uint32_t off, uint32_t len, bool more)
{
    ts_fragment f;
    memset(&f, 0, sizeof f);
    f.family = 4;
    f.proto = 6;
    f.more = more;
    memcpy(f.src_addr, src, 16);
    memcpy(f.dst_addr, DST, 16);
    f.id = id;
    f.offset = off;
    f.data = data + off;
    f.data_len = len;
    f.data_wire_len = len;
    return f;
}

/* A payload of `n` bytes: byte i is (i * 7 + salt). */
static void
fill(uint8_t *p, size_t n, uint8_t salt)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + salt);
}

/* Feeds fragments [off, len, more] of `data` in the order given; returns the
 * index of the fragment that completed the datagram (or -1), with *out. */
static int
feed(ts_defrag *d, const uint8_t *data, const uint32_t (*spec)[3], int n, ts_datagram *out)
{
    for (int i = 0; i < n; i++) {
        ts_fragment f = frag(SRC_A, 77, data, spec[i][0], spec[i][1], spec[i][2] != 0);
        if (ts_defrag_add(d, &f, (uint64_t)i + 1, (int64_t)i * 1000, out))
            return i;
    }
    return -1;
}

START_TEST(in_order_fragments_make_the_datagram)
{
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 4 << 20, &st);
    uint8_t p[40];
    fill(p, sizeof p, 1);
    const uint32_t spec[][3] = {{0, 16, 1}, {16, 16, 1}, {32, 8, 0}};
    ts_datagram dg;
    ck_assert_int_eq(feed(d, p, spec, 3, &dg), 2);
    ck_assert_uint_eq(dg.len, 40);
    ck_assert_mem_eq(dg.data, p, 40);
    ck_assert_uint_eq(dg.proto, 6);
    ck_assert_uint_eq(dg.family, 4);
    ck_assert_mem_eq(dg.src_addr, SRC_A, 16);
    ck_assert_uint_eq(dg.n_conflicts, 0);
    ck_assert_uint_eq(st.ip_datagrams_reassembled, 1);
    ck_assert_uint_eq(ts_defrag_pending(d), 0);
    ts_defrag_free(d);
}
END_TEST

START_TEST(tiny_first_fragment_splits_the_tcp_header)
{
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(_i, 30 * SEC, 4 << 20, &st);
    uint8_t p[48];
    fill(p, sizeof p, 3);
    /* 8 bytes: the TCP ports and sequence number only; last arrives first */
    const uint32_t spec[][3] = {{24, 24, 0}, {0, 8, 1}, {8, 16, 1}};
    ts_datagram dg;
    ck_assert_int_eq(feed(d, p, spec, 3, &dg), 2);
    ck_assert_uint_eq(dg.len, 48);
    ck_assert_mem_eq(dg.data, p, 48);
    ck_assert_uint_eq(dg.n_conflicts, 0);
    ts_defrag_free(d);
}
END_TEST

/* libnids a): overlapping and duplicate fragments with equal bytes, in every
 * order of the five fragments: one datagram, the right bytes, no conflict,
 * for every policy (the linux duplicates lie wholly inside received runs or
 * arrive before them). */
START_TEST(libnids_a_overlaps_and_duplicates_in_every_order)
{
    uint8_t p[64];
    fill(p, sizeof p, 5);
    /* 0-24, 24-48 (dup), 48-64 last, 24-48 again, 8-16 (inside 0-24) */
    const uint32_t base[][3] = {{0, 24, 1}, {24, 24, 1}, {48, 16, 0}, {24, 24, 1}, {8, 8, 1}};
    int perm[5] = {0, 1, 2, 3, 4}, orders = 0, done = 0;
    /* all 120 orders by Heap's algorithm, iteratively */
    int c[5] = {0};
    for (int k = 0;;) {
        uint32_t spec[5][3];
        for (int i = 0; i < 5; i++)
            memcpy(spec[i], base[perm[i]], sizeof spec[i]);
        ts_stats st = {0};
        ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST + (orders % 2), 30 * SEC, 0, &st);
        ts_datagram dg;
        int at = feed(d, p, (const uint32_t(*)[3])spec, 5, &dg);
        ck_assert_int_ge(at, 2);
        ck_assert_uint_eq(dg.len, 64);
        ck_assert_mem_eq(dg.data, p, 64);
        ck_assert_uint_eq(dg.n_conflicts, 0);
        done++;
        ts_defrag_free(d);
        orders++;
        while (k < 5 && c[k] >= k) {
            c[k] = 0;
            k++;
        }
        if (k >= 5)
            break;
        int j = (k % 2 == 0) ? 0 : c[k];
        int t = perm[j];
        perm[j] = perm[k];
        perm[k] = t;
        c[k]++;
        k = 1;
    }
    ck_assert_int_eq(orders, 120);
    ck_assert_int_eq(done, 120);
}
END_TEST

/* libnids a) with the linux policy: the equal-byte copies that fall inside
 * a run are duplicates; a copy straddling two runs drops the datagram. */
START_TEST(libnids_a_linux_equal_overlaps)
{
    uint8_t p[64];
    fill(p, sizeof p, 5);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_LINUX, 30 * SEC, 0, &st);
    const uint32_t ok[][3] = {{0, 24, 1}, {8, 8, 1}, {24, 24, 1}, {24, 24, 1}, {48, 16, 0}};
    ts_datagram dg;
    ck_assert_int_eq(feed(d, p, ok, 5, &dg), 4);
    ck_assert_mem_eq(dg.data, p, 64);
    /* 0-16 then 32-48 (two runs), then 8-40 overlaps both: dropped */
    const uint32_t bad[][3] = {{0, 16, 1}, {32, 16, 1}, {8, 32, 1}, {16, 16, 1}, {48, 16, 0}};
    ck_assert_int_eq(feed(d, p, bad, 5, &dg), -1);
    ck_assert_uint_eq(st.ip_datagrams_policy_dropped, 1);
    ts_defrag_free(d);
}
END_TEST

/* libnids b): two last fragments with different ends. first keeps the first
 * end, last the latest; both report the conflict; linux drops the datagram. */
START_TEST(libnids_b_several_last_fragments)
{
    uint8_t p[64];
    fill(p, sizeof p, 9);
    const uint32_t spec[][3] = {{0, 16, 1}, {16, 16, 0}, {16, 32, 0}, {32, 32, 0}};
    ts_datagram dg;
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 0, &st);
    ck_assert_int_eq(feed(d, p, spec, 4, &dg), 1);
    ck_assert_uint_eq(dg.len, 32);
    ts_defrag_free(d);

    /* first: end 32 fixed by frame 1, the later end 48 is a conflict */
    const uint32_t spec2[][3] = {{16, 16, 0}, {16, 32, 0}, {0, 16, 1}};
    d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 0, &st);
    ck_assert_int_eq(feed(d, p, spec2, 3, &dg), 2);
    ck_assert_uint_eq(dg.len, 32);
    ck_assert_mem_eq(dg.data, p, 32);
    ck_assert_uint_eq(dg.n_conflicts, 1);
    ck_assert_uint_eq(dg.conflicts[0].frame, 2);
    ck_assert_uint_eq(dg.conflicts[0].first_frame, 1);
    ck_assert_uint_eq(dg.conflicts[0].offset, 32);
    ck_assert_uint_eq(dg.conflicts[0].length, 0);
    ts_defrag_free(d);

    d = ts_defrag_new(TS_OVERLAP_LAST, 30 * SEC, 0, &st);
    ck_assert_int_eq(feed(d, p, spec2, 3, &dg), 2);
    ck_assert_uint_eq(dg.len, 48);
    ck_assert_mem_eq(dg.data, p, 48);
    ck_assert_uint_eq(dg.n_conflicts, 1);
    ts_defrag_free(d);

    memset(&st, 0, sizeof st);
    d = ts_defrag_new(TS_OVERLAP_LINUX, 30 * SEC, 0, &st);
    ck_assert_int_eq(feed(d, p, spec2, 3, &dg), -1);
    ck_assert_uint_eq(st.ip_datagrams_policy_dropped, 1);
    ck_assert_uint_eq(st.ip_datagrams_reassembled, 0);
    ts_defrag_free(d);
}
END_TEST

/* libnids c): a datagram incomplete 30 s after its first fragment is dropped;
 * its missing fragment then starts a new datagram. */
START_TEST(libnids_c_timeout)
{
    uint8_t p[32];
    fill(p, sizeof p, 2);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 0, &st);
    ts_datagram dg;
    ts_fragment a = frag(SRC_A, 5, p, 0, 16, true), b = frag(SRC_A, 5, p, 16, 16, false);
    ck_assert(!ts_defrag_add(d, &a, 1, 0, &dg));
    ts_defrag_expire(d, 30 * SEC - 1);
    ck_assert_uint_eq(ts_defrag_pending(d), 1);
    ts_defrag_expire(d, 30 * SEC);
    ck_assert_uint_eq(ts_defrag_pending(d), 0);
    ck_assert_uint_eq(st.ip_datagrams_timed_out, 1);
    ck_assert_uint_eq(ts_defrag_memory(d), 0);
    ck_assert(!ts_defrag_add(d, &b, 2, 30 * SEC, &dg));
    ts_defrag_finish(d);
    ck_assert_uint_eq(st.ip_datagrams_incomplete, 1);
    ck_assert_uint_eq(st.ip_datagrams_reassembled, 0);
    ts_defrag_free(d);
}
END_TEST

/* libnids d): fragments of one datagram interleaved with fragments of the
 * same IP id from another host (and an unfragmented other packet is not
 * seen here at all): each datagram gets its own bytes. */
START_TEST(libnids_d_same_id_other_host_interleaved)
{
    uint8_t pa[32], pb[32];
    fill(pa, sizeof pa, 1);
    fill(pb, sizeof pb, 100);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_LINUX, 30 * SEC, 0, &st);
    ts_datagram dg;
    ts_fragment a0 = frag(SRC_A, 9, pa, 0, 16, true), a1 = frag(SRC_A, 9, pa, 16, 16, false);
    ts_fragment b0 = frag(SRC_B, 9, pb, 0, 16, true), b1 = frag(SRC_B, 9, pb, 16, 16, false);
    ts_fragment other = frag(SRC_A, 9, pb, 0, 16, true);
    other.proto = 17; /* same id and hosts, other protocol: another datagram */
    ck_assert(!ts_defrag_add(d, &a0, 1, 0, &dg));
    ck_assert(!ts_defrag_add(d, &b0, 2, 0, &dg));
    ck_assert(!ts_defrag_add(d, &other, 3, 0, &dg));
    ck_assert_uint_eq(ts_defrag_pending(d), 3);
    ck_assert(ts_defrag_add(d, &b1, 4, 0, &dg));
    ck_assert_mem_eq(dg.data, pb, 32);
    ck_assert_mem_eq(dg.src_addr, SRC_B, 16);
    ck_assert(ts_defrag_add(d, &a1, 5, 0, &dg));
    ck_assert_mem_eq(dg.data, pa, 32);
    ck_assert_uint_eq(dg.n_conflicts, 0);
    ck_assert_uint_eq(st.ip_datagrams_reassembled, 2);
    ts_defrag_finish(d);
    ck_assert_uint_eq(st.ip_datagrams_incomplete, 1);
    ts_defrag_free(d);
}
END_TEST

/* The memory a pending datagram is charged is every allocation it holds
 * with the allocator's overhead (memcost.h: glibc rounds a block up to 16
 * bytes with an 8-byte header; GArrays double), exactly: its struct (160
 * bytes: 176), its table entry (40), the payload buffer and its bitmap
 * (512 bytes doubled to 1024: 1040 and 144), the list of pieces (a GArray
 * header 48 and a 16-byte buffer 32) and the two empty lists (48 each). */
START_TEST(memory_counts_overhead_exactly)
{
    static uint8_t p[1480];
    fill(p, sizeof p, 3);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 0, &st);
    ts_datagram dg;
    ts_fragment a = frag(SRC_A, 7, p, 0, 1000, true);
    ck_assert(!ts_defrag_add(d, &a, 1, 0, &dg));
    ck_assert_uint_eq(ts_defrag_memory(d), 176 + 40 + 1040 + 144 + 48 + 32 + 48 + 48);
    /* a second piece: the buffer doubles to 2048 (2064, bitmap 272), the
       pieces' buffer to 32 bytes (48) */
    ts_fragment b = frag(SRC_A, 7, p, 1000, 400, true);
    ck_assert(!ts_defrag_add(d, &b, 2, 0, &dg));
    ck_assert_uint_eq(ts_defrag_memory(d), 176 + 40 + 2064 + 272 + 48 + 48 + 48 + 48);
    /* another datagram of one 8-byte fragment: buffer 512 (528, bitmap 80) */
    ts_fragment c = frag(SRC_B, 7, p, 0, 8, true);
    ck_assert(!ts_defrag_add(d, &c, 3, 0, &dg));
    ck_assert_uint_eq(ts_defrag_memory(d), 176 + 40 + 2064 + 272 + 48 + 48 + 48 + 48 + 176 + 40 +
                                               528 + 80 + 48 + 32 + 48 + 48);
    ts_fragment e = frag(SRC_A, 7, p, 1400, 80, false); /* completes the first */
    ck_assert(ts_defrag_add(d, &e, 4, 0, &dg));
    ck_assert_uint_eq(dg.len, 1480);
    ck_assert_uint_eq(ts_defrag_memory(d), 176 + 40 + 528 + 80 + 48 + 32 + 48 + 48);
    ts_defrag_finish(d);
    ck_assert_uint_eq(ts_defrag_memory(d), 0);
    ts_defrag_free(d);
}
END_TEST

/* libnids e): a flood of incomplete datagrams past the memory cap evicts
 * the oldest; a datagram completed afterwards is still reassembled. */
START_TEST(libnids_e_memory_exhaustion)
{
    static uint8_t p[1024];
    fill(p, sizeof p, 4);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 64 * 1024, &st);
    ts_datagram dg;
    for (uint32_t id = 0; id < 1000; id++) {
        ts_fragment f = frag(SRC_A, id, p, 0, 1000, true);
        ck_assert(!ts_defrag_add(d, &f, id + 1, 0, &dg));
        ck_assert_uint_le(ts_defrag_memory(d), 64 * 1024);
    }
    ck_assert_uint_gt(st.ip_datagrams_memory_dropped, 900);
    ck_assert_uint_eq(st.ip_datagrams_memory_dropped + ts_defrag_pending(d), 1000);
    ts_fragment a = frag(SRC_B, 1, p, 0, 8, true), b = frag(SRC_B, 1, p, 8, 8, false);
    ck_assert(!ts_defrag_add(d, &a, 2000, 0, &dg));
    ck_assert(ts_defrag_add(d, &b, 2001, 0, &dg));
    ck_assert_mem_eq(dg.data, p, 16);
    ts_defrag_free(d);
}
END_TEST

/* Differing overlap: first keeps the old bytes, last the new; both record
 * one conflict naming both frames; linux drops the datagram. */
START_TEST(differing_overlap_follows_the_policy)
{
    uint8_t p[32], q[32];
    fill(p, sizeof p, 1);
    fill(q, sizeof q, 50);
    for (int pol = TS_OVERLAP_FIRST; pol <= TS_OVERLAP_LINUX; pol++) {
        ts_stats st = {0};
        ts_defrag *d = ts_defrag_new(pol, 30 * SEC, 0, &st);
        ts_datagram dg;
        ts_fragment a = frag(SRC_A, 3, p, 0, 16, true);
        ts_fragment evil = frag(SRC_A, 3, q, 8, 16, true);
        ts_fragment b = frag(SRC_A, 3, p, 16, 16, false);
        ck_assert(!ts_defrag_add(d, &a, 1, 0, &dg));
        ck_assert(!ts_defrag_add(d, &evil, 2, 0, &dg));
        bool done = ts_defrag_add(d, &b, 3, 0, &dg);
        if (pol == TS_OVERLAP_LINUX) {
            ck_assert(!done); /* the datagram was dropped; b starts another */
            ck_assert_uint_eq(st.ip_datagrams_policy_dropped, 1);
            ts_defrag_free(d);
            continue;
        }
        ck_assert(done);
        /* first: 16..24 is evil's (nothing held it before); last: 8..16 is
           evil's and frame 3 wrote 16..24 back */
        uint8_t want[32];
        memcpy(want, p, 32);
        if (pol == TS_OVERLAP_LAST)
            memcpy(want + 8, q + 8, 8);
        else
            memcpy(want + 16, q + 16, 8);
        ck_assert_mem_eq(dg.data, want, 32);
        ck_assert_uint_eq(dg.n_conflicts, 2);
        ck_assert_uint_eq(dg.conflicts[0].frame, 2);
        ck_assert_uint_eq(dg.conflicts[0].first_frame, 1);
        ck_assert_uint_eq(dg.conflicts[0].offset, 8);
        ck_assert_uint_eq(dg.conflicts[0].length, 8);
        ck_assert_uint_eq(dg.conflicts[1].frame, 3);
        ck_assert_uint_eq(dg.conflicts[1].first_frame, 2);
        ck_assert_uint_eq(dg.conflicts[1].offset, 16);
        ck_assert_uint_eq(dg.conflicts[1].length, 8);
        ts_defrag_free(d);
    }
}
END_TEST

/* A fragment the snap length cut is counted and not used. */
START_TEST(cut_fragment_is_counted_and_ignored)
{
    uint8_t p[32];
    fill(p, sizeof p, 1);
    ts_stats st = {0};
    ts_defrag *d = ts_defrag_new(TS_OVERLAP_FIRST, 30 * SEC, 0, &st);
    ts_datagram dg;
    ts_fragment a = frag(SRC_A, 3, p, 0, 16, true), b = frag(SRC_A, 3, p, 16, 16, false);
    a.data_len = 10;
    ck_assert(!ts_defrag_add(d, &a, 1, 0, &dg));
    ck_assert(!ts_defrag_add(d, &b, 2, 0, &dg));
    ck_assert_uint_eq(st.ip_fragments_cut, 1);
    ts_defrag_finish(d);
    ck_assert_uint_eq(st.ip_datagrams_incomplete, 1);
    ts_defrag_free(d);
}
END_TEST

/* Random fragmentations of a random payload with duplicates and copies of
 * random bytes, in random orders, against a byte-map model of the policy.
 * For linux the copies keep the boundaries of the base fragments (wholly
 * inside a run or placed before it: the model is "first arrival wins"). */
START_TEST(random_fragments_match_the_model)
{
    uint64_t seed = 20261203;
    rng r;
    for (int i = 0; i < 4; i++)
        r.s[i] = splitmix64(&seed);
    enum { MAXN = 2048, MAXF = 64 };
    static uint8_t payload[MAXN], copies[MAXF][MAXN], model[MAXN];
    static bool have[MAXN];
    for (int round = 0; round < 3000; round++) {
        ts_overlap_policy pol = (ts_overlap_policy)(round % 3);
        uint32_t n = 8 * (1 + (uint32_t)(rng_next(&r) % (MAXN / 8)));
        for (uint32_t i = 0; i < n; i++)
            payload[i] = (uint8_t)rng_next(&r);
        /* base cuts at multiples of 8 */
        uint32_t spec[MAXF][3], bases[MAXF][2];
        int nb = 0, nf = 0;
        for (uint32_t off = 0; off < n && nb < MAXF / 2 - 1;) {
            uint32_t len = 8 * (1 + (uint32_t)(rng_next(&r) % 16));
            if (off + len > n || nb == MAXF / 2 - 2)
                len = n - off;
            bases[nb][0] = off;
            bases[nb][1] = len;
            nb++;
            off += len;
        }
        for (int b = 0; b < nb; b++, nf++) {
            spec[nf][0] = bases[b][0];
            spec[nf][1] = bases[b][1];
            memcpy(copies[nf], payload, n);
        }
        int extra = (int)(rng_next(&r) % 8);
        for (int e = 0; e < extra && nf < MAXF; e++, nf++) {
            uint32_t off, len;
            if (pol == TS_OVERLAP_LINUX || rng_next(&r) % 2 == 0) {
                int b = (int)(rng_next(&r) % (uint64_t)nb);
                off = bases[b][0];
                len = bases[b][1];
            } else {
                off = 8 * (uint32_t)(rng_next(&r) % (n / 8));
                len = 1 + (uint32_t)(rng_next(&r) % (n - off));
                if (off + len < n)
                    len = (len + 7) & ~7u;
                if (off + len > n)
                    len = n - off;
            }
            spec[nf][0] = off;
            spec[nf][1] = len;
            memcpy(copies[nf], payload, n);
            if (rng_next(&r) % 2 == 0) /* a copy with other bytes */
                for (uint32_t i = off; i < off + len; i++)
                    copies[nf][i] = (uint8_t)rng_next(&r);
        }
        for (int i = nf - 1; i > 0; i--) { /* shuffle */
            int j = (int)(rng_next(&r) % (uint64_t)(i + 1));
            uint32_t t[3];
            memcpy(t, spec[i], sizeof t);
            memcpy(spec[i], spec[j], sizeof t);
            memcpy(spec[j], t, sizeof t);
            uint8_t tmp[MAXN];
            memcpy(tmp, copies[i], n);
            memcpy(copies[i], copies[j], n);
            memcpy(copies[j], tmp, n);
        }
        memset(have, 0, n);
        ts_stats st = {0};
        ts_defrag *d = ts_defrag_new(pol, 30 * SEC, 0, &st);
        uint32_t covered = 0;
        bool end_seen = false;
        size_t conflicts = 0;
        int at = -1;
        for (int k = 0; k < nf; k++) {
            uint32_t off = spec[k][0], len = spec[k][1];
            bool differs = false;
            for (uint32_t i = off; i < off + len; i++) {
                if (have[i] && model[i] != copies[k][i])
                    differs = true;
                if (!have[i]) {
                    have[i] = true;
                    covered++;
                    model[i] = copies[k][i];
                } else if (pol == TS_OVERLAP_LAST)
                    model[i] = copies[k][i];
            }
            conflicts += differs;
            end_seen |= off + len == n;
            ts_fragment f = frag(SRC_A, 1, copies[k], off, len, off + len < n);
            ts_datagram dg;
            bool done = ts_defrag_add(d, &f, (uint64_t)k + 1, 0, &dg);
            bool want = covered == n && end_seen;
            ck_assert_msg(done == want, "round %d fragment %d", round, k);
            if (done) {
                ck_assert_uint_eq(dg.len, n);
                ck_assert_msg(memcmp(dg.data, model, n) == 0, "round %d bytes", round);
                if (pol != TS_OVERLAP_LINUX)
                    ck_assert_uint_eq(dg.n_conflicts, conflicts);
                at = k;
                break;
            }
        }
        ck_assert_int_ge(at, 0);
        ck_assert_uint_eq(st.ip_datagrams_reassembled, 1);
        ts_defrag_free(d);
    }
}
END_TEST

static Suite *
ts_defrag_suite(void)
{
    Suite *s = suite_create("defrag");
    TCase *tc = tcase_create("cases");
    tcase_add_test(tc, in_order_fragments_make_the_datagram);
    tcase_add_loop_test(tc, tiny_first_fragment_splits_the_tcp_header, 0, 3);
    tcase_add_test(tc, libnids_a_overlaps_and_duplicates_in_every_order);
    tcase_add_test(tc, libnids_a_linux_equal_overlaps);
    tcase_add_test(tc, libnids_b_several_last_fragments);
    tcase_add_test(tc, libnids_c_timeout);
    tcase_add_test(tc, libnids_d_same_id_other_host_interleaved);
    tcase_add_test(tc, libnids_e_memory_exhaustion);
    tcase_add_test(tc, memory_counts_overhead_exactly);
    tcase_add_test(tc, differing_overlap_follows_the_policy);
    tcase_add_test(tc, cut_fragment_is_counted_and_ignored);
    suite_add_tcase(s, tc);
    TCase *rnd = tcase_create("randomized");
    tcase_set_timeout(rnd, 120);
    tcase_add_test(rnd, random_fragments_match_the_model);
    suite_add_tcase(s, rnd);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_defrag_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
