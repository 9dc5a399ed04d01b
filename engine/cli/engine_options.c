/*
 * engine_options.c — the reassembly options every command that reads a
 * capture takes (extract, ls, follow): one table of option entries, one
 * parser from their texts into ts_options, one set of messages.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "first", "last" or "linux" into *policy; false for anything else. */
static bool
parse_overlap(const char *text, ts_overlap_policy *policy)
{
    if (strcmp(text, "first") == 0)
        *policy = TS_OVERLAP_FIRST;
    else if (strcmp(text, "last") == 0)
        *policy = TS_OVERLAP_LAST;
    else if (strcmp(text, "linux") == 0)
        *policy = TS_OVERLAP_LINUX;
    else
        return false;
    return true;
}

/* Parses a byte count with an optional binary suffix (K, M, G; "KiB" too). */
bool
ts_cli_parse_size(const char *text, size_t *size)
{
    char *end = NULL;
    if (!g_ascii_isdigit(text[0]))
        return false;
    errno = 0;
    guint64 value = g_ascii_strtoull(text, &end, 10);
    if (errno != 0)
        return false;
    unsigned shift = 0;
    switch (g_ascii_toupper(*end)) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    default: break;
    }
    if (shift != 0) {
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B')
            end++;
    } else if (*end == 'B') {
        end++;
    }
    if (*end != '\0' || value > (G_MAXSIZE >> shift))
        return false;
    *size = (size_t)(value << shift);
    return true;
}

/* Parses a non-negative number of seconds ("30", "0.5"). */
static bool
parse_seconds(const char *text, double *seconds)
{
    char *end = NULL;
    if (!g_ascii_isdigit(text[0]))
        return false;
    errno = 0;
    double value = g_ascii_strtod(text, &end);
    if (errno != 0 || *end != '\0' || !(value >= 0 && value < 1e12))
        return false;
    *seconds = value;
    return true;
}

/* --tunnel-port "vxlan=4789,gtpu=0": sets the named ports of `opts`;
 * false on a syntax error or an unknown kind. */
static bool
parse_tunnel_ports(const char *text, ts_options *opts)
{
    g_auto(GStrv) items = g_strsplit(text, ",", -1);
    for (char **it = items; *it != NULL; it++) {
        const char *eq = strchr(*it, '=');
        char *end;
        if (eq == NULL || eq[1] == '\0' || !g_ascii_isdigit(eq[1]))
            return false;
        unsigned long port = strtoul(eq + 1, &end, 10);
        if (*end != '\0' || port > 65535)
            return false;
        size_t klen = (size_t)(eq - *it);
        uint16_t *field = klen == 5 && strncmp(*it, "vxlan", 5) == 0    ? &opts->vxlan_port
                          : klen == 6 && strncmp(*it, "geneve", 6) == 0 ? &opts->geneve_port
                          : klen == 4 && strncmp(*it, "gtpu", 4) == 0   ? &opts->gtpu_port
                          : klen == 6 && strncmp(*it, "teredo", 6) == 0 ? &opts->teredo_port
                                                                        : NULL;
        if (field == NULL)
            return false;
        *field = (uint16_t)port;
    }
    return true;
}

/* The entries for `a` into `rows` (TS_CLI_ENGINE_ENTRIES of them, the last
 * the terminator); see cli.h. */
const GOptionEntry *
ts_cli_engine_entries(ts_cli_engine_args *a, bool with_memory, GOptionEntry *rows)
{
    const GOptionEntry all[TS_CLI_ENGINE_ENTRIES] = {
        {"overlap", 0, 0, G_OPTION_ARG_STRING, &a->overlap,
         "Which copy of overlapping bytes wins (TCP segments and IP fragments): first "
         "(default), last or linux",
         "POLICY"},
        {"verify-checksums", 0, 0, G_OPTION_ARG_NONE, &a->verify,
         "Drop segments whose TCP checksum is wrong", NULL},
        {"max-buffer", 0, 0, G_OPTION_ARG_STRING, &a->max_buffer,
         "Memory for out-of-order bytes per direction, each segment's overhead included "
         "(a 1-byte segment takes 112 bytes); beyond it the lowest hole is declared a gap "
         "(suffix K, M, G; at least 1; default 64M)",
         "BYTES"},
        {"ip-fragment-timeout", 0, 0, G_OPTION_ARG_STRING, &a->frag_timeout,
         "Seconds of capture time after its first fragment an incomplete IP datagram is "
         "dropped (0 = never; default 30, as Linux)",
         "SECONDS"},
        {"ip-fragment-memory", 0, 0, G_OPTION_ARG_STRING, &a->frag_memory,
         "Memory for the fragments of incomplete IP datagrams; beyond it the oldest are dropped "
         "(suffix K, M, G; 0 = no limit; default 4M, as Linux)",
         "BYTES"},
        {"retransmission-window", 0, 0, G_OPTION_ARG_STRING, &a->rexmit_window,
         "Bytes that arrive again are compared with the delivered copy among the last BYTES "
         "of their direction; older ones are unchecked_retransmission anomalies (suffix K, M, "
         "G; 0 = no limit; default 1M)",
         "BYTES"},
        {"retransmission-acked", 0, 0, G_OPTION_ARG_STRING, &a->rexmit_acked,
         "Bytes that arrive again are compared only when at most BYTES below what the "
         "receiver acknowledged; older ones are unchecked_retransmission anomalies (suffix K, "
         "M, G; 0 = no limit; default 16K)",
         "BYTES"},
        {"tunnel-port", 0, 0, G_OPTION_ARG_STRING, &a->tunnel_ports,
         "UDP ports that select a UDP tunnel, as KIND=PORT,... (kinds vxlan, geneve, gtpu, "
         "teredo; PORT 0: not followed; default vxlan=4789,geneve=6081,gtpu=2152,teredo=3544)",
         "LIST"},
        {"close-linger", 0, 0, G_OPTION_ARG_STRING, &a->close_linger,
         "Seconds of capture time a closed (FIN/RST) session keeps taking late packets before "
         "it is finished and written; on a quiet pipe the same wall time (default 60)",
         "SECONDS"},
        {"idle-timeout", 0, 0, G_OPTION_ARG_STRING, &a->idle_timeout,
         "Seconds of capture time without a packet after which an open session is finished and "
         "written; on a quiet pipe the same wall time (0 = never; default 0)",
         "SECONDS"},
        {"max-session-memory", 0, 0, G_OPTION_ARG_STRING, &a->session_memory,
         "Memory for the state of all sessions (out-of-order data included, not kept "
         "payload); beyond it the sessions idle longest are finished early (close evicted) "
         "and a later packet of theirs starts a new session (suffix K, M, G; 0 = no limit; "
         "default 64M)",
         "BYTES"},
        {"max-memory", 0, 0, G_OPTION_ARG_STRING, &a->max_memory,
         "Memory for the bytes of sessions still open; beyond it they go to a temporary file "
         "in $TMPDIR (suffix K, M, G; 0 = no limit; default 32M)",
         "BYTES"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    memcpy(rows, all, sizeof all);
    if (!with_memory) /* --max-memory is the row before the terminator */
        rows[TS_CLI_ENGINE_ENTRIES - 2] = rows[TS_CLI_ENGINE_ENTRIES - 1];
    return rows;
}

/* Prints "tcpsession: <fmt with value>" and the --help hint of `command`. */
static bool
option_error(const char *command, const char *fmt, const char *value)
{
    fputs("tcpsession: ", stderr);
    fprintf(stderr, fmt, value);
    fprintf(stderr, "\nTry 'tcpsession %s --help' for more information.\n", command);
    return false;
}

/* Applies the texts of `a` to `opts`; see cli.h. */
bool
ts_cli_engine_apply(const ts_cli_engine_args *a, const char *command, ts_options *opts)
{
    opts->verify_checksums = opts->verify_checksums || a->verify;
    if (a->overlap != NULL && !parse_overlap(a->overlap, &opts->overlap))
        return option_error(command, "unknown overlap policy '%s' (expected first, last or linux)",
                            a->overlap);
    if (a->max_buffer != NULL && !ts_cli_parse_size(a->max_buffer, &opts->max_buffered_bytes))
        return option_error(command, "invalid byte count '%s' for --max-buffer", a->max_buffer);
    if (a->max_buffer != NULL && opts->max_buffered_bytes == 0)
        return option_error(command,
                            "--max-buffer must be at least 1 byte (got '%s'; for no per-direction "
                            "limit give a size as large as --max-session-memory)",
                            a->max_buffer);
    if (a->session_memory != NULL &&
        !ts_cli_parse_size(a->session_memory, &opts->max_session_memory))
        return option_error(command, "invalid byte count '%s' for --max-session-memory",
                            a->session_memory);
    if (a->max_memory != NULL && !ts_cli_parse_size(a->max_memory, &opts->max_payload_memory))
        return option_error(command, "invalid byte count '%s' for --max-memory", a->max_memory);
    if (a->frag_timeout != NULL && !parse_seconds(a->frag_timeout, &opts->ip_fragment_timeout))
        return option_error(command, "invalid number of seconds '%s' for --ip-fragment-timeout",
                            a->frag_timeout);
    if (a->frag_memory != NULL && !ts_cli_parse_size(a->frag_memory, &opts->ip_fragment_memory))
        return option_error(command, "invalid byte count '%s' for --ip-fragment-memory",
                            a->frag_memory);
    if (a->rexmit_window != NULL &&
        !ts_cli_parse_size(a->rexmit_window, &opts->retransmission_window))
        return option_error(command, "invalid byte count '%s' for --retransmission-window",
                            a->rexmit_window);
    if (a->rexmit_acked != NULL && !ts_cli_parse_size(a->rexmit_acked, &opts->retransmission_acked))
        return option_error(command, "invalid byte count '%s' for --retransmission-acked",
                            a->rexmit_acked);
    if (a->close_linger != NULL && !parse_seconds(a->close_linger, &opts->close_linger))
        return option_error(command, "invalid number of seconds '%s' for --close-linger",
                            a->close_linger);
    if (a->idle_timeout != NULL && !parse_seconds(a->idle_timeout, &opts->idle_timeout))
        return option_error(command, "invalid number of seconds '%s' for --idle-timeout",
                            a->idle_timeout);
    if (a->tunnel_ports != NULL && !parse_tunnel_ports(a->tunnel_ports, opts))
        return option_error(command,
                            "invalid --tunnel-port '%s' (expected KIND=PORT,... with KIND vxlan, "
                            "geneve, gtpu or teredo)",
                            a->tunnel_ports);
    return true;
}

/* Frees the texts of `a`. */
void
ts_cli_engine_args_clear(ts_cli_engine_args *a)
{
    g_free(a->overlap);
    g_free(a->max_buffer);
    g_free(a->max_memory);
    g_free(a->frag_timeout);
    g_free(a->frag_memory);
    g_free(a->tunnel_ports);
    g_free(a->rexmit_window);
    g_free(a->rexmit_acked);
    g_free(a->close_linger);
    g_free(a->idle_timeout);
    g_free(a->session_memory);
    *a = (ts_cli_engine_args){0};
}
