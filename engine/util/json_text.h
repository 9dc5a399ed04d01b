/*
 * json_text.h — small, fast helpers that append JSON text to a GString: string
 * escaping, lowercase hex, integers, nanosecond timestamps as seconds and
 * endpoint objects. Used by every output of the tcpsession command.
 */
#ifndef TS_JSON_TEXT_H
#define TS_JSON_TEXT_H

#include "tcpsession.h"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/** Appends `s` as a quoted JSON string; control characters become \uXXXX (or
 *  the short escapes \n, \t, ...); other bytes are copied unchanged. */
void ts_json_append_string(GString *out, const char *s);

/** Appends `len` bytes of `data` as lowercase hexadecimal (no quotes). */
void ts_json_append_hex(GString *out, const uint8_t *data, size_t len);

/** Appends an unsigned decimal integer. */
void ts_json_append_uint(GString *out, uint64_t value);

/** Appends nanoseconds since the epoch as a JSON number of seconds:
 *  "SEC.FRACTION", trailing zeros of the fraction trimmed, at least one
 *  fractional digit (1700000000.0, 1286462353.96, -0.5). */
void ts_json_append_seconds(GString *out, int64_t ns);

/** Appends {"ip":"<address>","port":N} for `ep`. */
void ts_json_append_endpoint(GString *out, const ts_endpoint *ep);

/** Appends "client" or "server" (quoted) for a direction. */
void ts_json_append_direction(GString *out, ts_direction from);

G_END_DECLS

#endif /* TS_JSON_TEXT_H */
