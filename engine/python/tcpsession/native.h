/*
 * native.h — what the files of the Python extension module
 * `tcpsession._native` share. The module is a CPython extension over the
 * public API of libtcpsession (tcpsession.h) and, for writing output folders,
 * the output formats (engine/formats); it includes nothing else of the
 * engine. See engine/python/README.md for the design (threads, the GIL, who
 * owns which memory).
 */
#ifndef TS_PY_NATIVE_H
#define TS_PY_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "tcpsession.h"
#include "util/selection.h"

#include <stdbool.h>

/* The packets (whole frames) a session collected, with `frames=True`:
 * owned by the session's user pointer until the session is converted. */
typedef struct ts_py_frames ts_py_frames;

/* The frame the engine is processing (the frame callback's), so that the
 * packet callback can keep its bytes. `data` is borrowed from the engine for
 * as long as the engine processes the frame. */
typedef struct {
    const ts_frame *frame; /* NULL outside a frame */
    uint64_t number;
} ts_py_current_frame;

/* ---- options (native_options.c) ------------------------------------------ */

/* Fills `opts` from the Python package's option dict (keys checked by the
 * Python layer; unknown keys raise TypeError here too). `spool_dir` gets a
 * copy of the spool folder (caller frees with g_free) or NULL. Returns false
 * with a Python exception set. */
bool ts_py_options_from_dict(PyObject *dict, ts_options *opts, char **spool_dir);

/* The selection (filter=, streams=, since=, until=) of an option dict: *sel
 * is NULL when none is asked, else the caller's (ts_selection_free). Returns
 * false with a Python exception set (ValueError: the library's message). */
bool ts_py_selection_from_dict(PyObject *dict, ts_selection **sel);

/* Defines select_frame_cb and select_session_cb, the selection callbacks of
 * an engine whose user pointer is a TYPE with a `ts_selection *sel` member;
 * ts_py_wire_selection() sets them in a ts_callbacks. */
#define TS_PY_SELECTION_CALLBACKS(TYPE)                                                            \
    static bool select_frame_cb(void *user, const ts_frame *f, uint64_t number)                   \
    {                                                                                              \
        (void)number;                                                                              \
        return ts_selection_frame(((TYPE *)user)->sel, f);                                         \
    }                                                                                              \
    static bool select_session_cb(void *user, const ts_session *s)                                 \
    {                                                                                              \
        return ts_selection_session(((TYPE *)user)->sel, s);                                       \
    }

#define ts_py_wire_selection(sel, cb)                                                              \
    do {                                                                                           \
        if ((sel) != NULL && ts_selection_has_filter(sel))                                         \
            (cb)->select_frame = select_frame_cb;                                                  \
        if ((sel) != NULL && ts_selection_has_sessions(sel))                                       \
            (cb)->select_session = select_session_cb;                                              \
    } while (0)

/* ---- sessions (native_session.c) ---------------------------------------- */

/* The tuple the Python layer turns into a tcpsession.Session (see
 * Session.__init__ in tcpsession/_model.py for the order of its fields; the
 * Community ID is that of seed 0);
 * `frames` (may be NULL) is consumed. New reference, NULL with an exception
 * set. Needs the GIL. */
PyObject *ts_py_session_tuple(const ts_session *s, ts_py_frames *frames);

/* A dict of the engine's counters (ts_stats field names). New reference. */
PyObject *ts_py_stats_dict(const ts_stats *st);

/* The engine's warnings as a list of str. New reference. */
PyObject *ts_py_warnings_list(const ts_engine *engine);

/* The packet callback with `frames=True`: keeps the current frame's bytes in
 * the session's collection (created on the first packet). No GIL needed. */
void ts_py_frames_add(ts_session *s, const ts_py_current_frame *cur);

/* Frees a session's collection (NULL allowed). No GIL needed. */
void ts_py_frames_free(ts_py_frames *frames);

/* Takes the session's collection away from it (NULL when none). */
ts_py_frames *ts_py_frames_take(ts_session *s);

/* ---- the types (native_reader.c, native_engine.c) ----------------------- */

extern PyTypeObject ts_py_reader_type; /* _native.Reader */
extern PyTypeObject ts_py_engine_type; /* _native.Engine */

/* _native.write(path, out_dir, format, options): runs one capture into an
 * output folder with one of the command's formats (native_write.c). */
PyObject *ts_py_write(PyObject *module, PyObject *args);

#endif /* TS_PY_NATIVE_H */
