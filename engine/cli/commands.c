/*
 * commands.c — the table of tcpsession's commands (as tmux's cmd.c): name,
 * usage line, one line of help and the function that runs each. main()
 * finds a command here by name or unambiguous prefix; the usage text and
 * `tcpsession help COMMAND` are made from the same table.
 *
 * The entries live here rather than in each command's file so that the
 * usage text reads in one place; cmd_verify.c and cmd_original.c keep their
 * ts_cmd_* functions as they are.
 */
#include "cli.h"

#include <string.h>

static const ts_cmd_entry commands[] = {
    {"extract", "extract [OPTION...] CAPTURE...", "write every TCP session's bytes",
     ts_cmd_extract},
    {"ls", "ls [--json] CAPTURE", "list the TCP sessions of a capture", ts_cmd_ls},
    {"verify", "verify [OPTION...] CAPTURE...", "check sessions against tshark, tcpflow",
     ts_cmd_verify},
    {"follow", "follow CAPTURE STREAM [--mode M]", "print a session as tshark's follow",
     ts_cmd_follow},
    {"cat", "cat CAPTURE STREAM [--from SIDE]", "write a session's bytes to standard output",
     ts_cmd_cat},
    {"original", "[original] -p PCAP|-i DIR [-o OUT] ...", "the original tcpsessions_from_pcap.py",
     ts_cmd_original},
    {"help", "--help | --version", NULL, ts_cmd_help},
};

/* Width of the usage column after "  tcpsession ": longer usage lines put
 * their summary on the next line, under the others. */
#define USAGE_WIDTH 32
#define SUMMARY_COLUMN (2 + 11 + USAGE_WIDTH + 1)

/* See cli.h. */
const ts_cmd_entry *
ts_cmd_table(size_t *n)
{
    *n = G_N_ELEMENTS(commands);
    return commands;
}

/* See cli.h. */
const ts_cmd_entry *
ts_cmd_find(const ts_cmd_entry *table, size_t n, const char *name, GPtrArray *candidates)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    const ts_cmd_entry *found = NULL;
    unsigned matches = 0;
    size_t len = strlen(name);
    for (size_t i = 0; i < n && len > 0; i++) {
        if (strncmp(table[i].name, name, len) != 0)
            continue;
        found = &table[i];
        matches++;
        if (candidates != NULL)
            g_ptr_array_add(candidates, (gpointer)table[i].name);
    }
    if (matches != 1)
        return NULL;
    if (candidates != NULL)
        g_ptr_array_set_size(candidates, 0);
    return found;
}

/* See cli.h. */
void
ts_cmd_format_usage(GString *out, const ts_cmd_entry *table, size_t n)
{
    g_string_append(out, "Usage:\n");
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, "  tcpsession %s", table[i].usage);
        if (table[i].summary != NULL) {
            size_t len = strlen(table[i].usage);
            if (len <= USAGE_WIDTH)
                g_string_append_printf(out, "%*s", (int)(USAGE_WIDTH + 1 - len), "");
            else
                g_string_append_printf(out, "\n%*s", SUMMARY_COLUMN, "");
            g_string_append(out, table[i].summary);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append(out, "\n"
                         "Captures are pcap or pcapng files, optionally gzip-compressed.\n"
                         "Run 'tcpsession COMMAND --help' for the options of a command.\n");
}

/* See cli.h. */
void
ts_cmd_print_usage(FILE *out)
{
    g_autoptr(GString) text = g_string_new(NULL);
    ts_cmd_format_usage(text, commands, G_N_ELEMENTS(commands));
    fputs(text->str, out);
}

/* See cli.h. */
const ts_cmd_entry *
ts_cmd_lookup(const char *name)
{
    g_autoptr(GPtrArray) candidates = g_ptr_array_new();
    const ts_cmd_entry *entry = ts_cmd_find(commands, G_N_ELEMENTS(commands), name, candidates);
    if (entry != NULL)
        return entry;
    if (candidates->len < 2) {
        fprintf(stderr, "tcpsession: unknown command '%s'\n", name);
    } else {
        g_ptr_array_add(candidates, NULL);
        g_autofree char *list = g_strjoinv(", ", (char **)candidates->pdata);
        fprintf(stderr, "tcpsession: ambiguous command '%s', could be: %s\n", name, list);
    }
    ts_cmd_print_usage(stderr);
    return NULL;
}

/* See cli.h. */
int
ts_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        ts_cmd_print_usage(stdout);
        return TS_EXIT_OK;
    }
    const ts_cmd_entry *entry = ts_cmd_lookup(argv[1]);
    if (entry == NULL)
        return TS_EXIT_USAGE;
    if (entry->run == ts_cmd_help)
        return ts_cmd_help(1, argv);
    char *help_argv[] = {(char *)entry->name, (char *)"--help", NULL};
    return entry->run(2, help_argv);
}
