/*
 * native_write.c — _native.write(): one capture into an output folder with
 * one of the command's formats (the same writers `tcpsession extract` uses,
 * looked up by name in the formats' table), so the Python package writes
 * exactly the command's files: the original API's dump_all_sessions() is
 * `extract --format json`. The reading runs without the GIL.
 */
#include "native.h"

#include "formats/format.h"
#include "util/out_dir.h"

#include <stdio.h>

/* The writer of the run, handed to the engine callbacks. */
typedef struct {
    const ts_format *format;
    void *w;
    ts_selection *sel; /* filter=, streams=, since=, until=; NULL: all */
} write_run;

TS_PY_SELECTION_CALLBACKS(write_run)

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    write_run *run = user;
    run->format->frame(run->w, f, number);
}

static void
on_segment(void *user, const ts_segment *seg)
{
    write_run *run = user;
    run->format->segment(run->w, seg);
}

static void
on_stream_frame(void *user, uint64_t stream, const ts_frame *f, uint64_t number)
{
    write_run *run = user;
    run->format->stream_frame(run->w, stream, f, number);
}

static void
on_session_open(void *user, ts_session *s)
{
    write_run *run = user;
    if (run->format->session_open != NULL)
        run->format->session_open(run->w, s);
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    write_run *run = user;
    run->format->data(run->w, s, d);
}

static void
on_rewrite(void *user, ts_session *s, const ts_rewrite *r)
{
    write_run *run = user;
    if (run->format->rewrite != NULL)
        run->format->rewrite(run->w, s, r);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *gap)
{
    write_run *run = user;
    run->format->gap(run->w, s, gap);
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    write_run *run = user;
    run->format->packet(run->w, s, p);
}

static void
on_session_done(void *user, ts_session *s)
{
    write_run *run = user;
    if (run->format->session_done != NULL)
        run->format->session_done(run->w, s);
}

/* The engine wired to the writer as `extract` wires it. */
static ts_engine *
new_engine(ts_options *opts, write_run *run)
{
    unsigned needs = run->format->needs;
    opts->keep_payload = (needs & TS_FORMAT_NEEDS_PAYLOAD) != 0;
    ts_callbacks cb = {
        .session_open = on_session_open,
        .data = (needs & TS_FORMAT_NEEDS_DATA) ? on_data : NULL,
        .gap = (needs & TS_FORMAT_NEEDS_GAPS) ? on_gap : NULL,
        .packet = (needs & TS_FORMAT_NEEDS_PACKETS) ? on_packet : NULL,
        .session_done = on_session_done,
        .frame = (needs & TS_FORMAT_NEEDS_FRAMES) ? on_frame : NULL,
        .segment = (needs & TS_FORMAT_NEEDS_FRAMES) ? on_segment : NULL,
        .rewrite = (needs & TS_FORMAT_NEEDS_DATA) ? on_rewrite : NULL,
        .stream_frame = (needs & TS_FORMAT_NEEDS_STREAM_FRAMES) ? on_stream_frame : NULL,
    };
    ts_py_wire_selection(run->sel, &cb);
    return ts_engine_new(opts, &cb, run);
}

/* One capture into `dir` with `format`; the result tuple of write(). */
static PyObject *
run_write(const char *path, const char *dir, const ts_format *format, PyObject *options)
{
    ts_options opts;
    g_autofree char *spool_dir = NULL;
    ts_selection *sel = NULL;
    if (!ts_py_options_from_dict(options, &opts, &spool_dir) ||
        !ts_py_selection_from_dict(options, &sel))
        return NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) write_error = NULL;
    const ts_format_args fargs = {.dir = dir, .js_dir = NULL, .capture = path};
    write_run run = {format, NULL, sel};
    ts_engine *engine = NULL;
    ts_out_root_add(dir); /* the caller's folder: no link is followed beneath it */
    Py_BEGIN_ALLOW_THREADS run.w = format->open(&fargs, &write_error);
    if (run.w != NULL) {
        engine = new_engine(&opts, &run);
        ts_engine_run_file(engine, path, &error);
        format->finish(run.w, true, write_error == NULL ? &write_error : NULL);
        format->free(run.w);
    }
    g_autofree char *notices = ts_out_take_notices();
    if (notices != NULL)
        fputs(notices, stderr);
    Py_END_ALLOW_THREADS PyObject *result = Py_BuildValue(
        "(NNNN)", engine != NULL ? ts_py_stats_dict(ts_engine_stats(engine)) : PyDict_New(),
        engine != NULL ? ts_py_warnings_list(engine) : PyList_New(0),
        error != NULL ? Py_BuildValue("(is)", error->code, error->message) : Py_NewRef(Py_None),
        write_error != NULL ? PyUnicode_DecodeFSDefault(write_error->message) : Py_NewRef(Py_None));
    ts_engine_free(engine);
    ts_selection_free(sel);
    return result;
}

/* write(path, out_dir, format, options) -> (stats, warnings, capture error
 * (code, message) or None, output error message or None) */
PyObject *
ts_py_write(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *path = NULL, *dir = NULL, *options = NULL, *result = NULL;
    const char *format_name;
    if (!PyArg_ParseTuple(args, "O&O&sO", PyUnicode_FSConverter, &path, PyUnicode_FSConverter, &dir,
                          &format_name, &options))
        goto out;
    const ts_format *format = ts_format_lookup(format_name);
    if (format == NULL)
        PyErr_Format(PyExc_ValueError, "unknown format %R", PyTuple_GET_ITEM(args, 2));
    else
        result = run_write(PyBytes_AS_STRING(path), PyBytes_AS_STRING(dir), format, options);
out:
    Py_XDECREF(path);
    Py_XDECREF(dir);
    return result;
}
