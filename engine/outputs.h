/*
 * outputs.h — the outputs for users of the original pure-Python tcpsession
 * (its per-session JSON files, its JavaScript extraction) and the raw
 * per-session folders: the writers `extract --format json|raw` and the
 * original's command line use.
 */
#ifndef TS_OUTPUTS_H
#define TS_OUTPUTS_H

#include "capture.h"
#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- the original's JSON session files (out_legacy.c) ----------------- */

/** Writer of one capture's `{sip}_{sport}-{dip}_{dport}-6-{k}.json` files.
 *  Needs the engine run with keep_payload and every hook below wired:
 *  ts_legacy_writer_frame() before each frame (ts_cli_run_capture's frame
 *  hook), and the data, gap, packet and session_done callbacks. */
typedef struct ts_legacy_writer ts_legacy_writer;

/** Creates a writer for `dir` (created on first use; NULL: no JSON files).
 *  `js_dir`, when not NULL, receives one `.js` per session whose text
 *  carries JavaScript (see ts_js_extract). */
ts_legacy_writer *ts_legacy_writer_new(const char *dir, const char *js_dir);
/** Frame hook: counts packets per 4-tuple and keeps the frame's TCP header;
 *  NULL after the last frame. */
void ts_legacy_writer_frame(ts_legacy_writer *w, const ts_capture_frame *f);
/** Data callback. */
void ts_legacy_writer_data(ts_legacy_writer *w, ts_session *s, const ts_delivery *d);
/** Gap callback. */
void ts_legacy_writer_gap(ts_legacy_writer *w, ts_session *s, const ts_gap *gap);
/** Packet callback. */
void ts_legacy_writer_packet(ts_legacy_writer *w, ts_session *s, const ts_packet *p);
/** Session_done callback: writes the session's file (and `.js`). */
void ts_legacy_writer_done(ts_legacy_writer *w, ts_session *s);
/** Creates the folders if `create_dirs` and nothing was written; false with
 *  `error` when any write failed. */
bool ts_legacy_writer_finish(ts_legacy_writer *w, bool create_dirs, GError **error);
/** Number of `.js` files written. */
uint64_t ts_legacy_writer_js_files(const ts_legacy_writer *w);
/** Frees the writer and any session state still attached. */
void ts_legacy_writer_free(ts_legacy_writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_legacy_writer, ts_legacy_writer_free)

/** The original's file name of a session (without folder):
 *  "{client ip}_{client port}-{server ip}_{server port}-6-{k}.json". */
char *ts_legacy_file_name(const ts_endpoint *client, const ts_endpoint *server, unsigned k);

/* ---- JavaScript extraction (js_extract.c) ----------------------------- */

/** The original's extraction from one session's two texts (each direction's
 *  payload decoded as the JSON's combined_*_payload): for each text, in
 *  order, that contains "Content-Type: text/html", every match of
 *  `(?<=<script>).*?(?=</script>|$)` (dot matches newlines) followed by a
 *  newline is appended to `out`. Returns true when at least one match was
 *  found (the original then writes a `.js` file, possibly of empty lines). */
bool ts_js_extract(const GString *src_text, const GString *dst_text, GString *out);

/* ---- raw session folders (out_raw.c) ----------------------------------- */

/** Writes, for each session, `dir/NAME/client.bin`, `server.bin` (the bytes
 *  each side delivered, gaps left out) and `session.json`. NAME is
 *  "{stream:06}-{client ip}_{port}-{server ip}_{port}". Needs keep_payload;
 *  call from session_done. False with `error` on a write failure. */
bool ts_raw_write_session(const char *dir, const ts_session *s, GError **error);

/** Ends a raw run: creates `dir` when `create` and nothing was written, and
 *  moves a failure recorded in *raw_error to `error`. False on failure. */
bool ts_raw_finish(const char *dir, bool create, GError **raw_error, GError **error);

/** The session.json object of `s` (one line, no newline). */
void ts_raw_format_session(GString *out, const ts_session *s);

G_END_DECLS

#endif /* TS_OUTPUTS_H */
