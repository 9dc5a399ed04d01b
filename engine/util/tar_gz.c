/*
 * tar_gz.c — a minimal ustar writer on top of zlib's gzip streams: one
 * 512-byte header per file (mode 0644, owner 0, the file's mtime), its data
 * padded to 512 bytes, two zero blocks at the end. The archive is written
 * under a temporary name and renamed when complete.
 */
#include "tar_gz.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK 512

static void
octal(char *field, size_t size, uint64_t value)
{
    /* size-1 octal digits and a NUL, as tar expects */
    g_snprintf(field, size, "%0*" G_GINT64_MODIFIER "o", (int)(size - 1), (guint64)value);
}

/* Fills a ustar header; false when the name does not fit. */
static bool
make_header(unsigned char h[BLOCK], const char *name, uint64_t size, int64_t mtime)
{
    memset(h, 0, BLOCK);
    size_t len = strlen(name);
    if (len <= 100) {
        memcpy(h, name, len);
    } else {
        /* split at a '/' into prefix (<= 155) and name (<= 100) */
        const char *cut = NULL;
        for (const char *p = name + len - 101; p >= name && p < name + len; p++) {
            if (*p == '/' && (size_t)(p - name) <= 155 && len - (size_t)(p - name) - 1 <= 100) {
                cut = p;
                break;
            }
        }
        if (cut == NULL)
            return false;
        memcpy(h + 345, name, (size_t)(cut - name));
        memcpy(h, cut + 1, len - (size_t)(cut - name) - 1);
    }
    octal((char *)h + 100, 8, 0644);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, size);
    octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += h[i];
    g_snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    return true;
}

static bool
gz_put(gzFile gz, const void *data, size_t len)
{
    return len == 0 || gzwrite(gz, data, (unsigned)len) == (int)len;
}

/* Appends one file to the archive. */
static bool
add_file(gzFile gz, const char *path, const char *name, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    GStatBuf st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                    g_strerror(err));
        return false;
    }
    unsigned char h[BLOCK];
    if (!make_header(h, name, (uint64_t)st.st_size, (int64_t)st.st_mtime)) {
        close(fd);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG, "%s: name too long for tar",
                    name);
        return false;
    }
    bool ok = gz_put(gz, h, BLOCK);
    uint64_t total = 0;
    char buf[1 << 16];
    ssize_t n;
    while (ok && (n = read(fd, buf, sizeof buf)) > 0) {
        ok = gz_put(gz, buf, (size_t)n) && total + (uint64_t)n <= (uint64_t)st.st_size;
        total += (uint64_t)n;
    }
    close(fd);
    if (ok && total != (uint64_t)st.st_size)
        ok = false; /* the file changed while read */
    static const unsigned char zeros[BLOCK];
    if (ok && total % BLOCK != 0)
        ok = gz_put(gz, zeros, BLOCK - total % BLOCK);
    if (!ok)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: could not be archived", path);
    return ok;
}

bool
ts_tar_gz_write(const char *archive, const char *const *paths, const char *const *names, size_t n,
                GError **error)
{
    ts_temp *temp = ts_temp_create(archive, error);
    if (temp == NULL)
        return false;
    int fd = ts_temp_open(temp, O_WRONLY | O_TRUNC);
    gzFile gz = fd >= 0 ? gzdopen(fd, "wb") : NULL;
    if (gz == NULL) {
        if (fd >= 0)
            close(fd);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: cannot write", archive);
        ts_temp_discard(temp);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = add_file(gz, paths[i], names[i], error);
    static const unsigned char zeros[2 * BLOCK];
    if (ok && !gz_put(gz, zeros, sizeof zeros)) {
        ok = false;
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: write failed", archive);
    }
    if (gzclose(gz) != Z_OK && ok) {
        ok = false;
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: write failed", archive);
    }
    if (!ok) {
        ts_temp_discard(temp);
        return false;
    }
    return ts_temp_commit(temp, archive, error);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
ts_dir_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new();
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}
