/*
 * format.h — the interface every output format of `tcpsession extract`
 * implements: one operations table (as tmux's window modes), filled by one
 * `const ts_format ts_format_NAME` in the format's file and listed in
 * formats.c, where `--format` looks names up. A new format is one file and
 * one entry there.
 *
 * A run opens one writer per output format and capture, hands it the
 * engine's callbacks (and each frame, when it asks for them), then finishes
 * and frees it. The format says what it needs from the engine in `needs`;
 * an op whose flag is not set is NULL and the callback is not wired.
 */
#ifndef TS_FORMAT_H
#define TS_FORMAT_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

/** What a format needs from the engine (ts_format.needs). */
enum {
    TS_FORMAT_NEEDS_PAYLOAD = 1u << 0,       /* run with keep_payload */
    TS_FORMAT_NEEDS_DATA = 1u << 1,          /* the data callback: `data` op */
    TS_FORMAT_NEEDS_GAPS = 1u << 2,          /* the gap callback: `gap` op */
    TS_FORMAT_NEEDS_PACKETS = 1u << 3,       /* the packet callback: `packet` op */
    TS_FORMAT_NEEDS_FRAMES = 1u << 4,        /* every frame before the engine: `frame` op */
    TS_FORMAT_NEEDS_STREAM_FRAMES = 1u << 5, /* each stream's frames: `stream_frame` op */
};

/** Where a writer puts one capture's output (borrowed by open). */
typedef struct {
    const char *dir;    /* the capture's output folder (DIR/STEM) */
    const char *js_dir; /* --js: the folder of the .js files, else NULL */
    /* --order end: a format whose output order is its choice writes each
       session as it ends (jsonl); the others always do */
    bool end_order;
    /* `-o -`: formats with writes_stream write here instead of `dir`
       (borrowed); NULL otherwise */
    FILE *stream;
    /* the capture's path as given ("-": stdin) for the "capture" key of JSON
       output (NULL: null), and the seed of its "community_id" key */
    const char *capture;
    uint16_t community_id_seed;
} ts_format_args;

/** The operations of one output format. The `void *w` of every op is the
 *  writer `open` returned. */
typedef struct ts_format {
    const char *name;    /* what --format takes */
    const char *summary; /* --help text: lines separated by '\n', no final one */
    const char *mention; /* in the --format option's help; NULL: the name */
    unsigned needs;      /* TS_FORMAT_NEEDS_* */
    /* True when the writer extracts JavaScript into args->js_dir itself;
       otherwise --js adds ts_format_js beside it. */
    bool writes_js;
    /* True when the format can write its whole output to one stream
       (ts_format_args.stream, `-o -`). */
    bool writes_stream;

    /* Creates a writer (folders are created on first use, or by finish);
       NULL with `error` set on failure. */
    void *(*open)(const ts_format_args *args, GError **error);
    /* Engine callbacks (see tcpsession.h); session_open and session_done
       may be NULL, the others are NULL unless their flag is in `needs`. */
    void (*session_open)(void *w, ts_session *s);
    void (*data)(void *w, ts_session *s, const ts_delivery *d);
    /* Delivered bytes replaced under --overlap last (ts_callbacks.rewrite);
       may be NULL, wired only with TS_FORMAT_NEEDS_DATA. */
    void (*rewrite)(void *w, ts_session *s, const ts_rewrite *r);
    void (*gap)(void *w, ts_session *s, const ts_gap *gap);
    void (*packet)(void *w, ts_session *s, const ts_packet *p);
    void (*session_done)(void *w, ts_session *s);
    /* Called with each frame (1-based `number`, as the engine numbers them)
       just before the engine processes it, and with f NULL (number 0) after
       the last one, before the sessions still open are finished. Fed by the
       command's frame hook, or by the library's ts_callbacks.frame, whose
       arguments it takes in the same order. */
    void (*frame)(void *w, const ts_frame *f, uint64_t number);
    /* Called with each decoded TCP segment (ts_callbacks.segment); NULL
       unless TS_FORMAT_NEEDS_FRAMES. */
    void (*segment)(void *w, const ts_segment *seg);
    /* Called with each frame of a stream and once with f NULL when the
       stream is over (ts_callbacks.stream_frame, same arguments); NULL
       unless TS_FORMAT_NEEDS_STREAM_FRAMES. */
    void (*stream_frame)(void *w, uint64_t stream, const ts_frame *f, uint64_t number);
    /* Ends the capture's output: writes what is pending, creates the
       folders when `create_empty` and nothing was written; false with
       `error` when a write failed (now or earlier). */
    bool (*finish)(void *w, bool create_empty, GError **error);
    /* Frees the writer (NULL allowed), removing temporary files. */
    void (*free)(void *w);
} ts_format;

/* The formats (one per file). */
extern const ts_format ts_format_jsonl;   /* out_jsonl.c */
extern const ts_format ts_format_json;    /* out_legacy.c: the original's files */
extern const ts_format ts_format_raw;     /* out_raw.c */
extern const ts_format ts_format_tcpflow; /* out_tcpflow.c */
extern const ts_format ts_format_pcap;    /* out_pcap.c */
extern const ts_format ts_format_none;    /* formats.c */
/** --js beside a format that does not write JavaScript itself: the
 *  original's extraction only (out_legacy.c). Not selectable by --format. */
extern const ts_format ts_format_js;

/** The format --format NAME selects (exact name), or NULL. */
const ts_format *ts_format_lookup(const char *name);

/** The --format formats in --help order (jsonl first: the default);
 *  *n gets their count. The table is static. */
const ts_format *const *ts_format_list(size_t *n);

/** The format used without --format (jsonl). */
const ts_format *ts_format_default(void);

/** The help of the --format option: every format's mention, joined by ", "
 *  and a final " or " (caller frees). */
char *ts_format_option_help(void);

/** Appends the "Formats:" lines of --help: per format "  NAME     " and
 *  its summary, continuation lines indented to the same column. */
void ts_format_append_help(GString *out);

G_END_DECLS

#endif /* TS_FORMAT_H */
