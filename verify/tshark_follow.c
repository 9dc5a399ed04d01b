/*
 * tshark_follow.c — tshark's Follow TCP Stream in raw mode: builds the
 * command line for one run over many streams (`-q -z follow,tcp,raw,N` per
 * stream) and parses what it prints, block by block:
 *
 *     ===================================================================
 *     Follow: tcp,raw
 *     Filter: tcp.stream eq 10
 *     Node 0: 10.0.0.1:1234                 (or [2001:db8::1]:1234, or ":0")
 *     Node 1: 10.0.0.2:80
 *     48656c6c6f                            one hex line per chunk of node 0
 *     \t576f726c64                          chunks of node 1 start with a tab
 *     ===================================================================
 *
 * Blocks come in reverse order of the -z arguments; each is keyed by its
 * stream number. Gaps the receiver acknowledged appear in the data itself as
 * "[N bytes missing in capture file]" followed by a NUL (see
 * vf_missing_text); the parser does not interpret them.
 */
#include "verify_internal.h"

#include "util/tshark_text.h"

#include <stdio.h>
#include <string.h>

struct vf_follow_parser {
    GHashTable *streams; /* stream -> vf_follow* */
    vf_follow *current;
    uint64_t bad;
};

void
vf_follow_free(gpointer p)
{
    vf_follow *f = p;
    g_byte_array_unref(f->data[0]);
    g_byte_array_unref(f->data[1]);
    g_free(f);
}

vf_follow_parser *
vf_follow_parser_new(void)
{
    vf_follow_parser *p = g_new0(vf_follow_parser, 1);
    p->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, vf_follow_free);
    return p;
}

/* Decodes a line of hex digits onto `out`; false (nothing appended) when the
 * line is not an even number of hex digits. */
static bool
append_hex_line(GByteArray *out, const char *text, size_t len)
{
    if (len % 2 != 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(text[i]))
            return false;
    }
    guint start = out->len;
    g_byte_array_set_size(out, start + (guint)(len / 2));
    for (size_t i = 0; i < len; i += 2)
        out->data[start + i / 2] =
            (uint8_t)(g_ascii_xdigit_value(text[i]) << 4 | g_ascii_xdigit_value(text[i + 1]));
    return true;
}

void
vf_follow_parser_line(void *user, const char *line, size_t len)
{
    vf_follow_parser *p = user;
    if (len == 0)
        return;
    if (g_str_has_prefix(line, "=====")) {
        p->current = NULL; /* a block starts or ends */
        return;
    }
    if (g_str_has_prefix(line, "Follow:"))
        return;
    if (g_str_has_prefix(line, "Filter: tcp.stream eq ")) {
        char *end = NULL;
        guint64 stream = g_ascii_strtoull(line + 22, &end, 10);
        if (end == line + 22) {
            p->bad++;
            return;
        }
        vf_follow *f = g_new0(vf_follow, 1);
        f->stream = stream;
        f->data[0] = g_byte_array_new();
        f->data[1] = g_byte_array_new();
        g_hash_table_replace(p->streams, &f->stream, f);
        p->current = f;
        return;
    }
    if (p->current == NULL) {
        p->bad++;
        return;
    }
    if (g_str_has_prefix(line, "Node 0: ") || g_str_has_prefix(line, "Node 1: ")) {
        int node = line[5] - '0';
        p->current->has_nodes = vf_endpoint_parse(line + 8, &p->current->node[node]);
        return;
    }
    int node = line[0] == '\t' ? 1 : 0;
    if (!append_hex_line(p->current->data[node], line + node, len - (size_t)node))
        p->bad++;
}

GHashTable *
vf_follow_parser_finish(vf_follow_parser *p, uint64_t *bad)
{
    GHashTable *streams = p->streams;
    if (bad != NULL)
        *bad = p->bad;
    g_free(p);
    return streams;
}

char **
vf_follow_argv(const char *capture, const uint64_t *streams, size_t n)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, g_strdup(vf_tool_program(VF_TOOL_TSHARK)));
    g_ptr_array_add(argv, g_strdup("-n"));
    g_ptr_array_add(argv, g_strdup("-r"));
    g_ptr_array_add(argv, g_strdup(capture));
    g_ptr_array_add(argv, g_strdup("-q"));
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_add(argv, g_strdup("-z"));
        g_ptr_array_add(argv, g_strdup_printf("follow,tcp,raw,%" G_GUINT64_FORMAT, streams[i]));
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

size_t
vf_missing_text(uint64_t n, char *buf, size_t size)
{
    /* tshark 4.0 check_follow_fragments(): the text and its terminating NUL. */
    return ts_missing_bytes_text(n, buf, size);
}
