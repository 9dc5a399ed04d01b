/*
 * main.c — entry point of the tcpsession command: finds the command in the
 * table of commands.c (by name or unambiguous prefix) and runs it. The
 * original tool's options (`tcpsession -p CAPTURE ...`) run its command
 * line; --help and --version are answered here.
 */
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    /* Localised GOption messages and UTF-8 help text, but "C" numbers. */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (argc < 2) {
        ts_cmd_print_usage(stderr);
        return TS_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (ts_is_original_option(word))
        return ts_cmd_original(argc, argv);
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        ts_cmd_print_usage(stdout);
        return TS_EXIT_OK;
    }
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("tcpsession %s\n", PACKAGE_VERSION);
        return TS_EXIT_OK;
    }
    if (word[0] == '-') {
        fprintf(stderr, "tcpsession: unknown option '%s'\n", word);
        ts_cmd_print_usage(stderr);
        return TS_EXIT_USAGE;
    }
    const ts_cmd_entry *entry = ts_cmd_lookup(word);
    if (entry == NULL)
        return TS_EXIT_USAGE;
    argv[1] = (char *)entry->name; /* a prefix runs as the full name */
    return entry->run(argc - 1, argv + 1);
}
