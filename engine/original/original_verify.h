/*
 * original_verify.h — the parts of the original command line that run other
 * tools through the verifier (verify/): checking every session against
 * tcpflow's files or tshark's Follow TCP Stream, and timing runs (-k).
 */
#ifndef TS_ORIGINAL_VERIFY_H
#define TS_ORIGINAL_VERIFY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef enum {
    TS_VERIFY_TCPFLOW = 0,
    TS_VERIFY_TSHARK,
} ts_verify_tool;

/** Counts of the verifier's results (one log line each). */
typedef struct {
    uint64_t same;        /* sessions equal in both directions */
    uint64_t explained;   /* differing directions, the difference explained */
    uint64_t unexplained; /* differing directions left unexplained */
    uint64_t unverified;  /* captures not verified (the tool is missing or failed) */
} ts_original_verdicts;

/** Appends "YYYY-MM-DD HH:MM:SS INFO     MESSAGE\n" to `log` (may be NULL). */
void ts_original_log(FILE *log, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** True when the tool can be run (the verifier's probe). */
bool ts_original_tool_available(ts_verify_tool tool);

/** Writes tcpflow's own files for `capture` into `dir` (the original's
 *  OUTDIR/tcpflow layout) through the verifier; false (logged)
 *  when tcpflow is missing or fails. */
bool ts_original_tcpflow_files(const char *capture, const char *dir, FILE *log);

/** Verifies every session of the captures against `tool` with one run of
 *  the verifier (as `tcpsession verify --against TOOL --log`): its lines
 *  ("same ..." or "wrong ...", one per session and direction), then its
 *  unexplained lines again and its summary table go to `log`; the verdicts
 *  of the results are added to *v (all captures unverified when the tool is
 *  missing). The verifier's messages go to stderr. */
void ts_original_verify(const char *const *captures, size_t n, ts_verify_tool tool, FILE *log,
                        ts_original_verdicts *v);

/** Runs our extraction of one capture (for timing); false on failure. */
typedef bool (*ts_original_run_fn)(const char *capture, void *user);

/** -k N: times `runs` runs of ours (`ours`) and of the verification against
 *  tshark and against tcpflow (as the original timed its two verifications)
 *  over the captures, and logs each total and the ratios. */
bool ts_original_performance(const char *const *captures, size_t n, int runs,
                             ts_original_run_fn ours, void *user, FILE *log, bool quiet);

G_END_DECLS

#endif /* TS_ORIGINAL_VERIFY_H */
