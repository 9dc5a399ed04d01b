/*
 * test_file_writer.c — unit tests of the threaded output files
 * (engine/formats/file_writer.c): randomized appends to many files at once compared
 * with a model (patches of earlier bytes included), the descriptor limit forcing files to be closed
 * and reopened, files without bytes never created, uncommitted files removed, and the first failure
 * reported with its path.
 */
#include "file_writer.h"

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>

static char *
temp_dir(void)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("test_file_writer.XXXXXX", &error);
    ck_assert_msg(dir != NULL, "%s", error ? error->message : "");
    return dir;
}

static void
remove_tree(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Number of entries in `dir` (-1 when it does not exist). */
static int
count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return -1;
    int n = 0;
    while (g_dir_read_name(d) != NULL)
        n++;
    g_dir_close(d);
    return n;
}

/* Appends random pieces (1 B to 100 KiB) to `n_files` files in random order,
 * overwriting earlier bytes (ts_out_file_patch) and committing files at
 * random; every file must hold exactly its bytes. */
static void
random_run(unsigned n_files, guint32 seed, unsigned max_open)
{
    g_autofree char *top = temp_dir();
    g_autofree char *dir = g_build_filename(top, "out", NULL);
    GRand *rng = g_rand_new_with_seed(seed);
    ts_file_writer *fw = ts_file_writer_new(dir, max_open);
    ts_out_file **files = g_new0(ts_out_file *, n_files);
    GByteArray **model = g_new0(GByteArray *, n_files);
    char **paths = g_new0(char *, n_files);
    for (unsigned i = 0; i < n_files; i++) {
        paths[i] = g_strdup_printf("%s/file-%u", dir, i);
        files[i] = ts_file_writer_add(fw, paths[i]);
        model[i] = g_byte_array_new();
    }
    static uint8_t piece[100 * 1024];
    unsigned open_files = n_files;
    for (unsigned step = 0; open_files > 0 && step < 20000; step++) {
        unsigned i = g_rand_int_range(rng, 0, (gint32)n_files);
        if (files[i] == NULL)
            continue;
        if (g_rand_int_range(rng, 0, 40) == 0) {
            ts_out_file_commit(fw, files[i]);
            files[i] = NULL;
            open_files--;
            continue;
        }
        if (model[i]->len > 0 && g_rand_int_range(rng, 0, 8) == 0) {
            /* overwrite bytes appended earlier: still buffered (near the
               end) or already with the writer (anywhere) */
            guint have = model[i]->len, back = (guint)g_rand_int_range(rng, 1, 3000);
            guint start = g_rand_boolean(rng) ? (guint)g_rand_int_range(rng, 0, (gint32)have)
                                              : have - MIN(have, back);
            guint want = (guint)g_rand_int_range(rng, 1, 3000), n = MIN(have - start, want);
            for (guint k = 0; k < n; k++)
                piece[k] = (uint8_t)~g_rand_int(rng);
            ts_out_file_patch(fw, files[i], start, piece, n);
            memcpy(model[i]->data + start, piece, n);
            continue;
        }
        size_t len = g_rand_boolean(rng) ? (size_t)g_rand_int_range(rng, 1, 1500)
                                         : (size_t)g_rand_int_range(rng, 1, sizeof piece);
        for (size_t k = 0; k < len; k++)
            piece[k] = (uint8_t)(g_rand_int(rng) + i);
        ts_out_file_append(fw, files[i], piece, len);
        g_byte_array_append(model[i], piece, (guint)len);
    }
    for (unsigned i = 0; i < n_files; i++)
        if (files[i] != NULL)
            ts_out_file_commit(fw, files[i]);
    GError *error = NULL;
    ck_assert_msg(ts_file_writer_finish(fw, &error), "%s", error ? error->message : "");
    ts_file_writer_free(fw);

    int expected_files = 0;
    for (unsigned i = 0; i < n_files; i++) {
        gchar *data = NULL;
        gsize len = 0;
        if (model[i]->len == 0) {
            ck_assert_msg(!g_file_test(paths[i], G_FILE_TEST_EXISTS), "%s exists", paths[i]);
        } else {
            expected_files++;
            ck_assert_msg(g_file_get_contents(paths[i], &data, &len, NULL), "%s", paths[i]);
            ck_assert_uint_eq(len, model[i]->len);
            ck_assert_mem_eq(data, model[i]->data, len);
            g_free(data);
        }
        g_byte_array_unref(model[i]);
        g_free(paths[i]);
    }
    ck_assert_int_eq(count_entries(dir), expected_files); /* no temporary file left */
    g_free(files);
    g_free(model);
    g_free(paths);
    g_rand_free(rng);
    remove_tree(top);
}

START_TEST(random_appends_match_the_model)
{
    random_run(300, 1 + (guint32)_i, 0);
}
END_TEST

/* With few descriptors the writers close and reopen files all the time. */
START_TEST(descriptor_limit_forces_reopening)
{
    /* 200 files, 8 open per writer, and a soft limit of 48 descriptors: any
       writer keeping more files open fails with EMFILE */
    struct rlimit old;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    struct rlimit low = {MIN(old.rlim_cur, 48), old.rlim_max};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    random_run(200, 77, 8);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
}
END_TEST

START_TEST(uncommitted_files_are_removed)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *a = g_build_filename(dir, "a", NULL);
    g_autofree char *b = g_build_filename(dir, "b", NULL);
    ts_file_writer *fw = ts_file_writer_new(dir, 0);
    ts_out_file *fa = ts_file_writer_add(fw, a);
    ts_out_file *fb = ts_file_writer_add(fw, b);
    static uint8_t big[200 * 1024]; /* past the flush threshold: on disk already */
    ts_out_file_append(fw, fa, big, sizeof big);
    ts_out_file_append(fw, fb, (const uint8_t *)"x", 1);
    ts_out_file_commit(fw, fb);
    GError *error = NULL;
    ck_assert(ts_file_writer_finish(fw, &error));
    ts_file_writer_free(fw);
    ck_assert(!g_file_test(a, G_FILE_TEST_EXISTS));
    ck_assert(g_file_test(b, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(count_entries(dir), 1); /* a's temporary file is gone too */
    remove_tree(dir);
}
END_TEST

START_TEST(first_failure_is_reported)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *plain = g_build_filename(dir, "plain", NULL);
    ck_assert(g_file_set_contents(plain, "", 0, NULL));
    g_autofree char *below = g_build_filename(plain, "out", NULL); /* not a directory */
    g_autofree char *path = g_build_filename(below, "f", NULL);
    ts_file_writer *fw = ts_file_writer_new(below, 0);
    ts_out_file *f = ts_file_writer_add(fw, path);
    ts_out_file_append(fw, f, (const uint8_t *)"abc", 3);
    ts_out_file_commit(fw, f);
    GError *error = NULL;
    ck_assert(!ts_file_writer_finish(fw, &error));
    g_autofree char *want = g_strdup_printf("%s: %s", below, g_strerror(ENOTDIR));
    ck_assert_str_eq(error->message, want);
    g_error_free(error);
    ts_file_writer_free(fw);
    remove_tree(dir);
}
END_TEST

START_TEST(ensure_dir_creates_an_empty_folder)
{
    g_autofree char *top = temp_dir();
    g_autofree char *dir = g_build_filename(top, "x", "y", NULL);
    ts_file_writer *fw = ts_file_writer_new(dir, 0);
    ck_assert(ts_file_writer_ensure_dir(fw));
    ck_assert(ts_file_writer_finish(fw, NULL));
    ts_file_writer_free(fw);
    ck_assert_int_eq(count_entries(dir), 0);
    remove_tree(top);
}
END_TEST

static Suite *
file_writer_suite(void)
{
    Suite *s = suite_create("file_writer");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, random_appends_match_the_model, 0, 3);
    tcase_add_test(tc, uncommitted_files_are_removed);
    tcase_add_test(tc, first_failure_is_reported);
    tcase_add_test(tc, ensure_dir_creates_an_empty_folder);
    tcase_add_test(tc, descriptor_limit_forces_reopening);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(file_writer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
