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

/** Counts of one capture's verification (session directions). */
typedef struct {
    uint64_t same;
    uint64_t wrong;
    uint64_t unverified; /* the tool is missing or failed */
} ts_original_verdicts;

/** Appends "YYYY-MM-DD HH:MM:SS INFO     MESSAGE\n" to `log` (may be NULL). */
void ts_original_log(FILE *log, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** Verifies every session of `capture` against `tool` with the verifier and
 *  logs one line per session and direction to `log`. With tcpflow, tcpflow's
 *  files are left in `flow_dir`. Adds to *v. */
void ts_original_verify(const char *capture, ts_verify_tool tool, const char *flow_dir, FILE *log,
                        ts_original_verdicts *v);

/** Runs our extraction of one capture (for timing); false on failure. */
typedef bool (*ts_original_run_fn)(const char *capture, void *user);

/** -k N: times `runs` runs of ours (`ours`), tshark's follow of every stream
 *  and tcpflow over each capture, and logs each total and the ratios. */
bool ts_original_performance(const char *const *captures, size_t n, int runs,
                             ts_original_run_fn ours, void *user, FILE *log, bool quiet);

G_END_DECLS

#endif /* TS_ORIGINAL_VERIFY_H */
