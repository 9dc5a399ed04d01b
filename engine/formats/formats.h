/*
 * formats.h — the output formats: JSON lines, tcpflow-style files, the
 * raw per-session folders, and the outputs for users of the original
 * pure-Python tcpsession (its per-session JSON files, its JavaScript
 * extraction) that `extract --format` and the original's command line use.
 */
#ifndef TS_FORMATS_H
#define TS_FORMATS_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

/* ---- the original's JSON session files (out_legacy.c) ----------------- */

/** Writer of one capture's `{sip}_{sport}-{dip}_{dport}-6-{k}.json` files.
 *  Needs the engine run with keep_payload and every callback below wired:
 *  frame, segment, data, gap, packet and session_done. */
typedef struct ts_legacy_writer ts_legacy_writer;

/** Creates a writer for `dir` (created on first use; NULL: no JSON files).
 *  `js_dir`, when not NULL, receives one `.js` per session whose text
 *  carries JavaScript (see ts_js_extract). */
ts_legacy_writer *ts_legacy_writer_new(const char *dir, const char *js_dir);
/** Frame callback: the frame being processed (`f` NULL after the last). */
void ts_legacy_writer_frame(ts_legacy_writer *w, const ts_frame *f, uint64_t number);
/** Segment callback: counts packets per 4-tuple and keeps the TCP header. */
void ts_legacy_writer_segment(ts_legacy_writer *w, const ts_segment *seg);
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

/* ---- what a JSON session object says of its run (out_jsonl.c) --------- */

/** The keys of a session's JSON object that come from the run, not the
 *  session: "capture" (`capture`, the path as given; NULL: null) and the
 *  seed of "community_id". Borrowed by the functions that take it. */
typedef struct {
    const char *capture;
    uint16_t community_id_seed;
} ts_json_context;

/* ---- raw session folders (out_raw.c) ----------------------------------- */

/** Writes, for each session, `dir/NAME/client.bin`, `server.bin` (the bytes
 *  each side delivered, gaps left out) and `session.json`. NAME is
 *  "{stream:06}-{client ip}_{port}-{server ip}_{port}". Needs keep_payload;
 *  call from session_done. False with `error` on a write failure. */
bool ts_raw_write_session(const char *dir, const ts_session *s, const ts_json_context *ctx,
                          GError **error);

/** Ends a raw run: creates `dir` when `create` and nothing was written, and
 *  moves a failure recorded in *raw_error to `error`. False on failure. */
bool ts_raw_finish(const char *dir, bool create, GError **raw_error, GError **error);

/** The session.json object of `s` (one line, no newline). */
void ts_raw_format_session(GString *out, const ts_session *s, const ts_json_context *ctx);

/* ---- JSON lines output (out_jsonl.c) -------------------------------- */

/** Appends one session as a compact JSON object (no newline) to `out`: the
 *  jsonl keys, with each message's bytes in hex when `hex_messages`, else
 *  as "offset" and "length" into that side's delivered bytes; "capture" and
 *  "community_id" from `ctx` (NULL: capture null, seed 0). */
void ts_json_format_session(GString *out, const ts_session *s, const ts_json_context *ctx,
                            bool hex_messages);

/** ts_json_format_session() with hex messages: one sessions.jsonl line. */
void ts_jsonl_format_session(GString *out, const ts_session *s, const ts_json_context *ctx);

/** Writer of `DIR/sessions.jsonl` (or of the lines on a stream), lines
 *  sorted by stream number or in the order sessions end. */
typedef struct ts_jsonl_writer ts_jsonl_writer;

/** The order of the lines. */
typedef enum {
    TS_JSONL_STREAM_ORDER = 0, /* by stream number, all written at finish */
    TS_JSONL_END_ORDER,        /* each written (one write) as its session ends */
} ts_jsonl_order;

/** Creates a writer for `dir` (created on first use), in stream order. */
ts_jsonl_writer *ts_jsonl_writer_new(const char *dir);
/** Creates a writer for `dir` in `order`. In end order the folder and an
 *  empty sessions.jsonl are created now: NULL with `error` when they cannot
 *  be. */
ts_jsonl_writer *ts_jsonl_writer_new_ordered(const char *dir, ts_jsonl_order order, GError **error);
/** Creates a writer of the lines to `stream` (borrowed, e.g. stdout; it
 *  must stay open until the writer is freed): in end order each line is
 *  written to its descriptor as its session ends; in stream order they are
 *  collected in an anonymous temporary file and copied in order at finish. */
ts_jsonl_writer *ts_jsonl_writer_new_stream(FILE *stream, ts_jsonl_order order);
/** Formats and stores one finished session (call from session_done). */
void ts_jsonl_writer_add(ts_jsonl_writer *w, const ts_session *s);
/** Writes sessions.jsonl (also when empty if `create_empty`); false with
 *  `error` set when any write failed. */
bool ts_jsonl_writer_finish(ts_jsonl_writer *w, bool create_empty, GError **error);
/** Frees the writer, removing any temporary file left behind. */
void ts_jsonl_writer_free(ts_jsonl_writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_jsonl_writer, ts_jsonl_writer_free)

/* ---- tcpflow-style output (out_tcpflow.c) ---------------------------- */

/** Longest tcpflow file name, NUL included (two IPv6 endpoints + "c" + k). */
#define TS_TCPFLOW_NAME_MAX 160

/** Writes the tcpflow 1.6.1 file name of the direction `src` -> `dst` into
 *  `buf` (returned): "--VLAN" when `vlan` >= 0 (tcpflow's number: the whole
 *  TCI of an outermost 802.1Q tag), "cK" when `k` > 0 (the k-th file of that
 *  name, 0-based). */
char *ts_tcpflow_file_name(const ts_endpoint *src, const ts_endpoint *dst, int vlan, unsigned k,
                           char buf[TS_TCPFLOW_NAME_MAX]);

/** Writer of one file per session direction, named like tcpflow's. */
typedef struct ts_tcpflow_writer ts_tcpflow_writer;

/** Creates a writer for `dir` (created on first write). */
ts_tcpflow_writer *ts_tcpflow_writer_new(const char *dir);
/** Registers a new session (call from session_open, in stream order). */
void ts_tcpflow_writer_open(ts_tcpflow_writer *w, ts_session *s);
/** Buffers delivered bytes (call from the data callback). */
void ts_tcpflow_writer_data(ts_tcpflow_writer *w, ts_session *s, const ts_delivery *d);
/** Overwrites bytes already written for `s` (ts_callbacks.rewrite, under
 *  --overlap last), so the file holds what the kept payload holds. */
void ts_tcpflow_writer_rewrite(ts_tcpflow_writer *w, ts_session *s, const ts_rewrite *r);
/** Flushes and releases the session's state (call from session_done). */
void ts_tcpflow_writer_done(ts_tcpflow_writer *w, ts_session *s);
/** Flushes everything; creates `dir` if `create_dir`; false with `error` set
 *  when any write failed. */
bool ts_tcpflow_writer_finish(ts_tcpflow_writer *w, bool create_dir, GError **error);
/** Frees the writer and any session state still attached. */
void ts_tcpflow_writer_free(ts_tcpflow_writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_tcpflow_writer, ts_tcpflow_writer_free)

G_END_DECLS

#endif /* TS_FORMATS_H */
