/*
 * follow_text.c — tshark 4.0's Follow TCP Stream text (ui/cli/tap-follow.c),
 * reproduced from its observable output:
 *
 *   ascii  "<len>\n" (node 1: "\t<len>\n"), the bytes with everything but
 *          printable ASCII, \r and \n shown as '.', then "\n"
 *   hex    16 bytes per line: offset "%08X" (the node's running count), two
 *          spaces, lowercase hex pairs with an extra space after the 8th,
 *          the printable bytes (others '.') with a space after the 8th, the
 *          line's trailing space removed; node 1 lines start with a tab
 *   raw    one line of lowercase hex per record; node 1 lines start with a tab
 *   yaml   "peers:" then "packets:" with packet, peer, timestamp ("%.9f" of
 *          the time as a double, as tshark computes it) and the data in
 *          base64, 57 bytes (76 characters) per line
 *
 * Non-yaml output is framed by a blank line and lines of 67 '='.
 */
#include "follow_text.h"

#include <string.h>

#define SEPARATOR "===================================================================\n"

static const char hex_digits[] = "0123456789abcdef";

bool
ts_follow_mode_parse(const char *text, ts_follow_mode *mode)
{
    static const char *const names[] = {"ascii", "hex", "raw", "yaml"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(text, names[i]) == 0) {
            *mode = (ts_follow_mode)i;
            return true;
        }
    }
    return false;
}

static const char *
mode_name(ts_follow_mode mode)
{
    switch (mode) {
    case TS_FOLLOW_ASCII: return "ascii";
    case TS_FOLLOW_HEX: return "hex";
    case TS_FOLLOW_RAW: return "raw";
    case TS_FOLLOW_YAML: return "yaml";
    }
    return "ascii";
}

void
ts_follow_append_header(GString *out, ts_follow_mode mode, uint64_t stream,
                        const ts_endpoint *const node[2])
{
    char addr[2][TS_ADDRSTRLEN] = {"", ""};
    unsigned port[2] = {0, 0};
    bool v6[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        if (node == NULL || node[i] == NULL)
            continue;
        ts_endpoint_address(node[i], addr[i]);
        port[i] = node[i]->port;
        v6[i] = node[i]->family == 6;
    }
    if (mode == TS_FOLLOW_YAML) {
        g_string_append(out, "peers:\n");
        for (int i = 0; i < 2; i++)
            g_string_append_printf(out, "  - peer: %d\n    host: %s\n    port: %u\n", i, addr[i],
                                   port[i]);
        g_string_append(out, "packets:\n");
        return;
    }
    g_string_append_printf(
        out, "\n" SEPARATOR "Follow: tcp,%s\nFilter: tcp.stream eq %" G_GUINT64_FORMAT "\n",
        mode_name(mode), stream);
    for (int i = 0; i < 2; i++)
        g_string_append_printf(out, v6[i] ? "Node %d: [%s]:%u\n" : "Node %d: %s:%u\n", i, addr[i],
                               port[i]);
}

static void
append_hex_dump(GString *out, const char *prefix, uint32_t offset, const uint8_t *data, size_t len)
{
    enum { HEX_START = 10, ASCII_START = 10 + 48 + 2, LINE_LEN = ASCII_START + 17 };
    char line[LINE_LEN + 1];
    size_t jj = 0, kk = 0;
    for (size_t ii = 0; ii < len;) {
        if (ii % 16 == 0) {
            g_snprintf(line, sizeof line, "%08X", offset);
            memset(line + 8, ' ', LINE_LEN - 8);
            jj = HEX_START;
            kk = ASCII_START;
        }
        uint8_t v = data[ii];
        line[jj++] = hex_digits[v >> 4];
        line[jj++] = hex_digits[v & 15];
        jj++;
        line[kk++] = v >= ' ' && v < 0x7f ? (char)v : '.';
        if (++ii % 16 == 8) {
            line[jj++] = ' ';
            line[kk++] = ' ';
        }
        if (ii % 16 == 0 || ii == len) {
            if (line[kk - 1] == ' ')
                kk--;
            g_string_append(out, prefix);
            g_string_append_len(out, line, (gssize)kk);
            g_string_append_c(out, '\n');
            offset += 16;
        }
    }
}

void
ts_follow_append_record(GString *out, ts_follow_mode mode, int node, uint64_t frame, int64_t ts_ns,
                        const uint8_t *data, size_t len, uint32_t *pos)
{
    const char *prefix = node ? "\t" : "";
    switch (mode) {
    case TS_FOLLOW_ASCII:
        g_string_append_printf(out, "%s%u\n", prefix, (unsigned)len);
        for (size_t i = 0; i < len; i++) {
            uint8_t c = data[i];
            g_string_append_c(out,
                              c == '\r' || c == '\n' || (c >= 0x20 && c < 0x7f) ? (char)c : '.');
        }
        g_string_append_c(out, '\n');
        break;
    case TS_FOLLOW_HEX: append_hex_dump(out, prefix, *pos, data, len); break;
    case TS_FOLLOW_RAW:
        g_string_append(out, prefix);
        for (size_t i = 0; i < len; i++) {
            g_string_append_c(out, hex_digits[data[i] >> 4]);
            g_string_append_c(out, hex_digits[data[i] & 15]);
        }
        g_string_append_c(out, '\n');
        break;
    case TS_FOLLOW_YAML: {
        /* tshark: nstime_to_sec() then "%.9f" */
        int64_t sec = ts_ns / 1000000000, nsec = ts_ns % 1000000000;
        if (nsec < 0) {
            nsec += 1000000000;
            sec--;
        }
        double seconds = (double)sec + (double)nsec / 1000000000.0;
        g_string_append_printf(out,
                               "  - packet: %" G_GUINT64_FORMAT
                               "\n    peer: %d\n    timestamp: %.9f\n    data: !!binary |\n",
                               frame, node, seconds);
        for (size_t i = 0; i < len; i += 57) {
            size_t n = MIN((size_t)57, len - i);
            char b64[96]; /* 76 characters for 57 bytes */
            gint state = 0, save = 0;
            gsize k = g_base64_encode_step(data + i, n, FALSE, b64, &state, &save);
            k += g_base64_encode_close(FALSE, b64 + k, &state, &save);
            g_string_append(out, "      ");
            g_string_append_len(out, b64, (gssize)k);
            g_string_append_c(out, '\n');
        }
        break;
    }
    }
    *pos += (uint32_t)len;
}

void
ts_follow_append_footer(GString *out, ts_follow_mode mode)
{
    if (mode != TS_FOLLOW_YAML)
        g_string_append(out, SEPARATOR);
}
