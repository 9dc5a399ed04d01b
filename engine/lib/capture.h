/*
 * capture.h — reading frames from pcap and pcapng files (internal).
 *
 * Our own reader, not libpcap's: it reads pcapng whose interfaces have
 * different link types, gzip-compressed files, reports the byte offset of
 * any damage, and hands out frames without copying them (each frame points
 * into the reader's buffer until the next call). The format is detected from
 * the first bytes, never from the file name.
 */
#ifndef TS_CAPTURE_H
#define TS_CAPTURE_H

#include "tcpsession.h"

typedef struct ts_capture ts_capture;

/** One record as read from the file. `data` is borrowed until the next
 *  ts_capture_next() or ts_capture_close(). */
typedef struct {
    uint64_t number;      /* 1-based frame number across the whole file */
    uint64_t file_offset; /* offset of the record (uncompressed stream) */
    int linktype;         /* TS_LINKTYPE_* (tcpsession.h) of the record's interface */
    int64_t ts_ns;        /* nanoseconds since the epoch */
    uint32_t caplen;      /* bytes present in data */
    uint32_t origlen;     /* bytes on the wire */
    const uint8_t *data;
    bool no_packet; /* a pcapng block Wireshark numbers as a frame though it
                       carries no packet (Custom, Systemd Journal Export):
                       only number and file_offset are set */
} ts_capture_frame;

/** Opens `path`; "-" is standard input (named "stdin" in messages), as
 *  libpcap's pcap_open_offline("-"). An input that is not a regular file
 *  (pipe, FIFO, character device, socket) is read sequentially: never
 *  seeked nor mapped, through the read buffer, gzip included. Returns NULL and sets `error`
 *  (TS_ERROR_IO or TS_ERROR_FORMAT, message naming the file) on failure.
 *  The caller owns the result; free it with ts_capture_close(). */
ts_capture *ts_capture_open(const char *path, GError **error);

/** ts_capture_open(), mapping a plain regular file only when `map` (which
 *  installs the SIGBUS guard, see capture.c); else it is read(). */
ts_capture *ts_capture_open_with(const char *path, bool map, GError **error);

/** Reads the next frame. Returns 1 with `frame` filled, 0 at the end of the
 *  file, -1 on damage (sets `error`, TS_ERROR_CORRUPT, message
 *  "FILE: offset N: REASON"). A last record cut short ends the file with 0
 *  and a warning (see ts_capture_warning). Records that carry no packet
 *  (pcapng section, interface, statistics, name blocks...) are consumed
 *  silently. */
int ts_capture_next(ts_capture *cap, ts_capture_frame *frame, GError **error);

/** Warning about how the file ended ("FILE: offset N: last record
 *  truncated: ..."), or NULL. Owned by the reader. */
const char *ts_capture_warning(const ts_capture *cap);

/** Bytes of the (uncompressed) file consumed so far. */
uint64_t ts_capture_offset(const ts_capture *cap);

/** Name of the detected format: "pcap", "pcapng", with " (gzip)" when
 *  compressed. Owned by the reader. */
const char *ts_capture_format(const ts_capture *cap);

/** Wall time without input after which a sequential input's quiet hook is
 *  called (and again after each such period while no byte comes). */
#define TS_CAPTURE_QUIET_MS 200

/** Called from inside ts_capture_next() while a sequential input delivers
 *  nothing for TS_CAPTURE_QUIET_MS; no frame is in use then. Returns true to
 *  go on waiting, false to end the input there (as its end, without a
 *  "truncated" warning). */
typedef bool (*ts_capture_quiet_fn)(void *user);

/** Sets the quiet hook (NULL: none). Never called for a regular file. */
void ts_capture_on_quiet(ts_capture *cap, ts_capture_quiet_fn fn, void *user);

/** True when the input is read sequentially (not a regular file). */
bool ts_capture_is_sequential(const ts_capture *cap);

/** The name messages give the input: its path, or "stdin" for "-".
 *  Owned by the reader. */
const char *ts_capture_name(const ts_capture *cap);

/** Closes the file and frees the reader. NULL is allowed. */
void ts_capture_close(ts_capture *cap);

#endif /* TS_CAPTURE_H */
