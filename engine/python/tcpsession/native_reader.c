/*
 * native_reader.c — _native.Reader: reads one capture file in a thread of its
 * own and hands its sessions to Python one at a time, as they complete.
 *
 * The reading thread runs ts_engine_run_file() without the GIL. When a
 * session completes, it waits until Python took the previous one, takes the
 * GIL just long enough to copy the session into Python objects, and puts it
 * in a one-session slot. __next__ waits for the slot with the GIL released
 * (waking every 100 ms for Ctrl-C). So at most one finished session waits in
 * Python beside the one the caller holds, and memory stays bounded as the
 * command's is. close() (and deallocation) stops the reading: the engine is
 * interrupted, the sessions it still finishes are dropped unconverted, and
 * the thread is joined.
 */
#include "native.h"

typedef struct {
    PyObject_HEAD ts_engine *engine;
    char *path;
    char *spool_dir;
    ts_selection *sel; /* filter=, streams=, since=, until=; NULL: all */
    bool frames;
    ts_py_current_frame current; /* with frames: the frame being processed */
    GThread *thread;
    GMutex lock;
    GCond cond;
    /* under lock: */
    PyObject *slot;    /* a session tuple waiting for __next__, or NULL */
    bool done;         /* the reading thread has finished */
    bool cancelled;    /* close(): drop what still completes */
    PyObject *failure; /* an exception raised while converting (GIL objects) */
    /* set by the thread before `done`: */
    bool ok;
    GError *error;
    bool joined;
} reader;

TS_PY_SELECTION_CALLBACKS(reader)

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    reader *r = user;
    r->current.frame = f;
    r->current.number = number;
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    reader *r = user;
    if (r->current.frame != NULL && r->current.number == p->frame)
        ts_py_frames_add(s, &r->current);
}

/* The reading thread: one completed session into the slot. */
static void
on_session_done(void *user, ts_session *s)
{
    reader *r = user;
    ts_py_frames *frames = ts_py_frames_take(s);
    g_mutex_lock(&r->lock);
    while (r->slot != NULL && !r->cancelled)
        g_cond_wait(&r->cond, &r->lock);
    bool drop = r->cancelled || r->failure != NULL;
    g_mutex_unlock(&r->lock);
    if (drop) {
        ts_py_frames_free(frames);
        return;
    }
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *t = ts_py_session_tuple(s, r->frames ? frames : NULL);
    if (!r->frames)
        ts_py_frames_free(frames);
    PyObject *failure = NULL;
    if (t == NULL) {
        PyObject *type, *tb;
        PyErr_Fetch(&type, &failure, &tb);
        PyErr_NormalizeException(&type, &failure, &tb);
        Py_XDECREF(type);
        Py_XDECREF(tb);
    }
    PyGILState_Release(gil);
    g_mutex_lock(&r->lock);
    if (t != NULL)
        r->slot = t;
    else
        r->failure = failure;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
    if (t == NULL)
        ts_engine_interrupt(r->engine);
}

static gpointer
read_thread(gpointer data)
{
    reader *r = data;
    GError *error = NULL;
    bool ok = ts_engine_run_file(r->engine, r->path, &error);
    g_mutex_lock(&r->lock);
    r->ok = ok;
    r->error = error;
    r->done = true;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
    return NULL;
}

/* Reader(path, options, frames=False) */
static int
reader_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    reader *r = (reader *)self;
    static char *names[] = {"path", "options", "frames", NULL};
    PyObject *path = NULL, *options = NULL;
    int frames = 0;
    if (r->engine != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Reader already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|Op", names, PyUnicode_FSConverter, &path,
                                     &options, &frames))
        return -1;
    ts_options opts;
    if (!ts_py_options_from_dict(options, &opts, &r->spool_dir) ||
        !ts_py_selection_from_dict(options, &r->sel)) {
        Py_DECREF(path);
        return -1;
    }
    opts.keep_payload = true;
    r->path = g_strdup(PyBytes_AS_STRING(path));
    Py_DECREF(path);
    r->frames = frames != 0;
    ts_callbacks cb = {
        .session_done = on_session_done,
        .frame = r->frames ? on_frame : NULL,
        .packet = r->frames ? on_packet : NULL,
    };
    ts_py_wire_selection(r->sel, &cb);
    r->engine = ts_engine_new(&opts, &cb, r);
    g_mutex_init(&r->lock);
    g_cond_init(&r->cond);
    r->thread = g_thread_new("tcpsession-reader", read_thread, r);
    return 0;
}

/* Stops the thread (when `cancel`) and waits for it; GIL held on entry. */
static void
join(reader *r, bool cancel)
{
    if (r->thread == NULL || r->joined)
        return;
    g_mutex_lock(&r->lock);
    if (cancel) {
        r->cancelled = true;
        ts_engine_interrupt(r->engine);
        Py_CLEAR(r->slot);
        g_cond_broadcast(&r->cond);
    }
    g_mutex_unlock(&r->lock);
    Py_BEGIN_ALLOW_THREADS g_thread_join(r->thread);
    Py_END_ALLOW_THREADS r->thread = NULL;
    r->joined = true;
}

/* The capture's error as (code, message), or None. */
static PyObject *
error_tuple(const reader *r)
{
    if (r->error == NULL)
        Py_RETURN_NONE;
    return Py_BuildValue("(is)", r->error->code, r->error->message);
}

static PyObject *
reader_next(PyObject *self)
{
    reader *r = (reader *)self;
    if (r->engine == NULL || r->joined)
        return NULL;
    for (;;) {
        PyObject *t = NULL;
        bool done = false;
        Py_BEGIN_ALLOW_THREADS g_mutex_lock(&r->lock);
        if (r->slot == NULL && !r->done && r->failure == NULL)
            g_cond_wait_until(&r->cond, &r->lock,
                              g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND);
        t = r->slot;
        r->slot = NULL;
        done = r->done || r->failure != NULL;
        if (t != NULL)
            g_cond_broadcast(&r->cond);
        g_mutex_unlock(&r->lock);
        Py_END_ALLOW_THREADS if (t != NULL) return t;
        if (done) {
            join(r, false);
            if (r->failure != NULL) {
                PyObject *f = r->failure;
                r->failure = NULL;
                PyErr_SetObject((PyObject *)Py_TYPE(f), f);
                Py_DECREF(f);
            }
            return NULL;
        }
        if (PyErr_CheckSignals() < 0) {
            join(r, true);
            return NULL;
        }
    }
}

static PyObject *
reader_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    join((reader *)self, true);
    Py_RETURN_NONE;
}

/* stats, warnings and error are final once iteration ended. */
static PyObject *
reader_result(PyObject *self, PyObject *unused)
{
    (void)unused;
    reader *r = (reader *)self;
    if (r->engine == NULL || !r->joined) {
        PyErr_SetString(PyExc_RuntimeError, "the capture is still being read");
        return NULL;
    }
    return Py_BuildValue("(NNNO)", ts_py_stats_dict(ts_engine_stats(r->engine)),
                         ts_py_warnings_list(r->engine), error_tuple(r),
                         r->ok ? Py_True : Py_False);
}

static void
reader_dealloc(PyObject *self)
{
    reader *r = (reader *)self;
    if (r->engine != NULL) {
        join(r, true);
        ts_engine_free(r->engine);
        g_mutex_clear(&r->lock);
        g_cond_clear(&r->cond);
    }
    Py_CLEAR(r->failure);
    Py_CLEAR(r->slot);
    if (r->error != NULL)
        g_error_free(r->error);
    g_free(r->path);
    g_free(r->spool_dir);
    ts_selection_free(r->sel);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef reader_methods[] = {
    {"close", reader_close, METH_NOARGS, "Stops reading and waits for the reading thread."},
    {"result", reader_result, METH_NOARGS,
     "(stats dict, warnings list, (error code, message) or None, ok) after the end."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject ts_py_reader_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tcpsession._native.Reader",
    .tp_basicsize = sizeof(reader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Reader(path, options=None, frames=False): the sessions of one capture, "
              "read in a thread, as tuples (see tcpsession.Session).",
    .tp_new = PyType_GenericNew,
    .tp_init = reader_init,
    .tp_dealloc = reader_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = reader_next,
    .tp_methods = reader_methods,
};
