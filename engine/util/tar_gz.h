/*
 * tar_gz.h — writing gzip-compressed tar archives (ustar) of regular files,
 * for the original command line's -c option.
 */
#ifndef TS_TAR_GZ_H
#define TS_TAR_GZ_H

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

/** Writes `archive` atomically as a gzip-compressed ustar archive holding
 *  the regular files `paths[i]` under the member names `names[i]` (n of
 *  each; names are relative, at most 255 bytes as ustar allows). False with
 *  `error` on failure. */
bool ts_tar_gz_write(const char *archive, const char *const *paths, const char *const *names,
                     size_t n, GError **error);

/** The regular files directly inside `dir`, sorted by name, as newly
 *  allocated names (NULL-terminated; empty when `dir` does not exist). */
char **ts_dir_files(const char *dir);

G_END_DECLS

#endif /* TS_TAR_GZ_H */
