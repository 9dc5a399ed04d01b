/*
 * main.c — entry point of the tcpsession command: dispatches to a subcommand
 * and holds the helpers the subcommands share (option parsing, capture stems).
 */
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static void
print_usage(FILE *out)
{
    fputs("Usage:\n"
          "  tcpsession extract [OPTION...] CAPTURE...   write every TCP session's bytes\n"
          "  tcpsession ls [--json] CAPTURE              list the TCP sessions of a capture\n"
          "  tcpsession verify [OPTION...] CAPTURE...    check sessions against tshark, tcpflow\n"
          "  tcpsession follow CAPTURE STREAM [--mode M] print a session as tshark's follow\n"
          "  tcpsession [original] -p PCAP|-i DIR [-o OUT] ...\n"
          "                                              the original tcpsessions_from_pcap.py\n"
          "  tcpsession --help | --version\n"
          "\n"
          "Captures are pcap or pcapng files, optionally gzip-compressed.\n"
          "Run 'tcpsession COMMAND --help' for the options of a command.\n",
          out);
}

bool
ts_cli_parse(const char *command, const char *parameter, const char *summary,
             const char *description, const GOptionEntry *entries, int argc, char **argv,
             char ***rest, int *status)
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

int
main(int argc, char **argv)
{
    /* Localised GOption messages and UTF-8 help text, but "C" numbers. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (argc < 2) {
        print_usage(stderr);
        return TS_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "extract") == 0)
        return ts_cmd_extract(argc - 1, argv + 1);
    if (strcmp(command, "ls") == 0)
        return ts_cmd_ls(argc - 1, argv + 1);
    if (strcmp(command, "verify") == 0)
        return ts_cmd_verify(argc - 1, argv + 1);
    if (strcmp(command, "follow") == 0)
        return ts_cmd_follow(argc - 1, argv + 1);
    if (strcmp(command, "original") == 0 || ts_is_original_option(command))
        return ts_cmd_original(argc - (command[0] != '-'), argv + (command[0] != '-'));
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        print_usage(stdout);
        return TS_EXIT_OK;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
        printf("tcpsession %s\n", PACKAGE_VERSION);
        return TS_EXIT_OK;
    }
    if (command[0] == '-')
        fprintf(stderr, "tcpsession: unknown option '%s'\n", command);
    else
        fprintf(stderr, "tcpsession: unknown command '%s'\n", command);
    print_usage(stderr);
    return TS_EXIT_USAGE;
}
