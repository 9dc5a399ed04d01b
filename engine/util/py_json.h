/*
 * py_json.h — text exactly as the original Python tcpsession produced it:
 * payload bytes decoded like `bytes.decode("utf-8", "backslashreplace")`
 * (bytes that are not valid UTF-8 become the four characters \xNN) and
 * strings serialised like `json.dump(..., ensure_ascii=True)` (printable ASCII
 * kept, `"` and `\` escaped, \b \f \n \r \t short escapes, every other code
 * point \uXXXX in lowercase hex, astral ones as surrogate pairs).
 */
#ifndef TS_PY_JSON_H
#define TS_PY_JSON_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/** Appends the UTF-8 text that Python's decode("utf-8", "backslashreplace")
 *  gives for `len` bytes of `data`. */
void ts_py_decode_append(GString *out, const uint8_t *data, size_t len);

/** Appends, without quotes, the JSON string body Python writes for that
 *  decoded text (ensure_ascii=True). */
void ts_py_json_append_decoded(GString *out, const uint8_t *data, size_t len);

/** Appends `text` (valid UTF-8) as a quoted Python JSON string. */
void ts_py_json_append_string(GString *out, const char *text);

G_END_DECLS

#endif /* TS_PY_JSON_H */
