/*
 * test_tar_gz.c — unit tests of engine/util/tar_gz.c: an archive of files of
 * 0, 6, 512 and 70000 bytes (more than one read buffer), with a name of
 * exactly 100 bytes and one of 150 bytes split into the ustar prefix, read
 * back with zlib and parsed header by header (name, mode, owner, size, mtime,
 * type, magic, checksum, padding, the two final zero blocks) and, when GNU
 * tar is installed, listed and extracted by `tar`; failures (a name too long
 * for ustar, a missing input, a missing folder) leave no archive and no
 * temporary file; ts_dir_files lists regular files only, sorted.
 */
#include "util/tar_gz.h"

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>
#include <zlib.h>

#define BLOCK 512
#define MTIME 1700000000

static char *
temp_dir(void)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("test_tar_gz.XXXXXX", &error);
    ck_assert_msg(dir != NULL, "%s", error ? error->message : "");
    return dir;
}

static void
remove_tree(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Writes `len` bytes to dir/name with the modification time MTIME; returns
 * the path (caller frees). */
static char *
make_file(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    struct utimbuf times = {.actime = MTIME, .modtime = MTIME};
    ck_assert_int_eq(utime(path, &times), 0);
    return path;
}

/* The uncompressed bytes of a gzip file. */
static GByteArray *
gunzip(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    ck_assert_msg(gz != NULL, "cannot open %s", path);
    GByteArray *out = g_byte_array_new();
    unsigned char buf[4096];
    int n;
    while ((n = gzread(gz, buf, sizeof buf)) > 0)
        g_byte_array_append(out, buf, (guint)n);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(gzclose(gz), Z_OK);
    return out;
}

/* A header field of `size` bytes as a string (fields may lack a NUL). */
static char *
field(const unsigned char *h, size_t offset, size_t size)
{
    return g_strndup((const char *)h + offset, size);
}

/* Checks the ustar header at `h` for a member `name` of `size` bytes. */
static void
check_header(const unsigned char *h, const char *name, size_t size)
{
    g_autofree char *short_name = field(h, 0, 100);
    g_autofree char *prefix = field(h, 345, 155);
    g_autofree char *full =
        prefix[0] ? g_strconcat(prefix, "/", short_name, NULL) : g_strdup(short_name);
    ck_assert_str_eq(full, name);
    ck_assert_mem_eq(h + 100, "0000644", 8);
    ck_assert_mem_eq(h + 108, "0000000", 8);
    ck_assert_mem_eq(h + 116, "0000000", 8);
    g_autofree char *want_size = g_strdup_printf("%011zo", size);
    ck_assert_mem_eq(h + 124, want_size, 12);
    ck_assert_mem_eq(h + 136, "14524770400", 12);
    ck_assert_int_eq(h[156], '0');
    ck_assert_mem_eq(h + 257, "ustar", 6);
    ck_assert_mem_eq(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    g_autofree char *want_sum = g_strdup_printf("%06o", sum);
    ck_assert_mem_eq(h + 148, want_sum, 7);
    ck_assert_int_eq(h[155], ' ');
}

/* The members of the archive test. */
typedef struct {
    const char *name;
    GByteArray *data;
} member;

static void
fill_members(member m[4], char **name100, char **name150)
{
    *name100 = g_strnfill(100, 'n');
    /* 60 bytes of folder, '/', 89 bytes of name: needs the prefix field */
    g_autofree char *folder = g_strnfill(60, 'd');
    g_autofree char *base = g_strnfill(89, 'f');
    *name150 = g_strconcat(folder, "/", base, NULL);
    ck_assert_uint_eq(strlen(*name150), 150);
    const char *names[4] = {"a.json", "empty", *name100, *name150};
    const size_t sizes[4] = {6, 0, 512, 70000};
    for (int i = 0; i < 4; i++) {
        m[i].name = names[i];
        m[i].data = g_byte_array_new();
        for (size_t k = 0; k < sizes[i]; k++) {
            guint8 b = i == 0 ? (guint8) "hello\n"[k] : (guint8)(k * 7 + k / 251);
            g_byte_array_append(m[i].data, &b, 1);
        }
    }
}

START_TEST(archive_reads_back)
{
    g_autofree char *dir = temp_dir();
    member m[4];
    g_autofree char *name100 = NULL, *name150 = NULL;
    fill_members(m, &name100, &name150);
    char *paths[4];
    for (int i = 0; i < 4; i++) {
        g_autofree char *file = g_strdup_printf("in%d", i);
        paths[i] = make_file(dir, file, (const char *)m[i].data->data, m[i].data->len);
    }
    const char *names[4] = {m[0].name, m[1].name, m[2].name, m[3].name};
    g_autofree char *archive = g_build_filename(dir, "out.tar.gz", NULL);
    GError *error = NULL;
    ck_assert_msg(ts_tar_gz_write(archive, (const char *const *)paths, names, 4, &error), "%s",
                  error ? error->message : "");

    g_autoptr(GByteArray) tar = gunzip(archive);
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        size_t len = m[i].data->len;
        ck_assert_uint_ge(tar->len, pos + BLOCK);
        check_header(tar->data + pos, m[i].name, len);
        pos += BLOCK;
        if (len > 0) /* an empty GByteArray's data may be NULL */
            ck_assert_mem_eq(tar->data + pos, m[i].data->data, len);
        size_t padded = (len + BLOCK - 1) / BLOCK * BLOCK;
        for (size_t k = len; k < padded; k++)
            ck_assert_int_eq(tar->data[pos + k], 0);
        pos += padded;
    }
    ck_assert_uint_eq(tar->len, pos + 2 * BLOCK);
    for (size_t k = pos; k < tar->len; k++)
        ck_assert_int_eq(tar->data[k], 0);
    /* 4 headers, 1 + 0 + 1 + 137 data blocks, 2 zero blocks */
    ck_assert_uint_eq(tar->len, (4 + 139 + 2) * BLOCK);

    g_autofree char *tar_program = g_find_program_in_path("tar");
    if (tar_program != NULL) {
        g_autofree char *cmd =
            g_strdup_printf("cd '%s' && tar -tzf out.tar.gz > list && mkdir x && "
                            "tar -xzf out.tar.gz -C x",
                            dir);
        ck_assert_int_eq(system(cmd), 0);
        g_autofree char *list_path = g_build_filename(dir, "list", NULL);
        g_autofree char *list = NULL;
        ck_assert(g_file_get_contents(list_path, &list, NULL, NULL));
        g_autofree char *want = g_strdup_printf("a.json\nempty\n%s\n%s\n", name100, name150);
        ck_assert_str_eq(list, want);
        for (int i = 0; i < 4; i++) {
            g_autofree char *got_path = g_build_filename(dir, "x", m[i].name, NULL);
            g_autofree char *got = NULL;
            gsize got_len = 0;
            ck_assert(g_file_get_contents(got_path, &got, &got_len, NULL));
            ck_assert_uint_eq(got_len, m[i].data->len);
            if (got_len > 0)
                ck_assert_mem_eq(got, m[i].data->data, got_len);
        }
    }
    for (int i = 0; i < 4; i++) {
        g_free(paths[i]);
        g_byte_array_unref(m[i].data);
    }
    remove_tree(dir);
}
END_TEST

/* Entries of `dir` other than the input "in". */
static int
count_outputs(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    ck_assert(d != NULL);
    int n = 0;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        if (strcmp(name, "in") != 0)
            n++;
    return n;
}

START_TEST(failures_leave_nothing)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *in = make_file(dir, "in", "data", 4);
    g_autofree char *archive = g_build_filename(dir, "out.tar.gz", NULL);
    const char *paths[1] = {in};
    GError *error = NULL;

    /* 120 bytes without a '/': no ustar split */
    g_autofree char *long_name = g_strnfill(120, 'x');
    const char *names[1] = {long_name};
    ck_assert(!ts_tar_gz_write(archive, paths, names, 1, &error));
    ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG));
    g_autofree char *want = g_strconcat(long_name, ": name too long for tar", NULL);
    ck_assert_str_eq(error->message, want);
    g_clear_error(&error);
    ck_assert_int_eq(count_outputs(dir), 0);

    /* a missing input */
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    const char *missing_paths[1] = {missing};
    const char *ok_names[1] = {"m"};
    ck_assert(!ts_tar_gz_write(archive, missing_paths, ok_names, 1, &error));
    ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
    g_autofree char *want2 = g_strconcat(missing, ": No such file or directory", NULL);
    ck_assert_str_eq(error->message, want2);
    g_clear_error(&error);
    ck_assert_int_eq(count_outputs(dir), 0);

    /* a missing folder for the archive */
    g_autofree char *nowhere = g_build_filename(dir, "no", "such", "out.tar.gz", NULL);
    ck_assert(!ts_tar_gz_write(nowhere, paths, ok_names, 1, &error));
    ck_assert(error != NULL);
    g_clear_error(&error);
    ck_assert_int_eq(count_outputs(dir), 0);

    /* no member: just the two zero blocks */
    ck_assert(ts_tar_gz_write(archive, NULL, NULL, 0, &error));
    g_autoptr(GByteArray) tar = gunzip(archive);
    ck_assert_uint_eq(tar->len, 2 * BLOCK);
    remove_tree(dir);
}
END_TEST

START_TEST(dir_files_sorted_regular_only)
{
    g_autofree char *dir = temp_dir();
    g_free(make_file(dir, "b.json", "", 0));
    g_free(make_file(dir, "a.json", "x", 1));
    g_free(make_file(dir, "C", "y", 1));
    g_autofree char *sub = g_build_filename(dir, "sub", NULL);
    ck_assert_int_eq(g_mkdir(sub, 0755), 0);
    g_autofree char *link = g_build_filename(dir, "link", NULL);
    ck_assert_int_eq(symlink("a.json", link), 0);
    g_auto(GStrv) files = ts_dir_files(dir);
    g_autofree char *joined = g_strjoinv(",", files);
    ck_assert_str_eq(joined, "C,a.json,b.json");

    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_auto(GStrv) none = ts_dir_files(missing);
    ck_assert_ptr_nonnull(none);
    ck_assert_ptr_null(none[0]);
    remove_tree(dir);
}
END_TEST

static Suite *
tar_gz_suite(void)
{
    Suite *s = suite_create("tar_gz");
    TCase *tc = tcase_create("archives");
    tcase_add_test(tc, archive_reads_back);
    tcase_add_test(tc, failures_leave_nothing);
    tcase_add_test(tc, dir_files_sorted_regular_only);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(tar_gz_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
