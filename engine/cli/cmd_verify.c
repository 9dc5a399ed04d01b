/*
 * cmd_verify.c — `tcpsession verify CAPTURE... [--against tshark,tcpflow]
 * [--log FILE] [--json] [-r]`: checks our sessions against tshark's Follow
 * TCP Stream and tcpflow's files, capture by capture, and explains every
 * difference or reports it as unexplained.
 *
 * The verification is the verifier library's (verify/verify.h: captures in
 * parallel, --jobs at once, results in the order given); this file parses
 * the options and prints: the log lines (standard output, or --log FILE with
 * the unexplained ones on standard output too), the summary table, or with
 * --json one document with every result and the totals.
 */
#include "cli.h"
#include "verify/verify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The command line of one run. */
typedef struct {
    char *against;
    char *log_path;
    char *filter; /* --filter */
    gboolean json, recursive, quiet;
    gint jobs, batch;
    char **args; /* the captures and folders */
} verify_options;

static void
options_clear(verify_options *o)
{
    g_free(o->against);
    g_free(o->log_path);
    g_free(o->filter);
    g_strfreev(o->args);
}

static bool
parse_against(const char *text, bool want[VF_TOOL_COUNT_])
{
    want[VF_TOOL_TSHARK] = want[VF_TOOL_TCPFLOW] = false;
    g_auto(GStrv) names = g_strsplit(text, ",", -1);
    for (char **n = names; *n != NULL; n++) {
        g_strstrip(*n);
        if (strcmp(*n, "tshark") == 0)
            want[VF_TOOL_TSHARK] = true;
        else if (strcmp(*n, "tcpflow") == 0)
            want[VF_TOOL_TCPFLOW] = true;
        else if (**n != '\0')
            return false;
    }
    return want[VF_TOOL_TSHARK] || want[VF_TOOL_TCPFLOW];
}

static const char verify_description[] =
    "Runs tshark (Follow TCP Stream, raw) and tcpflow on each capture, pairs their\n"
    "streams with our sessions and compares both directions by length, md5 and\n"
    "byte for byte. Every session gets one log line per tool: 'same', or 'wrong'\n"
    "with the direction, both lengths and md5s, the first differing offset and\n"
    "either 'explained: CATEGORY,...' (a known behaviour of the other tool or a\n"
    "deliberate difference of ours, proved from the data) or 'unexplained'.\n"
    "A summary table per source folder and tool ends the output.\n"
    "\n"
    "Environment: TS_TSHARK, TS_TCPFLOW name the programs to run.\n"
    "\n"
    "Exit status: 0 everything same or explained, 1 something unexplained (or a\n"
    "capture could not be read), 2 usage error, 3 none of the tools is installed.";

/* Where the results go while the run goes on. */
typedef struct {
    const verify_options *opt;
    FILE *log;           /* the log lines: stdout or --log FILE */
    bool lines_to_log;   /* with --json, only --log gets the lines */
    bool echo_to_stdout; /* --log without --json: unexplained lines on stdout too */
    GString *json;       /* the document, with --json */
    bool first_json;
} printer;

/* Writes one capture's messages and lines, as soon as it is done. */
static void
print_capture(void *user, const vf_capture_result *res)
{
    printer *p = user;
    fputs(res->notes, stderr);
    if (p->json != NULL)
        vf_json_capture(p->json, res, &p->first_json);
    g_autoptr(GString) line = g_string_new(NULL);
    for (size_t k = 0; k < res->n_results; k++) {
        const vf_result *r = res->results[k];
        if (p->opt->quiet && r->verdict == VF_SAME)
            continue;
        g_string_truncate(line, 0);
        vf_format_result(line, res->path, r);
        g_string_append_c(line, '\n');
        if (p->lines_to_log)
            fputs(line->str, p->log);
        if (p->echo_to_stdout && r->verdict == VF_UNEXPLAINED)
            fputs(line->str, stdout);
    }
}

/* Parses the command line; false with the exit status in *status. */
static bool
parse_options(int argc, char **argv, verify_options *o, int *status)
{
    *o = (verify_options){.batch = 1000};
    const GOptionEntry entries[] = {
        {"against", 'a', 0, G_OPTION_ARG_STRING, &o->against,
         "Tools to compare with: tshark,tcpflow (default: both)", "TOOLS"},
        {"log", 'l', 0, G_OPTION_ARG_FILENAME, &o->log_path,
         "Write the log lines to FILE instead of standard output", "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o->json,
         "Print the results and the summary as one JSON object", NULL},
        {"recursive", 'r', 0, G_OPTION_ARG_NONE, &o->recursive,
         "Verify every capture under the folders given", NULL},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs,
         "Captures verified at once (default: number of processors)", "N"},
        {"batch", 0, 0, G_OPTION_ARG_INT, &o->batch, "Streams per tshark follow run (default 1000)",
         "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Log only the differences", NULL},
        {"filter", 0, 0, G_OPTION_ARG_STRING, &o->filter,
         "Verify only the frames the BPF filter EXPR selects (tcpdump's syntax): every tool "
         "reads them from a temporary capture, as tcpdump -w writes it, so stream numbers "
         "in the report are those of the selected frames",
         "EXPR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    *status = TS_EXIT_OK;
    return ts_cli_parse("verify", "CAPTURE...",
                        "Checks every session against tshark and tcpflow and explains each "
                        "difference.",
                        verify_description, entries, argc, argv, &o->args, status);
}

/* The tools and settings asked for; false after a usage error. */
static bool
make_config(const verify_options *o, vf_config *cfg)
{
    vf_config_init(cfg);
    cfg->jobs = o->jobs;
    cfg->batch = o->batch;
    if (!parse_against(o->against != NULL ? o->against : "tshark,tcpflow", cfg->want)) {
        fprintf(stderr, "tcpsession: --against takes tshark, tcpflow or both (comma-separated)\n");
        return false;
    }
    if (o->filter != NULL) {
        ts_cli_selection_args sel = {.filter = o->filter};
        if (!ts_cli_selection_check(&sel, "verify"))
            return false;
        cfg->filter = o->filter;
    }
    if (o->args[0] == NULL) {
        fprintf(stderr, "tcpsession: no capture given\n"
                        "Try 'tcpsession verify --help' for more information.\n");
        return false;
    }
    for (char **a = o->args; *a != NULL; a++) {
        if (!o->recursive && g_file_test(*a, G_FILE_TEST_IS_DIR)) {
            fprintf(stderr, "tcpsession: %s is a folder (use -r to verify its captures)\n", *a);
            return false;
        }
    }
    return true;
}

static void
add_captures(vf_run *run, char **args)
{
    for (char **a = args; *a != NULL; a++) {
        if (g_file_test(*a, G_FILE_TEST_IS_DIR))
            vf_run_add_folder(run, *a);
        else
            vf_run_add_capture(run, *a);
    }
}

/* The summary table, or the end of the JSON document, on standard output. */
static void
print_end(const printer *p, const vf_run *run)
{
    if (p->json != NULL) {
        vf_json_end(p->json, run);
        fputs(p->json->str, stdout);
    } else {
        g_autoptr(GString) summary = g_string_new(NULL);
        vf_run_format_summary(summary, run);
        fputs(summary->str, stdout);
    }
}

/* Verifies the captures of `run`, printing as it goes; the exit status. */
static int
verify_and_print(const verify_options *o, vf_run *run)
{
    printer p = {.opt = o, .log = stdout, .first_json = true};
    if (o->log_path != NULL) {
        p.log = fopen(o->log_path, "w");
        if (p.log == NULL) {
            fprintf(stderr, "tcpsession: %s: %s\n", o->log_path, g_strerror(errno));
            return TS_EXIT_FAILURE;
        }
    }
    p.lines_to_log = o->log_path != NULL || !o->json;
    p.echo_to_stdout = o->log_path != NULL && !o->json;
    p.json = o->json ? g_string_new(NULL) : NULL;
    if (p.json != NULL)
        vf_json_begin(p.json);
    int status = vf_run_verify(run, print_capture, &p) ? TS_EXIT_OK : TS_EXIT_FAILURE;
    print_end(&p, run);
    if (p.json != NULL)
        g_string_free(p.json, TRUE);
    if (p.log != stdout && fclose(p.log) != 0) {
        fprintf(stderr, "tcpsession: %s: %s\n", o->log_path, g_strerror(errno));
        status = TS_EXIT_FAILURE;
    }
    return status;
}

int
ts_cmd_verify(int argc, char **argv)
{
    verify_options o;
    int status;
    if (!parse_options(argc, argv, &o, &status)) {
        options_clear(&o);
        return status;
    }
    vf_config cfg;
    if (!make_config(&o, &cfg)) {
        options_clear(&o);
        return TS_EXIT_USAGE;
    }
    g_autoptr(vf_run) run = vf_run_new(&cfg);
    fputs(vf_run_notes(run), stderr);
    if (!vf_run_has_tools(run)) {
        options_clear(&o);
        return TS_EXIT_NOT_INSTALLED;
    }
    add_captures(run, o.args);
    status = verify_and_print(&o, run);
    options_clear(&o);
    return status;
}
