/*
 * test_flow_table.c — unit tests of the connection table
 * (engine/lib/flow_table.c), including a randomized comparison with GHashTable.
 */
#include "flow_table.h"

#include <check.h>
#include <glib.h>
#include <string.h>

static void
make_key(ts_flow_key *k, uint32_t a, uint16_t pa, uint32_t b, uint16_t pb, bool *src_is_a)
{
    uint8_t sa[4], da[4];
    memcpy(sa, &a, 4);
    memcpy(da, &b, 4);
    ts_flow_key_make(k, 4, sa, pa, da, pb, src_is_a);
}

START_TEST(both_directions_share_one_key)
{
    ts_flow_key k1, k2;
    bool a1, a2;
    make_key(&k1, 0x0100000a, 1234, 0x0200000a, 80, &a1);
    make_key(&k2, 0x0200000a, 80, 0x0100000a, 1234, &a2);
    ck_assert_mem_eq(&k1, &k2, sizeof k1);
    ck_assert(a1 != a2);
}
END_TEST

START_TEST(same_host_connections_differ_by_port)
{
    ts_flow_key k1, k2;
    bool a1, a2;
    make_key(&k1, 0x0100007f, 5000, 0x0100007f, 80, &a1);
    make_key(&k2, 0x0100007f, 80, 0x0100007f, 5000, &a2);
    ck_assert_mem_eq(&k1, &k2, sizeof k1);
    ck_assert(!a1);
    ck_assert(a2);
}
END_TEST

START_TEST(insert_lookup_remove)
{
    ts_flow_table *t = ts_flow_table_new(42);
    ts_flow_key k;
    bool a;
    int v1 = 1, v2 = 2;
    make_key(&k, 1, 2, 3, 4, &a);
    ck_assert_ptr_null(ts_flow_table_lookup(t, &k));
    ts_flow_table_insert(t, &k, &v1);
    ck_assert_ptr_eq(ts_flow_table_lookup(t, &k), &v1);
    ts_flow_table_insert(t, &k, &v2);
    ck_assert_ptr_eq(ts_flow_table_lookup(t, &k), &v2);
    ck_assert_uint_eq(ts_flow_table_size(t), 1);
    ck_assert(ts_flow_table_remove(t, &k));
    ck_assert(!ts_flow_table_remove(t, &k));
    ck_assert_uint_eq(ts_flow_table_size(t), 0);
    ts_flow_table_free(t);
}
END_TEST

static guint
key_hash(gconstpointer p)
{
    return (guint)(*(const uint64_t *)p * 0x9e3779b97f4a7c15ULL >> 32);
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

START_TEST(random_operations_match_ghashtable)
{
    GRand *rnd = g_rand_new_with_seed(99);
    ts_flow_table *t = ts_flow_table_new(g_rand_int(rnd));
    GHashTable *ref = g_hash_table_new_full(key_hash, key_equal, g_free, NULL);
    for (int i = 0; i < 300000; i++) {
        uint64_t id = g_rand_int_range(rnd, 0, 20000); /* dense ids: many collisions of runs */
        ts_flow_key k;
        bool a;
        make_key(&k, (uint32_t)id, (uint16_t)(id >> 3), 0x0a000001, 80, &a);
        int op = g_rand_int_range(rnd, 0, 3);
        void *want = g_hash_table_lookup(ref, &id);
        ck_assert_ptr_eq(ts_flow_table_lookup(t, &k), want);
        if (op == 0 || op == 1) {
            void *v = GSIZE_TO_POINTER(id + 1);
            ts_flow_table_insert(t, &k, v);
            g_hash_table_insert(ref, g_memdup2(&id, sizeof id), v);
        } else {
            ck_assert(ts_flow_table_remove(t, &k) == (want != NULL));
            g_hash_table_remove(ref, &id);
        }
        ck_assert_uint_eq(ts_flow_table_size(t), g_hash_table_size(ref));
    }
    g_hash_table_destroy(ref);
    ts_flow_table_free(t);
    g_rand_free(rnd);
}
END_TEST

static void
count_value(void *value, void *user)
{
    (void)value;
    (*(size_t *)user)++;
}

START_TEST(foreach_visits_every_value)
{
    ts_flow_table *t = ts_flow_table_new(1);
    for (uint32_t i = 0; i < 5000; i++) {
        ts_flow_key k;
        bool a;
        make_key(&k, i, 1, 0, 2, &a);
        ts_flow_table_insert(t, &k, GSIZE_TO_POINTER(i + 1));
    }
    size_t n = 0;
    ts_flow_table_foreach(t, count_value, &n);
    ck_assert_uint_eq(n, 5000);
    ts_flow_table_free(t);
}
END_TEST

static Suite *
ts_flow_table_suite(void)
{
    Suite *s = suite_create("flow_table");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, both_directions_share_one_key);
    tcase_add_test(tc, same_host_connections_differ_by_port);
    tcase_add_test(tc, insert_lookup_remove);
    tcase_add_test(tc, random_operations_match_ghashtable);
    tcase_add_test(tc, foreach_visits_every_value);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_flow_table_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
