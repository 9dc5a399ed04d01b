/*
 * tally.c — counting finished sessions for the commands' summaries (see
 * tally.h).
 */
#include "tally.h"

/* See tally.h. */
uint64_t
ts_tally_gaps(const ts_session *s)
{
    size_t n = 0;
    ts_session_gaps(s, &n);
    return n;
}

/* See tally.h. */
uint64_t
ts_tally_anomalies(const ts_session *s)
{
    size_t n = 0;
    ts_session_anomalies(s, &n);
    return n + ts_session_anomalies_dropped(s);
}

/* See tally.h. */
void
ts_tally_add(ts_tally *t, const ts_session *s)
{
    t->sessions++;
    t->bytes += ts_session_bytes(s, TS_FROM_CLIENT) + ts_session_bytes(s, TS_FROM_SERVER);
    t->gaps += ts_tally_gaps(s);
    t->anomalies += ts_tally_anomalies(s);
}
