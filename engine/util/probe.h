/*
 * probe.h — recognising a capture file by its content, never by its name
 * (as libpcap does, through a table of header checkers): pcap in both byte
 * orders with microsecond, nanosecond or the modified (Kuznetzov) header,
 * pcapng, either of them gzip-compressed. Also the file-name test of the
 * original tool's -i, kept here so that every check of "is this a capture"
 * lives in one file.
 */
#ifndef TS_PROBE_H
#define TS_PROBE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/** Container formats. */
typedef enum {
    TS_PROBE_UNKNOWN = 0,
    TS_PROBE_PCAP,
    TS_PROBE_PCAPNG,
} ts_probe_format;

/** What the first bytes of a (decompressed) capture say. */
typedef struct {
    ts_probe_format format;
    bool big_endian; /* byte order of the header (pcapng: of the section) */
    bool nanosecond; /* pcap: nanosecond time stamps (magic a1b23c4d) */
    bool modified;   /* pcap: the modified format (magic a1b2cd34) */
} ts_probe_info;

/** Recognises the first `n` bytes of a decompressed capture: true with
 *  *info (may be NULL) filled when they start with a pcap or pcapng magic
 *  (4 bytes suffice; pcapng's byte order needs 12), else false with
 *  info->format TS_PROBE_UNKNOWN. */
bool ts_probe_header(const uint8_t *head, size_t n, ts_probe_info *info);

/** True when the `n` bytes at `head` start with gzip's magic (1f 8b). */
bool ts_probe_is_gzip(const uint8_t *head, size_t n);

/** Reads up to `size` bytes from the start of `path` as stored (no
 *  decompression) into `buf` (caller-owned); the count, or -1 when the file
 *  cannot be opened. */
gssize ts_probe_read_file_head(const char *path, uint8_t *buf, size_t size);

/** True when the file at `path` is gzip-compressed (false when unreadable). */
bool ts_probe_file_is_gzip(const char *path);

/** Reads up to `size` bytes from the start of the capture at `path`,
 *  decompressed when it is gzip, into `buf`. Returns the count; 0 when the
 *  file cannot be read or its compressed data is damaged before `size`
 *  bytes (a file shorter than 2 bytes gives what it holds). */
size_t ts_probe_read_capture_head(const char *path, uint8_t *buf, size_t size);

/** True when `path` holds a pcap or pcapng capture, gzip-compressed or not. */
bool ts_probe_is_capture(const char *path);

/** The captures (by content, ts_probe_is_capture()) in folder `dir`, and
 *  with `recursive` in the folders below it (symbolic links to folders are
 *  not followed): each folder's entries in byte order of their names, a
 *  folder's captures in its place. Paths are `dir`/...; the caller frees
 *  the array (it frees its strings). Empty when `dir` cannot be read. */
GPtrArray *ts_probe_list_captures(const char *dir, bool recursive);

/** Snapshot length of the capture whose first `n` decompressed bytes are
 *  `head`: the pcap header's, or the first pcapng interface's when it lies
 *  within `n`; 0 when unknown. */
uint32_t ts_probe_snaplen(const uint8_t *head, size_t n);

/** ts_probe_snaplen() of the first 512 bytes of the capture at `path`. */
uint32_t ts_probe_capture_snaplen(const char *path);

/** True for the names the original tool's -i took as captures: ending in
 *  .pcap, .pcapng or .cap, optionally followed by .gz (any case). */
bool ts_probe_capture_name(const char *name);

G_END_DECLS

#endif /* TS_PROBE_H */
