/*
 * py_json.c — Python's strict UTF-8 decoder with the backslashreplace error
 * handler, and Python's JSON string escaping with ensure_ascii=True.
 *
 * The decoder is byte-wise: at each position it accepts one complete, valid
 * UTF-8 sequence (no overlong forms, no surrogates, nothing above U+10FFFF)
 * or else replaces that single byte by \xNN. Python replaces a maximal
 * invalid subpart at once, but such a subpart consists of a lead byte and
 * continuation bytes, none of which can start a valid sequence, so replacing
 * byte by byte gives the same text.
 */
#include "py_json.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

/* Decodes one code point at data[*i]; returns it and advances *i, or returns
 * -1 (leaving *i) when the byte there does not start a valid sequence. */
static int32_t
next_code_point(const uint8_t *data, size_t len, size_t *i)
{
    size_t p = *i;
    uint8_t b = data[p];
    if (b < 0x80) {
        *i = p + 1;
        return b;
    }
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    int32_t cp;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else {
        return -1;
    }
    if (len - p - 1 < need)
        return -1;
    for (size_t k = 1; k <= need; k++) {
        uint8_t c = data[p + k];
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf))
            return -1;
        cp = (cp << 6) | (c & 0x3f);
    }
    *i = p + 1 + need;
    return cp;
}

void
ts_py_decode_append(GString *out, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        int32_t cp = next_code_point(data, len, &i);
        if (cp >= 0) {
            g_string_append_len(out, (const char *)data + start, (gssize)(i - start));
        } else {
            char esc[4] = {'\\', 'x', hex_digits[data[i] >> 4], hex_digits[data[i] & 15]};
            g_string_append_len(out, esc, 4);
            i++;
        }
    }
}

static void
append_u_escape(GString *out, uint32_t unit)
{
    char esc[6] = {'\\',
                   'u',
                   hex_digits[(unit >> 12) & 15],
                   hex_digits[(unit >> 8) & 15],
                   hex_digits[(unit >> 4) & 15],
                   hex_digits[unit & 15]};
    g_string_append_len(out, esc, 6);
}

static void
append_escaped_code_point(GString *out, uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7f) {
        if (cp == '"' || cp == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, (char)cp);
        return;
    }
    switch (cp) {
    case '\b': g_string_append(out, "\\b"); return;
    case '\f': g_string_append(out, "\\f"); return;
    case '\n': g_string_append(out, "\\n"); return;
    case '\r': g_string_append(out, "\\r"); return;
    case '\t': g_string_append(out, "\\t"); return;
    default: break;
    }
    if (cp < 0x10000) {
        append_u_escape(out, cp);
    } else {
        uint32_t v = cp - 0x10000;
        append_u_escape(out, 0xd800 | (v >> 10));
        append_u_escape(out, 0xdc00 | (v & 0x3ff));
    }
}

void
ts_py_json_append_decoded(GString *out, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* fast path: a run of printable ASCII without quote or backslash */
        size_t run = i;
        while (run < len && data[run] >= 0x20 && data[run] < 0x7f && data[run] != '"' &&
               data[run] != '\\')
            run++;
        if (run > i) {
            g_string_append_len(out, (const char *)data + i, (gssize)(run - i));
            i = run;
            continue;
        }
        int32_t cp = next_code_point(data, len, &i);
        if (cp >= 0) {
            append_escaped_code_point(out, (uint32_t)cp);
        } else {
            /* "\xNN" with its backslash escaped */
            char esc[5] = {'\\', '\\', 'x', hex_digits[data[i] >> 4], hex_digits[data[i] & 15]};
            g_string_append_len(out, esc, 5);
            i++;
        }
    }
}

void
ts_py_json_append_string(GString *out, const char *text)
{
    g_string_append_c(out, '"');
    ts_py_json_append_decoded(out, (const uint8_t *)text, strlen(text));
    g_string_append_c(out, '"');
}
