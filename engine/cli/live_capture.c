/*
 * live_capture.c — what `extract -i` and `ls -i` share: the live capture
 * options (-i, --snaplen, --no-promisc, --buffer-size), opening the
 * interface with its messages, and running the capture until SIGINT or
 * SIGTERM, whose first arrival means "finish every session and write it"
 * (a second one ends the process, removing temporary files, as without
 * -i), then the packet counts line.
 */
#include "cli.h"

#include "util/atomic_file.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The entries for `a` into `rows` (TS_CLI_LIVE_ENTRIES of them, the last
 * the terminator); see cli.h. */
const GOptionEntry *
ts_cli_live_entries(ts_cli_live_args *a, GOptionEntry *rows)
{
    const GOptionEntry all[TS_CLI_LIVE_ENTRIES] = {
        {"interface", 'i', 0, G_OPTION_ARG_STRING, &a->iface,
         "Capture live from network interface IFACE (needs root or CAP_NET_RAW) until Ctrl-C "
         "or SIGTERM, instead of reading captures",
         "IFACE"},
        {"snaplen", 0, 0, G_OPTION_ARG_STRING, &a->snaplen,
         "With -i: bytes kept of each packet (default 262144)", "N"},
        {"no-promisc", 0, 0, G_OPTION_ARG_NONE, &a->no_promisc,
         "With -i: do not put the interface in promiscuous mode (tcpdump's -p)", NULL},
        {"buffer-size", 0, 0, G_OPTION_ARG_STRING, &a->buffer_size,
         "With -i: kernel capture buffer (suffix K, M, G; default: libpcap's, 2M on Linux)",
         "BYTES"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    memcpy(rows, all, sizeof all);
    return rows;
}

/* Prints "tcpsession: <fmt with value>" and the --help hint of `command`. */
static bool
live_usage_error(const char *command, const char *fmt, const char *value)
{
    fputs("tcpsession: ", stderr);
    fprintf(stderr, fmt, value);
    fprintf(stderr, "\nTry 'tcpsession %s --help' for more information.\n", command);
    return false;
}

/* Checks the live options; see cli.h. */
bool
ts_cli_live_apply(const ts_cli_live_args *a, const char *command, ts_live_config *cfg)
{
    ts_live_config_init(cfg, a->iface);
    if (a->iface == NULL) {
        if (a->snaplen != NULL || a->no_promisc || a->buffer_size != NULL)
            return live_usage_error(command, "%s",
                                    "--snaplen, --no-promisc and --buffer-size need -i IFACE");
        return true;
    }
    if (a->iface[0] == '\0')
        return live_usage_error(command, "%s", "empty interface name for -i");
    size_t snaplen = 0;
    if (a->snaplen != NULL) {
        if (!ts_cli_parse_size(a->snaplen, &snaplen) || snaplen == 0 || snaplen > INT_MAX)
            return live_usage_error(command, "invalid snap length '%s' for --snaplen", a->snaplen);
        cfg->snaplen = (int)snaplen;
    }
    cfg->promisc = !a->no_promisc;
    if (a->buffer_size != NULL && (!ts_cli_parse_size(a->buffer_size, &cfg->buffer_size) ||
                                   cfg->buffer_size == 0 || cfg->buffer_size > INT_MAX))
        return live_usage_error(command, "invalid byte count '%s' for --buffer-size",
                                a->buffer_size);
    return true;
}

/* Frees the texts of `a`. */
void
ts_cli_live_args_clear(ts_cli_live_args *a)
{
    g_free(a->iface);
    g_free(a->snaplen);
    g_free(a->buffer_size);
    *a = (ts_cli_live_args){0};
}

/* Opens the capture; see cli.h. */
ts_live *
ts_cli_live_open(const ts_live_config *cfg)
{
    g_autoptr(GString) warnings = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    ts_live *live = ts_live_open(cfg, warnings, &error);
    fputs(warnings->str, stderr);
    if (live == NULL)
        fprintf(stderr, "tcpsession: %s\n", error->message);
    return live;
}

/* The graceful stop of the first SIGINT/SIGTERM (in the signal handler). */
static void
stop_capture(void *ctx)
{
    ts_live_stop(ctx);
}

/* Runs the capture and finishes the engine; see cli.h. */
bool
ts_cli_live_run(ts_live *live, ts_engine *engine, GString *msgs)
{
    ts_atomic_install_signal_cleanup();
    ts_atomic_set_graceful_stop(stop_capture, live);
    g_autoptr(GError) error = NULL;
    bool ok = ts_live_run(live, engine, &error);
    /* finishing writes every session: a second signal may still abort it */
    ts_engine_finish(engine);
    ts_atomic_set_graceful_stop(NULL, NULL);
    if (!ok)
        g_string_append_printf(msgs, "tcpsession: %s\n", error->message);
    return ok;
}

/* Appends the packet counts line; see cli.h. */
void
ts_cli_live_format_counts(GString *msgs, ts_live *live, const char *iface, bool quiet)
{
    ts_live_counts counts;
    g_autoptr(GError) error = NULL;
    if (!ts_live_stats(live, &counts, &error)) {
        g_string_append_printf(msgs, "warning: %s\n", error->message);
        return;
    }
    if (!quiet || counts.dropped_kernel > 0 || counts.dropped_iface > 0)
        ts_live_format_counts(msgs, iface, &counts);
}
