/*
 * legacy_json.h — writing one session as the original's JSON file, from the
 * list of packets the original would have kept (internal to out_legacy.c and
 * its tests).
 */
#ifndef TS_LEGACY_JSON_H
#define TS_LEGACY_JSON_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/** One `[src_ip, N, payload]` entry: bytes [pos, pos+len) of direction
 *  `from`'s delivered payload, carried by the tuple's N-th packet (capture
 *  frame `frame`). */
typedef struct {
    uint64_t frame;
    uint64_t n;
    uint64_t pos;
    uint64_t len;
    ts_direction from;
} ts_legacy_entry;

/** Writes the JSON file of `s` to `path` atomically: the original's keys in
 *  the original's order and format (json.dump indent=1, no final newline),
 *  then ours ("stream", "gaps", "anomalies"). When `text` is not NULL,
 *  text[0] and text[1] receive the decoded client and server texts (the
 *  combined_*_payload strings before JSON escaping). */
bool ts_legacy_write_file(const char *path, const ts_session *s, const ts_legacy_entry *entries,
                          size_t n, GString *text[2], GError **error);

/** Appends the decoded client and server texts (the combined_*_payload
 *  strings before JSON escaping) of `s` to text[0] and text[1], without
 *  writing a file. */
void ts_legacy_decode_texts(const ts_session *s, const ts_legacy_entry *entries, size_t n,
                            GString *text[2]);

G_END_DECLS

#endif /* TS_LEGACY_JSON_H */
