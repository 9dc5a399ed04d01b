/*
 * cli.h — declarations shared by the pieces of the tcpsession command: the
 * table of commands, the commands, the progress line and small helpers for
 * options, names and paths. The output formats are declared in
 * formats/format.h (their table) and formats/formats.h (the writers).
 */
#ifndef TS_CLI_H
#define TS_CLI_H

#include "tcpsession.h"
#include "util/exit_status.h"
#include "util/selection.h"
#include "util/live.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

/* ---- the commands (commands.c) ----------------------------------------- */

/** One command of `tcpsession` (as tmux's cmd_entry). */
typedef struct ts_cmd_entry {
    const char *name;    /* the word that selects it (or an unambiguous prefix) */
    const char *usage;   /* its usage line, after "tcpsession " */
    const char *summary; /* one line of help beside the usage line; NULL: none */
    /* Runs it with argv[0] the command's name; returns the exit status. */
    int (*run)(int argc, char **argv);
} ts_cmd_entry;

/** The commands in usage-text order; *n gets their count. Static table. */
const ts_cmd_entry *ts_cmd_table(size_t *n);

/** Finds `name` in table[0..n): the entry named exactly so, else the only
 *  one whose name starts with `name` (not empty). Returns NULL when none or
 *  several match; `candidates` (may be NULL) then gets the names (borrowed)
 *  of the entries `name` is a prefix of: none when unknown, two or more
 *  when ambiguous. */
const ts_cmd_entry *ts_cmd_find(const ts_cmd_entry *table, size_t n, const char *name,
                                GPtrArray *candidates);

/** Appends the usage text of `tcpsession` for table[0..n) to `out`. */
void ts_cmd_format_usage(GString *out, const ts_cmd_entry *table, size_t n);

/** Prints the usage text of ts_cmd_table() to `out`. */
void ts_cmd_print_usage(FILE *out);

/** Finds command `name` in ts_cmd_table() as ts_cmd_find() does; when there
 *  is none, prints "unknown command" or "ambiguous command" (with the
 *  candidates) and the usage text to stderr and returns NULL. */
const ts_cmd_entry *ts_cmd_lookup(const char *name);

/** Runs `tcpsession help [COMMAND]`; argv[0] is "help". Without COMMAND it
 *  prints the usage text; with one, it runs `tcpsession COMMAND --help`. */
int ts_cmd_help(int argc, char **argv);

/* ---- the commands' functions -------------------------------------------- */

/** Runs `tcpsession extract`; argv[0] is "extract". Returns the exit status. */
int ts_cmd_extract(int argc, char **argv);

/** Runs `tcpsession ls`; argv[0] is "ls". Returns the exit status. */
int ts_cmd_ls(int argc, char **argv);

/** Runs `tcpsession verify` (cmd_verify.c); argv[0] is "verify".
 *  Returns the exit status (TS_EXIT_NOT_INSTALLED: none of the tools is
 *  installed). */
int ts_cmd_verify(int argc, char **argv);

/** Runs `tcpsession follow`; argv[0] is "follow". Returns the exit status. */
int ts_cmd_follow(int argc, char **argv);

/** Runs `tcpsession cat` (cmd_cat.c); argv[0] is "cat". Returns the exit
 *  status. */
int ts_cmd_cat(int argc, char **argv);

/** Runs the original tcpsessions_from_pcap.py command line (argv[0] is
 *  "original" or the program name, options follow). Returns the exit status. */
int ts_cmd_original(int argc, char **argv);

/** True when `arg` is one of the original script's options (-p, -i, -o, -r,
 *  -c, -t, -n, -w, -k or their long forms), so that `tcpsession ARG ...`
 *  runs the original's command line. */
bool ts_is_original_option(const char *arg);

/* ---- plumbing shared by the commands (cli_common.c) -------------------- */

/** Parses the command-line options of one subcommand into `entries`' targets
 *  (`summary` and `description` frame its --help text) and returns true with the positional
 * arguments in *rest (NULL-terminated, free with g_strfreev); returns false with the exit status in
 * *status after printing --help (0) or a usage error (2). */
bool ts_cli_parse(const char *command, const char *parameter, const char *summary,
                  const char *description, const GOptionEntry *entries, int argc, char **argv,
                  char ***rest, int *status);

/** ts_cli_parse() with a second table of entries (`more`, may be NULL),
 *  listed after `entries` in --help: the reassembly options. */
bool ts_cli_parse_more(const char *command, const char *parameter, const char *summary,
                       const char *description, const GOptionEntry *entries,
                       const GOptionEntry *more, int argc, char **argv, char ***rest, int *status);

/* ---- the reassembly options (engine_options.c) ------------------------- */

/** The texts of the options that set ts_options, as parsed (owned; free
 *  with ts_cli_engine_args_clear()). */
typedef struct ts_cli_engine_args {
    char *overlap, *max_buffer, *max_memory, *frag_timeout, *frag_memory, *tunnel_ports;
    char *rexmit_window, *rexmit_acked;
    char *close_linger, *idle_timeout;
    char *session_memory;
    gboolean verify;
} ts_cli_engine_args;

/** Rows ts_cli_engine_entries() fills, its terminator included. */
#define TS_CLI_ENGINE_ENTRIES 13

/** Fills `rows` (TS_CLI_ENGINE_ENTRIES of them, caller's storage) with the
 *  option entries --overlap, --verify-checksums, --max-buffer,
 *  --ip-fragment-timeout, --ip-fragment-memory, --retransmission-window,
 *  --retransmission-acked, --tunnel-port, --close-linger, --idle-timeout,
 *  --max-session-memory and, when
 *  `with_memory` (commands that keep payload), --max-memory, all parsed
 *  into `a`; returns `rows`. */
const GOptionEntry *ts_cli_engine_entries(ts_cli_engine_args *a, bool with_memory,
                                          GOptionEntry *rows);

/** Applies the options given in `a` to `opts` (already initialised); on a
 *  bad value prints the usage error, naming `command` in the --help hint,
 *  and returns false. */
bool ts_cli_engine_apply(const ts_cli_engine_args *a, const char *command, ts_options *opts);

/** Frees the texts of `a` and zeroes it. */
void ts_cli_engine_args_clear(ts_cli_engine_args *a);

/* ---- the selection options (cli_selection.c) --------------------------- */

/** The texts of --filter, --stream, --since, --until as parsed (owned; free
 *  with ts_cli_selection_args_clear()). */
typedef struct {
    char *filter, *streams, *since, *until;
} ts_cli_selection_args;

/** Rows ts_cli_selection_entries() fills, its terminator included. */
#define TS_CLI_SELECTION_ENTRIES 5

/** Fills `rows` with --filter and, when `sessions`, --stream, --since and
 *  --until, parsed into `a`; returns `rows`. */
const GOptionEntry *ts_cli_selection_entries(ts_cli_selection_args *a, bool sessions,
                                             GOptionEntry *rows);

/** A new table of the entries of `a` followed by those of `b` (caller
 *  g_free()s it; the entries' strings stay borrowed). */
GOptionEntry *ts_cli_join_entries(const GOptionEntry *a, const GOptionEntry *b);

/** Checks the texts of `a`; on a bad one prints the usage error (naming
 *  `command` in the --help hint) and returns false. */
bool ts_cli_selection_check(const ts_cli_selection_args *a, const char *command);

/** A selection for one engine (after ts_cli_selection_check()), or NULL when
 *  nothing was asked. The caller owns it: ts_selection_free(). */
ts_selection *ts_cli_selection_new(const ts_cli_selection_args *a);

/** Sets cb->select_frame to `frame` when `sel` has a filter and
 *  cb->select_session to `session` when it selects sessions (NULL `sel`:
 *  nothing). The callbacks get the engine's user pointer. */
void ts_cli_selection_wire(const ts_selection *sel, ts_callbacks *cb,
                           bool (*frame)(void *, const ts_frame *, uint64_t),
                           bool (*session)(void *, const ts_session *));

/** Frees the texts of `a` and zeroes it. */
void ts_cli_selection_args_clear(ts_cli_selection_args *a);

/** Parses a byte count with an optional binary suffix ("64M", "4KiB",
 *  "100B") into *size; false when it is not one. */
bool ts_cli_parse_size(const char *text, size_t *size);

/** Help of the --community-id-seed option (a G_OPTION_ARG_STRING entry
 *  whose text ts_cli_community_id_seed() parses). */
#define TS_CLI_COMMUNITY_ID_SEED_HELP                                                              \
    "Seed of the Community ID (0-65535, default 0, as Zeek and Suricata)"

/** Parses the text of --community-id-seed (NULL: not given, seed 0) into
 *  *seed; on a bad value prints the usage error, naming `command` in the
 *  --help hint, and returns false. */
bool ts_cli_community_id_seed(const char *text, const char *command, uint16_t *seed);

/** Prints the engine's warnings to stderr, each prefixed with "warning: ",
 *  then the selection's warning (when `sel` is not NULL and has one) as
 *  "warning: CAPTURE: ...". */
void ts_cli_print_warnings(const ts_engine *engine, const ts_selection *sel, const char *capture);

/** Appends the same lines as ts_cli_print_warnings() to `out` (for runs that
 *  collect a capture's messages and print them later). */
void ts_cli_format_warnings(GString *out, const ts_engine *engine, const ts_selection *sel,
                            const char *capture);

/** Appends "tcpsession: NOTICE" lines to `out` for the leftovers of killed
 *  runs removed from output folders so far (util/out_dir.h). */
void ts_cli_format_out_notices(GString *out);

/** Name of the output folder of a capture: its file name without a ".gz"
 *  suffix and then without its last extension ("a/b/x.pcap.gz" -> "x");
 *  "stdin" for "-". */
char *ts_cli_capture_stem(const char *path);

/** The name messages give the capture argument `path`: "stdin" for "-"
 *  (standard input), else `path` itself (borrowed). */
const char *ts_cli_capture_name(const char *path);

/** Orders names with their runs of digits compared as numbers ("f" < "f1"
 *  < "f2" < "f10", as tcpdump -C numbers its files); names equal that way
 *  ("f01", "f1") in byte order. Returns <0, 0 or >0 as strcmp(). */
int ts_cli_natural_compare(const char *a, const char *b);

/** The captures named by `args` (NULL-terminated): "-" and files as given;
 *  for a folder, the captures in it (by content; with `recursive` also
 *  those below it, symbolic links to folders not followed), in name order,
 *  or with `by_time` (the parts of a series) sorted by the timestamp of
 *  their first frame, ties in natural name order. NULL with `error` ("DIR:
 *  no capture in this folder") when a folder holds none. Free the result
 *  with g_strfreev(). */
char **ts_cli_collect_captures(char *const *args, bool recursive, bool by_time, GError **error);

/** Reads `files` (NULL-terminated) into `engine` and finishes it: one
 *  capture with ts_engine_run_file(); several, the consecutive parts of one
 *  capture (--series), one after another with ts_engine_read_file() (frame
 *  and stream numbers continuing), stopping at the first that fails, then
 *  ts_engine_finish(). Returns false with `error` set as
 *  ts_engine_run_file() does. */
bool ts_cli_run_captures(ts_engine *engine, char *const *files, GError **error);
/* ---- live capture (live_capture.c) ------------------------------------ */

/** The texts of the live capture options, as parsed (owned; free with
 *  ts_cli_live_args_clear()). */
typedef struct ts_cli_live_args {
    char *iface, *snaplen, *buffer_size;
    gboolean no_promisc;
} ts_cli_live_args;

/** Rows ts_cli_live_entries() fills, its terminator included. */
#define TS_CLI_LIVE_ENTRIES 5

/** Fills `rows` (TS_CLI_LIVE_ENTRIES, caller's storage) with -i/--interface,
 *  --snaplen, --no-promisc and --buffer-size parsed into `a`; returns
 *  `rows`. */
const GOptionEntry *ts_cli_live_entries(ts_cli_live_args *a, GOptionEntry *rows);

/** Fills `cfg` from `a` (cfg->iface borrows a->iface; NULL without -i);
 *  on a bad value, or a live option without -i, prints the usage error
 *  naming `command` and returns false. */
bool ts_cli_live_apply(const ts_cli_live_args *a, const char *command, ts_live_config *cfg);

/** Frees the texts of `a` and zeroes it. */
void ts_cli_live_args_clear(ts_cli_live_args *a);

/** Opens the capture of `cfg`, printing its warnings and, on failure,
 *  "tcpsession: IFACE: cannot capture: ..." to stderr (then NULL). */
ts_live *ts_cli_live_open(const ts_live_config *cfg);

/** Captures into `engine` until the first SIGINT or SIGTERM (a second one
 *  ends the process, removing temporary files) or a capture error (its
 *  message appended to `msgs`; false), then finishes the engine, so every
 *  open session is done and written. */
bool ts_cli_live_run(ts_live *live, ts_engine *engine, GString *msgs);

/** Appends "IFACE: N packets received, N dropped by the kernel, N dropped
 *  by the interface" to `msgs`; with `quiet`, only when something was
 *  dropped. */
void ts_cli_live_format_counts(GString *msgs, ts_live *live, const char *iface, bool quiet);

/* ---- progress line (progress.c) --------------------------------------- */

/** The progress line of a run; NULL (all functions accept it) when not shown. */
typedef struct ts_progress ts_progress;

/** A progress line on stderr, or NULL when `quiet` or stderr is not a terminal. */
ts_progress *ts_progress_new(bool quiet);
/** Starts capture `index` of `total` (1-based). The functions below are
 *  thread-safe: captures read in parallel share the line, which shows the
 *  one that reported last. */
void ts_progress_start(ts_progress *p, const char *capture, unsigned index, unsigned total);
/** Shows how far the capture started last is. */
void ts_progress_update(ts_progress *p, uint64_t bytes, uint64_t frames, uint64_t sessions);
/** Shows how far capture `index` is. */
void ts_progress_update_capture(ts_progress *p, unsigned index, uint64_t bytes, uint64_t frames,
                                uint64_t sessions);
/** Ends capture `index` and erases the line. */
void ts_progress_end(ts_progress *p, unsigned index);
/** Shows `message` (one line, no newline) as the progress line. */
void ts_progress_message(ts_progress *p, const char *message);
/** Erases the line (before other output). */
void ts_progress_clear(ts_progress *p);
/** Erases the line and writes `text` to stderr (p may be NULL). */
void ts_progress_print(ts_progress *p, const char *text);
/** Erases the line and frees `p`. */
void ts_progress_free(ts_progress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_progress, ts_progress_free)

G_END_DECLS

#endif /* TS_CLI_H */
