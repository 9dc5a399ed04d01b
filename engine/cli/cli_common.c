/*
 * cli_common.c — the plumbing every command shares: option parsing with
 * --help written as UTF-8, the engine's warnings, capture stems.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Parses one command's options; see cli.h. */
bool
ts_cli_parse(const char *command, const char *parameter, const char *summary,
             const char *description, const GOptionEntry *entries, int argc, char **argv,
             char ***rest, int *status)
{
    return ts_cli_parse_more(command, parameter, summary, description, entries, NULL, argc, argv,
                             rest, status);
}

/* Parses one command's options and the reassembly options; see cli.h. */
bool
ts_cli_parse_more(const char *command, const char *parameter, const char *summary,
                  const char *description, const GOptionEntry *entries, const GOptionEntry *more,
                  int argc, char **argv, char ***rest, int *status)
{
    g_autofree char *prgname = g_strdup_printf("tcpsession %s", command);
    g_set_prgname(prgname);

    /* --help is handled here rather than by GLib so the text is written as
     * UTF-8 whatever the locale (GLib would turn "OPTION…" into "OPTION?"). */
    gboolean want_help = FALSE;
    const GOptionEntry help_entries[] = {
        {"help", 'h', 0, G_OPTION_ARG_NONE, &want_help, "Show this help", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new(parameter);
    g_option_context_set_summary(context, summary);
    g_option_context_set_description(context, description);
    g_option_context_set_help_enabled(context, FALSE);
    g_option_context_add_main_entries(context, entries, NULL);
    if (more != NULL)
        g_option_context_add_main_entries(context, more, NULL);
    g_option_context_add_main_entries(context, help_entries, NULL);

    /* parse_strv wants an array it may rearrange and free: give it a copy. */
    char **args = g_new0(char *, (gsize)argc + 1);
    for (int i = 0; i < argc; i++)
        args[i] = g_strdup(argv[i]);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse_strv(context, &args, &error)) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        fprintf(stderr, "Try 'tcpsession %s --help' for more information.\n", command);
        g_strfreev(args);
        *status = TS_EXIT_USAGE;
        return false;
    }
    if (want_help) {
        g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
        fputs(help, stdout);
        g_strfreev(args);
        *status = TS_EXIT_OK;
        return false;
    }

    /* Drop argv[0] and a "--" separator GOption may leave behind. */
    GPtrArray *positional = g_ptr_array_new();
    bool separator_seen = false;
    for (char **p = args + 1; *p != NULL; p++) {
        if (!separator_seen && strcmp(*p, "--") == 0) {
            separator_seen = true;
            continue;
        }
        g_ptr_array_add(positional, g_strdup(*p));
    }
    g_ptr_array_add(positional, NULL);
    g_strfreev(args);
    *rest = (char **)g_ptr_array_free(positional, FALSE);
    return true;
}

/* Appends the engine's warnings to `out` (owned by the caller), one
 * "warning: ..." line each. */
void
ts_cli_format_warnings(GString *out, const ts_engine *engine)
{
    size_t n = 0;
    const char *const *warnings = ts_engine_warnings(engine, &n);
    for (size_t i = 0; warnings != NULL && i < n; i++)
        g_string_append_printf(out, "warning: %s\n", warnings[i]);
}

/* Prints the engine's warnings to stderr. */
void
ts_cli_print_warnings(const ts_engine *engine)
{
    g_autoptr(GString) out = g_string_new(NULL);
    ts_cli_format_warnings(out, engine);
    fputs(out->str, stderr);
}

/* "a/b/x.pcap.gz" -> "x" (caller frees); see cli.h. */
char *
ts_cli_capture_stem(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    size_t len = strlen(base);
    if (len > 3 && g_ascii_strcasecmp(base + len - 3, ".gz") == 0)
        base[len - 3] = '\0';
    char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base)
        *dot = '\0';
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "/") == 0)
        return g_strdup("capture");
    return g_steal_pointer(&base);
}

/* See cli.h. */
bool
ts_cli_community_id_seed(const char *text, const char *command, uint16_t *seed)
{
    *seed = 0;
    if (text == NULL)
        return true;
    guint64 value = 0;
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT16, &value, NULL)) {
        fprintf(stderr,
                "tcpsession: invalid Community ID seed '%s' for --community-id-seed "
                "(expected 0 to 65535)\nTry 'tcpsession %s --help' for more information.\n",
                text, command);
        return false;
    }
    *seed = (uint16_t)value;
    return true;
}
