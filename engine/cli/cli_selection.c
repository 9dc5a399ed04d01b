/*
 * cli_selection.c — the selection options of the commands that read
 * captures: --filter EXPR (every one), --stream LIST, --since TIME and
 * --until TIME (extract and ls). The texts are parsed by util/selection.c;
 * here are the option table, the usage errors and the callbacks' glue.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Fills `rows` (TS_CLI_SELECTION_ENTRIES, caller's storage); see cli.h. */
const GOptionEntry *
ts_cli_selection_entries(ts_cli_selection_args *a, bool sessions, GOptionEntry *rows)
{
    const GOptionEntry all[] = {
        {"filter", 0, 0, G_OPTION_ARG_STRING, &a->filter,
         "Read only the frames the BPF filter EXPR selects (tcpdump's syntax, e.g. 'port 80' or "
         "'host 10.0.0.1 and tcp'); frame and stream numbers stay those of the whole capture",
         "EXPR"},
        {"stream", 0, 0, G_OPTION_ARG_STRING, &a->streams,
         "Only the sessions of these stream numbers (Wireshark's tcp.stream), e.g. 3 or 3,7-9,12-",
         "LIST"},
        {"since", 0, 0, G_OPTION_ARG_STRING, &a->since,
         "Only sessions whose first packet is at or after TIME (seconds since the epoch, or ISO "
         "8601 such as 2026-12-04T10:00:00Z; no zone: UTC)",
         "TIME"},
        {"until", 0, 0, G_OPTION_ARG_STRING, &a->until,
         "Only sessions whose first packet is before TIME (as --since)", "TIME"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    size_t n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        if (!sessions && i > 0 && all[i].long_name != NULL)
            continue;
        rows[n++] = all[i];
    }
    return rows;
}

/* A new table with the entries of `a` then those of `b` (caller frees). */
GOptionEntry *
ts_cli_join_entries(const GOptionEntry *a, const GOptionEntry *b)
{
    size_t na = 0, nb = 0;
    while (a[na].long_name != NULL)
        na++;
    while (b[nb].long_name != NULL)
        nb++;
    GOptionEntry *out = g_new0(GOptionEntry, na + nb + 1);
    memcpy(out, a, na * sizeof *out);
    memcpy(out + na, b, nb * sizeof *out);
    return out;
}

static ts_selection_spec
spec_of(const ts_cli_selection_args *a)
{
    return (ts_selection_spec){a->filter, a->streams, a->since, a->until};
}

/* Checks the texts; see cli.h. */
bool
ts_cli_selection_check(const ts_cli_selection_args *a, const char *command)
{
    ts_selection_spec spec = spec_of(a);
    g_autoptr(GError) error = NULL;
    ts_selection *sel = ts_selection_new(&spec, &error);
    if (sel == NULL) {
        fprintf(stderr, "tcpsession: %s\nTry 'tcpsession %s --help' for more information.\n",
                error->message, command);
        return false;
    }
    ts_selection_free(sel);
    return true;
}

/* A selection for one engine, or NULL when nothing is selected out. */
ts_selection *
ts_cli_selection_new(const ts_cli_selection_args *a)
{
    ts_selection_spec spec = spec_of(a);
    ts_selection *sel = ts_selection_new(&spec, NULL); /* checked before */
    if (sel != NULL && !ts_selection_has_filter(sel) && !ts_selection_has_sessions(sel)) {
        ts_selection_free(sel);
        return NULL;
    }
    return sel;
}

/* Points the selection callbacks of `cb` at `sel`'s decisions; see cli.h. */
void
ts_cli_selection_wire(const ts_selection *sel, ts_callbacks *cb,
                      bool (*frame)(void *, const ts_frame *, uint64_t),
                      bool (*session)(void *, const ts_session *))
{
    if (sel == NULL)
        return;
    if (ts_selection_has_filter(sel))
        cb->select_frame = frame;
    if (ts_selection_has_sessions(sel))
        cb->select_session = session;
}

void
ts_cli_selection_args_clear(ts_cli_selection_args *a)
{
    g_free(a->filter);
    g_free(a->streams);
    g_free(a->since);
    g_free(a->until);
    memset(a, 0, sizeof *a);
}
