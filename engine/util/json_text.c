/*
 * json_text.c — JSON text building blocks for the tcpsession command. Every
 * function appends to a GString and never allocates beyond growing it, so
 * writers can reuse one buffer per line.
 */
#include "json_text.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void
ts_json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        switch (c) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\b': g_string_append(out, "\\b"); break;
        case '\f': g_string_append(out, "\\f"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[7] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15], 0};
                g_string_append(out, esc);
            } else {
                g_string_append_c(out, (char)c);
            }
        }
    }
    g_string_append_c(out, '"');
}

void
ts_json_append_hex(GString *out, const uint8_t *data, size_t len)
{
    /* Two characters per byte from a 256-entry table, written in place. */
    static char table[256][2];
    static gsize table_ready = 0;
    if (g_once_init_enter(&table_ready)) {
        for (unsigned i = 0; i < 256; i++) {
            table[i][0] = hex_digits[i >> 4];
            table[i][1] = hex_digits[i & 15];
        }
        g_once_init_leave(&table_ready, 1);
    }
    if (len == 0)
        return;
    gsize start = out->len;
    g_string_set_size(out, start + 2 * len);
    char *dst = out->str + start;
    for (size_t i = 0; i < len; i++) {
        memcpy(dst, table[data[i]], 2);
        dst += 2;
    }
}

void
ts_json_append_uint(GString *out, uint64_t value)
{
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    g_string_append_len(out, p, (gssize)(buf + sizeof buf - p));
}

void
ts_json_append_seconds(GString *out, int64_t ns)
{
    /* Work on the magnitude as unsigned so INT64_MIN is fine too. */
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    if (ns < 0)
        g_string_append_c(out, '-');
    ts_json_append_uint(out, mag / 1000000000u);
    uint32_t frac = (uint32_t)(mag % 1000000000u);
    char digits[10];
    int n = 9;
    for (int i = 8; i >= 0; i--) {
        digits[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    g_string_append_c(out, '.');
    g_string_append_len(out, digits, n);
}

void
ts_json_append_endpoint(GString *out, const ts_endpoint *ep)
{
    char addr[TS_ADDRSTRLEN];
    g_string_append(out, "{\"ip\":");
    ts_json_append_string(out, ts_endpoint_address(ep, addr));
    g_string_append(out, ",\"port\":");
    ts_json_append_uint(out, ep->port);
    g_string_append_c(out, '}');
}

void
ts_json_append_direction(GString *out, ts_direction from)
{
    g_string_append(out, from == TS_FROM_CLIENT ? "\"client\"" : "\"server\"");
}
