/*
 * out_dir.c — opening folders and files beneath an output folder without
 * following symbolic links, and removing the temporary names of dead runs
 * (see out_dir.h).
 *
 * Gotchas:
 * - A folder is walked from its registered root one component at a time with
 *   openat(O_NOFOLLOW | O_DIRECTORY); a missing one is made with mkdirat().
 *   Linux fails that openat() with ELOOP or ENOTDIR on a symbolic link, so
 *   the message comes from an fstatat(AT_SYMLINK_NOFOLLOW) of the name.
 * - A temporary name belongs to a live writer while its process exists
 *   (kill(pid, 0) succeeds or fails with EPERM), and always when it is this
 *   process's id: those are never removed. A reused id keeps a leftover until
 *   that process is gone too.
 * - ts_out_remove_entry() runs in the signal handler of atomic_file.c: system
 *   calls only (getdents64 through syscall()).
 */
#include "out_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEMP_MARK ".tcpsession.tmp."
#define TEMP_RANDOM 6
#define TEMP_NAME_KEEP 200

static GMutex roots_lock;
static GPtrArray *roots; /* char *: registered output folders */

static GMutex sweep_lock;
static GHashTable *swept; /* "DEV:INO" of folders already swept */
static GString *notices;  /* guarded by sweep_lock */

void
ts_out_root_add(const char *root)
{
    g_autofree char *r = g_strdup(root);
    size_t len = strlen(r);
    while (len > 1 && r[len - 1] == '/')
        r[--len] = '\0';
    g_mutex_lock(&roots_lock);
    if (roots == NULL)
        roots = g_ptr_array_new_with_free_func(g_free);
    bool known = false;
    for (guint i = 0; i < roots->len && !known; i++)
        known = strcmp(g_ptr_array_index(roots, i), r) == 0;
    if (!known)
        g_ptr_array_add(roots, g_steal_pointer(&r));
    g_mutex_unlock(&roots_lock);
}

/* The longest registered root that `dir` is or lies beneath (a copy), and in
 * *rest the part of `dir` after it; NULL when there is none. */
static char *
find_root(const char *dir, const char **rest)
{
    char *best = NULL;
    size_t best_len = 0;
    g_mutex_lock(&roots_lock);
    for (guint i = 0; roots != NULL && i < roots->len; i++) {
        const char *r = g_ptr_array_index(roots, i);
        size_t len = strlen(r);
        bool under = strncmp(dir, r, len) == 0 &&
                     (dir[len] == '\0' || dir[len] == '/' || (len == 1 && r[0] == '/'));
        if (under && (best == NULL || len > best_len)) {
            g_free(best);
            best = g_strdup(r);
            best_len = len;
        }
    }
    g_mutex_unlock(&roots_lock);
    if (best != NULL)
        *rest = dir + best_len;
    return best;
}

void
ts_out_set_symlink_error(GError **error, const char *path)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_LOOP,
                "%s: is a symbolic link; refusing to write through it", path);
}

static void
set_errno_error(GError **error, const char *path, int err)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path, g_strerror(err));
}

/* Sets `error` for a failed open of `name` in `dirfd` (`path` in messages):
 * the symbolic link message when it is one. */
static void
set_open_error(GError **error, int dirfd, const char *name, const char *path, int err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        ts_out_set_symlink_error(error, path);
    else
        set_errno_error(error, path, err);
}

/* Opens the folder `name` of `dirfd`, made first when missing and `create`. */
static int
open_child(int dirfd, const char *name, bool create)
{
    int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = openat(dirfd, name, flags);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(dirfd, name, 0777) != 0 && errno != EEXIST)
            return -1;
        fd = openat(dirfd, name, flags);
    }
    return fd;
}

/* Opens a folder that is the user's own (a root, or no root at all). */
static int
open_user_dir(const char *dir, bool create, GError **error)
{
    if (create && g_mkdir_with_parents(dir, 0777) != 0) {
        set_errno_error(error, dir, errno);
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        set_errno_error(error, dir, errno);
    return fd;
}

int
ts_out_dir_open(const char *dir, bool create, GError **error)
{
    const char *rest = NULL;
    g_autofree char *root = find_root(dir, &rest);
    if (root == NULL)
        return open_user_dir(dir, create, error);
    int fd = open_user_dir(root, create, error);
    g_autoptr(GString) walked = g_string_new(root);
    g_auto(GStrv) parts = g_strsplit(rest, "/", -1);
    for (char **p = parts; fd >= 0 && *p != NULL; p++) {
        if ((*p)[0] == '\0' || strcmp(*p, ".") == 0)
            continue;
        if (walked->len > 0 && walked->str[walked->len - 1] != '/')
            g_string_append_c(walked, '/');
        g_string_append(walked, *p);
        if (strcmp(*p, "..") == 0) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "%s: refusing a '..' component beneath the output folder", walked->str);
            close(fd);
            return -1;
        }
        int child = open_child(fd, *p, create);
        if (child < 0)
            set_open_error(error, fd, *p, walked->str, errno);
        close(fd);
        fd = child;
    }
    return fd;
}

bool
ts_out_mkdir(const char *dir, GError **error)
{
    int fd = ts_out_dir_open(dir, true, error);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

int
ts_out_file_open(const char *path, int flags, mode_t mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *name = g_path_get_basename(path);
    int dirfd = ts_out_dir_open(dir, false, error);
    if (dirfd < 0)
        return -1;
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        set_open_error(error, dirfd, name, path, errno);
    close(dirfd);
    return fd;
}

bool
ts_out_unlink(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *name = g_path_get_basename(path);
    int dirfd = ts_out_dir_open(dir, false, NULL);
    if (dirfd < 0)
        return false;
    int rc = unlinkat(dirfd, name, 0);
    int err = errno;
    close(dirfd);
    errno = err;
    return rc == 0;
}

/* ---- temporary names -------------------------------------------------- */

char *
ts_out_temp_name(const char *name)
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char random[TEMP_RANDOM + 1];
    for (int i = 0; i < TEMP_RANDOM; i++)
        random[i] = letters[g_random_int_range(0, (gint32)sizeof letters - 1)];
    random[TEMP_RANDOM] = '\0';
    int keep = (int)MIN(strlen(name), (size_t)TEMP_NAME_KEEP);
    return g_strdup_printf(".%.*s" TEMP_MARK "%ld.%s", keep, name, (long)getpid(), random);
}

long
ts_out_temp_name_pid(const char *name)
{
    if (name[0] != '.')
        return 0;
    const char *mark = g_strrstr(name, TEMP_MARK);
    if (mark == NULL)
        return 0;
    const char *p = mark + strlen(TEMP_MARK);
    long pid = 0;
    for (; g_ascii_isdigit(*p) && pid < 100000000; p++)
        pid = pid * 10 + (*p - '0');
    if (pid <= 0 || *p != '.' || strlen(p + 1) != TEMP_RANDOM)
        return 0;
    for (const char *r = p + 1; *r != '\0'; r++)
        if (!g_ascii_isalnum(*r))
            return 0;
    return pid;
}

/* Linux's getdents64 record (not in the C library's headers). */
struct linux_dirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

int
ts_out_remove_entry(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0)
        return 0;
    if (errno != EISDIR)
        return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(buf + off);
            off += d->d_reclen;
            const char *e = d->d_name;
            if (!(e[0] == '.' && (e[1] == '\0' || (e[1] == '.' && e[2] == '\0'))))
                unlinkat(fd, e, 0);
        }
    }
    close(fd);
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* True when process `pid` may still be writing. */
static bool
pid_alive(long pid)
{
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Appends the notice of a sweep that removed `removed` entries of `pids`. */
static void
add_notice(const char *dir, unsigned removed, GArray *pids)
{
    if (notices == NULL)
        notices = g_string_new(NULL);
    g_string_append_printf(notices, "%s: removed %u temporary file%s left by %s (%s ", dir, removed,
                           removed == 1 ? "" : "s",
                           pids->len > 1 ? "interrupted runs" : "an interrupted run",
                           pids->len > 1 ? "pids" : "pid");
    for (guint i = 0; i < pids->len; i++)
        g_string_append_printf(notices, "%s%ld", i > 0 ? ", " : "", g_array_index(pids, long, i));
    g_string_append(notices, ")\n");
}

/* Removes the dead runs' temporary entries of `dirfd`. */
static void
sweep_folder(int dirfd, const char *dir)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    g_autoptr(GPtrArray) dead = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(long));
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        long pid = ts_out_temp_name_pid(e->d_name);
        if (pid == 0 || pid_alive(pid))
            continue;
        g_ptr_array_add(dead, g_strdup(e->d_name));
        bool seen = false;
        for (guint i = 0; i < pids->len && !seen; i++)
            seen = g_array_index(pids, long, i) == pid;
        if (!seen)
            g_array_append_val(pids, pid);
    }
    unsigned removed = 0;
    for (guint i = 0; i < dead->len; i++)
        removed += ts_out_remove_entry(dirfd, g_ptr_array_index(dead, i)) == 0;
    closedir(d);
    if (removed > 0)
        add_notice(dir, removed, pids);
}

void
ts_out_sweep(int dirfd, const char *dir, bool ours)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0)
        return;
    char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    g_mutex_lock(&sweep_lock);
    if (swept == NULL)
        swept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (g_hash_table_contains(swept, key)) {
        g_free(key);
    } else {
        g_hash_table_add(swept, key);
        if (!ours)
            sweep_folder(dirfd, dir);
    }
    g_mutex_unlock(&sweep_lock);
}

char *
ts_out_take_notices(void)
{
    g_mutex_lock(&sweep_lock);
    char *text = notices != NULL && notices->len > 0 ? g_string_free(notices, FALSE) : NULL;
    if (text != NULL)
        notices = NULL;
    g_mutex_unlock(&sweep_lock);
    return text;
}
