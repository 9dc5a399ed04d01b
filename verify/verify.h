/*
 * verify.h — the verifier: checks the sessions our engine extracts from
 * captures against tshark's Follow TCP Stream and tcpflow's files, and
 * explains every difference (a known behaviour of the other tool, a
 * deliberate difference of ours, a documented gap of the engine) or reports
 * it as unexplained. `tcpsession verify` and the original command line
 * (-p/-i, engine/original) are its two users.
 *
 * A run in five steps:
 *
 *   vf_config cfg;
 *   vf_config_init(&cfg);                      both tools, defaults
 *   vf_run *run = vf_run_new(&cfg);            finds out which tools run
 *   fputs(vf_run_notes(run), stderr);          ... and says which do not
 *   if (!vf_run_has_tools(run)) ...            none: nothing to compare with
 *   vf_run_add_capture(run, "a.pcap");         or vf_run_add_folder()
 *   vf_run_verify(run, on_capture, user);      captures in parallel; results
 *                                              handed back in the order given
 *   vf_run_format_summary(out, run);           the table of the totals
 *   vf_run_free(run);
 *
 * Each capture's results come as a vf_capture_result: one vf_result per
 * session and tool when both sides are the same, one per differing direction
 * otherwise. The functions at the end write the log line of a result, the
 * summary table and the JSON document `tcpsession verify` prints.
 *
 * The programs run are "tshark" and "tcpflow" from PATH, or $TS_TSHARK and
 * $TS_TCPFLOW when set. Everything here is called from one thread; the run
 * uses worker threads of its own.
 */
#ifndef TS_VERIFY_H
#define TS_VERIFY_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Tools, verdicts, categories                                         */
/* ------------------------------------------------------------------ */

/** The tools we compare with. */
typedef enum { VF_TOOL_TSHARK = 0, VF_TOOL_TCPFLOW = 1, VF_TOOL_COUNT_ } vf_tool;

/** "tshark" or "tcpflow". */
const char *vf_tool_name(vf_tool tool);

/** Runs the tool's version command. Returns true when it could be started;
 *  otherwise false with a one-line reason in *why (caller frees), such as
 *  "not installed ('tshark' not found; Debian package: tshark)". */
bool vf_tool_probe(vf_tool tool, char **why);

/** What came of comparing one session (or one direction of it). */
typedef enum {
    VF_SAME = 0,    /* both sides have the same bytes */
    VF_EXPLAINED,   /* they differ, and every difference is proved explained */
    VF_UNEXPLAINED, /* they differ for a reason the verifier cannot prove */
} vf_verdict;

/** Why a difference is there. Each is a predicate proved from the data;
 *  README.md ("Verifying against tshark and tcpflow") documents each. */
typedef enum {
    /* the other tool's known behaviour */
    VF_CAT_TSHARK_MISSING_TEXT = 0,
    VF_CAT_TSHARK_DROPS_UNACKED,
    VF_CAT_TSHARK_STARTS_LATER,
    VF_CAT_TSHARK_STREAM_NUMBERING,
    VF_CAT_TSHARK_IN_SEQUENCE_WINS,
    VF_CAT_TSHARK_SNAPLEN,
    VF_CAT_TSHARK_REBASED,
    VF_CAT_TSHARK_IP_OVERLAP,
    VF_CAT_TCPFLOW_ZERO_FILL,
    VF_CAT_TCPFLOW_LAST_WRITE,
    VF_CAT_TCPFLOW_TRAILER,
    VF_CAT_TCPFLOW_MERGED_REUSE,
    VF_CAT_TCPFLOW_SNAPLEN,
    VF_CAT_TCPFLOW_SPLIT,
    VF_CAT_TCPFLOW_SHIFTED,
    VF_CAT_TCPFLOW_UNDECODED,
    VF_CAT_TCPFLOW_FRAGMENTS,
    /* deliberate differences of our semantics */
    VF_CAT_RST_WITH_DATA,
    VF_CAT_DATA_AFTER_FIN,
    VF_CAT_LATE_DATA,
    VF_CAT_DATA_BEFORE_START,
    VF_CAT_STALE_SEGMENT,
    /* known, documented gaps of the engine */
    VF_CAT_IP_FRAGMENTS,
    VF_CAT_UNSUPPORTED_ENCAP,
    /* a deliberate difference (added last, numbers stay): TCP headers
       tshark dissects inside sFlow samples, which are no connection */
    VF_CAT_SAMPLED_HEADER,
    VF_CAT_COUNT_
} vf_category;

/** Stable name of a category, e.g. "tshark-missing-text" ("unknown" when
 *  out of range). */
const char *vf_category_name(vf_category cat);

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

/** The comparison of one session, or one direction of it, with one tool.
 *  Made and owned by the verifier; read-only for its callers. */
typedef struct {
    vf_tool tool;
    vf_verdict verdict;
    int64_t stream;              /* our session's stream number, -1: we have none */
    int64_t other_stream;        /* tshark's stream number (-1: none, or tcpflow) */
    ts_endpoint ep[2];           /* client, server (or the tool's two nodes) */
    const char *direction;       /* "client", "server", "session" (one side lacks the
                                    session); NULL for a same result */
    int64_t ours_len, other_len; /* bytes of the direction; -1: no such session */
    char ours_md5[33], other_md5[33];
    int64_t first_diff;  /* offset of the first differing byte */
    uint32_t categories; /* explained: bit (1u << vf_category) per reason */
    char *detail;        /* the proof, or why there is none; may be NULL */
    char *other_name;    /* tcpflow's file name, may be NULL */
} vf_result;

/** Totals of one group of captures (a summary row), or of all of them.
 *  Several results of one session count once: unexplained beats explained
 *  beats same. Read-only for callers of vf_run_*; vf_totals_add() fills one
 *  from hand-made results. */
typedef struct {
    char *name; /* group name; NULL for the total */
    uint64_t captures;
    uint64_t sessions[VF_TOOL_COUNT_];
    uint64_t same[VF_TOOL_COUNT_];
    uint64_t explained[VF_TOOL_COUNT_];
    uint64_t unexplained[VF_TOOL_COUNT_];
    uint64_t by_category[VF_TOOL_COUNT_][VF_CAT_COUNT_];
    uint64_t skipped[VF_TOOL_COUNT_]; /* captures a tool in use could not process */
    uint64_t errors;                  /* captures we could not read to the end */
} vf_totals;

/** Adds the results of one capture (vf_result*, in log order) to `t`. */
void vf_totals_add(vf_totals *t, const GPtrArray *results);

/** What came of one capture; handed to the vf_capture_fn of vf_run_verify()
 *  and valid only during that call. */
typedef struct {
    const char *path;                /* as given or found */
    const char *group;               /* the summary row it counts in */
    const char *notes;               /* messages for standard error, each a line
                                        "tcpsession verify: PATH: ...\n"; "" when none */
    bool error;                      /* our engine could not read it to the end */
    bool skipped[VF_TOOL_COUNT_];    /* a tool in use could not process it */
    const vf_result *const *results; /* tshark's first, then tcpflow's */
    size_t n_results;
} vf_capture_result;

/* ------------------------------------------------------------------ */
/* A run                                                               */
/* ------------------------------------------------------------------ */

/** What to verify against and how. Fill with vf_config_init(), then change. */
typedef struct {
    bool want[VF_TOOL_COUNT_]; /* the tools to compare with (at least one) */
    int jobs;                  /* captures verified at once; <= 0: one per processor */
    int batch;                 /* streams per tshark follow run; <= 0: 1000 */
    const char *filter;        /* BPF expression: every tool reads only the frames it
                                  selects (a temporary capture, as `tcpdump -w` would
                                  write it); NULL: every frame. Borrowed for the run. */
} vf_config;

/** Both tools, jobs and batch by default. */
void vf_config_init(vf_config *cfg);

/** A verification run over a list of captures (opaque). */
typedef struct vf_run vf_run;

/** A run with `cfg` (copied): probes the tools wanted, and tshark also when
 *  only tcpflow is (tcpflow's differences are classified from tshark's
 *  frames). Never NULL; free with vf_run_free(). */
vf_run *vf_run_new(const vf_config *cfg);
void vf_run_free(vf_run *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vf_run, vf_run_free)

/** What the probe found for standard error: a line per tool that cannot run
 *  ("tcpsession verify: skipped tshark: not installed (...)\n"); "" when all
 *  can. Owned by the run. */
const char *vf_run_notes(const vf_run *run);

/** True when `tool` was wanted and can run: its results and its block of
 *  the summary appear. */
bool vf_run_uses(const vf_run *run, vf_tool tool);

/** True when some tool is in use; a run without one compares nothing (the
 *  `verify` command then exits with status 3). */
bool vf_run_has_tools(const vf_run *run);

/** Adds one capture (`path` copied); its group is the name of its folder. */
void vf_run_add_capture(vf_run *run, const char *path);

/** Adds every capture under folder `root`, recursively, in name order
 *  (captures recognised by content: pcap, pcapng, gzip; symbolic links to
 *  folders not followed). Their group is ROOT, or ROOT/SUB for those under
 *  its subfolder SUB (ROOT, SUB: base names). */
void vf_run_add_folder(vf_run *run, const char *root);

/** Number of captures added. */
size_t vf_run_n_captures(const vf_run *run);

/** Receives each capture's results, in the order the captures were added,
 *  in the thread that called vf_run_verify(). */
typedef void (*vf_capture_fn)(void *user, const vf_capture_result *res);

/** Verifies the captures added, `jobs` at once, calling `fn` (may be NULL)
 *  for each as soon as it and those before it are done, after adding it to
 *  the totals. Call once. Returns true when every capture was read to the
 *  end and nothing is unexplained. */
bool vf_run_verify(vf_run *run, vf_capture_fn fn, void *user);

/** Totals of all captures verified so far (owned by the run). */
const vf_totals *vf_run_total(const vf_run *run);

/** Number of groups, and group `i` (0-based, in order of first capture;
 *  owned by the run). */
size_t vf_run_n_groups(const vf_run *run);
const vf_totals *vf_run_group(const vf_run *run, size_t i);

/* ------------------------------------------------------------------ */
/* What `tcpsession verify` writes                                     */
/* ------------------------------------------------------------------ */

/** Appends the log line of `r` for capture `path` (no newline):
 *    same tshark CAPTURE stream 3 10.0.0.1:1234-10.0.0.2:80
 *    wrong tshark CAPTURE stream 3 10.0.0.1:1234-10.0.0.2:80 server ours 1200 MD5
 *        tshark 1236 MD5 first-difference 512 explained: tshark-missing-text -- PROOF */
void vf_format_result(GString *out, const char *path, const vf_result *r);

/** Appends the summary table: per tool in `tools`, a row per group and a
 *  total row (when there are several groups) and the explained sessions by
 *  category; then the count of captures not read to the end, if any. */
void vf_format_summary(GString *out, vf_totals *const *groups, size_t n, const vf_totals *total,
                       const bool tools[VF_TOOL_COUNT_]);

/** vf_format_summary() of a run's groups, total and tools in use. */
void vf_run_format_summary(GString *out, const vf_run *run);

/** Appends a JSON object for one result of capture `path`. */
void vf_json_result(GString *out, const char *path, const vf_result *r);

/** Appends a JSON object for totals (the tools in `tools` only). */
void vf_json_totals(GString *out, const vf_totals *t, const bool tools[VF_TOOL_COUNT_]);

/** The JSON document of a run is vf_json_begin(), vf_json_capture() for each
 *  capture, vf_json_end():
 *    {"results":[
 *    {RESULT},
 *    {RESULT}
 *    ],"groups":[{TOTALS},...],"total":{TOTALS}}
 *  `*first` starts true and tells whether a result was appended yet. */
void vf_json_begin(GString *out);
void vf_json_capture(GString *out, const vf_capture_result *res, bool *first);
void vf_json_end(GString *out, const vf_run *run);

/* ------------------------------------------------------------------ */
/* tcpflow's own files                                                 */
/* ------------------------------------------------------------------ */

/** Runs tcpflow over `capture` (uncompressed first when gzip-compressed)
 *  writing its files into folder `dir` (created). False with `error` when
 *  tcpflow is missing or fails. */
bool vf_tcpflow_write_files(const char *capture, const char *dir, GError **error);

G_END_DECLS

#endif /* TS_VERIFY_H */
