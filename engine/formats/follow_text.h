/*
 * follow_text.h — the text tshark 4.0 prints for `-q -z follow,tcp,MODE,N`
 * (modes ascii, hex, raw and yaml), byte for byte: the header with the two
 * nodes, one record per chunk of data, the footer.
 */
#ifndef TS_FOLLOW_TEXT_H
#define TS_FOLLOW_TEXT_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef enum {
    TS_FOLLOW_ASCII = 0,
    TS_FOLLOW_HEX,
    TS_FOLLOW_RAW,
    TS_FOLLOW_YAML,
} ts_follow_mode;

/** Parses "ascii", "hex", "raw" or "yaml"; false otherwise. */
bool ts_follow_mode_parse(const char *text, ts_follow_mode *mode);

/** Appends the header. `node` holds node 0 (the sender of the stream's first
 *  packet) and node 1, or NULL when the stream has no packet ("Node 0: :0"). */
void ts_follow_append_header(GString *out, ts_follow_mode mode, uint64_t stream,
                             const ts_endpoint *const node[2]);

/** Appends one record of `len` (> 0) bytes sent by `node` (0 or 1), carried
 *  by `frame` at `ts_ns`. `pos` is the node's byte position (hex mode's
 *  offset column) and is advanced by `len` (wrapping at 2^32 as tshark's). */
void ts_follow_append_record(GString *out, ts_follow_mode mode, int node, uint64_t frame,
                             int64_t ts_ns, const uint8_t *data, size_t len, uint32_t *pos);

/** Appends the footer (a separator line; nothing in yaml mode). */
void ts_follow_append_footer(GString *out, ts_follow_mode mode);

G_END_DECLS

#endif /* TS_FOLLOW_TEXT_H */
