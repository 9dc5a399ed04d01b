/*
 * tally.h — the per-session counts the commands print in their summaries
 * (sessions, bytes delivered, gaps, anomalies), counted in one place.
 */
#ifndef TS_TALLY_H
#define TS_TALLY_H

#include "tcpsession.h"

#include <stdint.h>

/** Totals over finished sessions; zero-initialise, then ts_tally_add(). */
typedef struct {
    uint64_t sessions;
    uint64_t bytes;     /* delivered by both sides */
    uint64_t gaps;      /* holes declared missing */
    uint64_t anomalies; /* kept and dropped */
} ts_tally;

/** Number of gaps of `s`. */
uint64_t ts_tally_gaps(const ts_session *s);

/** Number of anomalies of `s`, those kept and those dropped beyond the cap. */
uint64_t ts_tally_anomalies(const ts_session *s);

/** Adds one finished session (call from session_done). */
void ts_tally_add(ts_tally *t, const ts_session *s);

#endif /* TS_TALLY_H */
