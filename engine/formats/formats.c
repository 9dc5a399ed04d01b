/*
 * formats.c — the table of output formats that `--format` chooses from,
 * their --help text, and the format that writes nothing ("none").
 */
#include "format.h"

#include <string.h>

/* ---- none: nothing written, summary only ------------------------------ */

/* The "writer" of none: any non-NULL pointer. */
static char none_writer;

static void *
none_open(const ts_format_args *args, GError **error)
{
    (void)args;
    (void)error;
    return &none_writer;
}

static bool
none_finish(void *w, bool create_empty, GError **error)
{
    (void)w;
    (void)create_empty;
    (void)error;
    return true;
}

static void
none_free(void *w)
{
    (void)w;
}

const ts_format ts_format_none = {
    .name = "none",
    .summary = "nothing written, summary only",
    .writes_stream = true,
    .open = none_open,
    .finish = none_finish,
    .free = none_free,
};

/* ---- the table -------------------------------------------------------- */

static const ts_format *const formats[] = {
    &ts_format_jsonl,   &ts_format_json, &ts_format_raw,
    &ts_format_tcpflow, &ts_format_pcap, &ts_format_none,
};

/* See format.h. */
const ts_format *
ts_format_lookup(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (strcmp(name, formats[i]->name) == 0)
            return formats[i];
    }
    return NULL;
}

/* See format.h. */
const ts_format *const *
ts_format_list(size_t *n)
{
    *n = G_N_ELEMENTS(formats);
    return formats;
}

/* See format.h. */
const ts_format *
ts_format_default(void)
{
    return formats[0];
}

/* See format.h. */
char *
ts_format_option_help(void)
{
    GString *out = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (i > 0)
            g_string_append(out, i + 1 < G_N_ELEMENTS(formats) ? ", " : " or ");
        g_string_append(out, formats[i]->mention != NULL ? formats[i]->mention : formats[i]->name);
    }
    return g_string_free(out, FALSE);
}

/* See format.h. */
void
ts_format_append_help(GString *out)
{
    g_string_append(out, "Formats:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_string_append_printf(out, "  %-8s ", formats[i]->name);
        for (const char *p = formats[i]->summary; *p != '\0'; p++) {
            g_string_append_c(out, *p);
            if (*p == '\n')
                g_string_append(out, "           ");
        }
        g_string_append_c(out, '\n');
    }
}
