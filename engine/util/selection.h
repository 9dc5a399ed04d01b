/*
 * selection.h — what a run selects: frames by a BPF filter (--filter), and
 * sessions by stream number (--stream LIST) and start time (--since,
 * --until). Commands and the Python package parse the texts here and hand
 * the decisions to the engine through ts_callbacks.select_frame and
 * select_session, which keep stream and frame numbers those of the whole
 * capture.
 */
#ifndef TS_SELECTION_H
#define TS_SELECTION_H

#include "tcpsession.h"

#include <stdbool.h>
#include <stdint.h>

/** The texts of a selection; NULL fields (and an empty filter) select
 *  everything. */
typedef struct {
    const char *filter;  /* BPF expression, as tcpdump takes it */
    const char *streams; /* "3", "3,7-9", "10-" */
    const char *since;   /* sessions starting at or after: epoch seconds or ISO 8601 */
    const char *until;   /* sessions starting before: epoch seconds or ISO 8601 */
} ts_selection_spec;

typedef struct ts_selection ts_selection;

/** Parses `spec`. NULL with `error` set (G_OPTION_ERROR_BAD_VALUE, a message
 *  naming the option and the text) when a field is not valid. One selection
 *  per engine (the filter compiles lazily per link type): not shared between
 *  threads. The caller owns the result: ts_selection_free(). */
ts_selection *ts_selection_new(const ts_selection_spec *spec, GError **error);

/** Whether the selection leaves frames out (a filter was given). */
bool ts_selection_has_filter(const ts_selection *sel);

/** Whether the selection leaves sessions out (streams or times given). */
bool ts_selection_has_sessions(const ts_selection *sel);

/** Whether frame `f` is selected by the filter (true without one); for
 *  ts_callbacks.select_frame. */
bool ts_selection_frame(ts_selection *sel, const ts_frame *f);

/** Whether session `s` is selected (stream list and start time). */
bool ts_selection_session(const ts_selection *sel, const ts_session *s);

/** Whether stream number `stream` is in the --stream list (true without one). */
bool ts_selection_has_stream(const ts_selection *sel, uint64_t stream);

/** The filter's warning (a link type it does not apply to), or NULL. */
const char *ts_selection_warning(const ts_selection *sel);

/** Parses a --stream list ("3,7-9,12-") into *ranges (pairs of first, last
 *  stream; last UINT64_MAX when open). Caller frees *ranges with g_array_unref. */
bool ts_selection_parse_streams(const char *text, GArray **ranges, GError **error);

/** Parses a time: seconds since the epoch ("1733300000.25") or ISO 8601
 *  ("2026-12-04T10:00:00Z", "2026-12-04T11:00:00+01:00"; no zone: UTC).
 *  `option` names it in the error. */
bool ts_selection_parse_time(const char *option, const char *text, int64_t *ns, GError **error);

/** Frees `sel` (NULL allowed). */
void ts_selection_free(ts_selection *sel);

#endif /* TS_SELECTION_H */
