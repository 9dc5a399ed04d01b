/*
 * native_engine.c — _native.Engine: frames that come from elsewhere (scapy,
 * dpkt, pcapy, a socket) fed one by one; what the original library's
 * process_pkts() did. Each feed() returns the sessions that frame completed,
 * finish() the rest. Runs in the caller's thread with the GIL held: a frame
 * is a few microseconds of work, less than releasing the GIL would cost.
 */
#include "native.h"

typedef struct {
    PyObject_HEAD ts_engine *engine;
    char *spool_dir;
    ts_selection *sel; /* filter=, streams=, since=, until=; NULL: all */
    bool frames;
    ts_py_current_frame current;
    PyObject *completed; /* list of session tuples since the last feed() */
    PyObject *failure;   /* first conversion error, raised by the next call */
    bool discarding;     /* being freed: sessions still finishing are dropped */
} engine_object;

TS_PY_SELECTION_CALLBACKS(engine_object)

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    engine_object *e = user;
    e->current.frame = f;
    e->current.number = number;
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    engine_object *e = user;
    if (e->current.frame != NULL && e->current.number == p->frame)
        ts_py_frames_add(s, &e->current);
}

static void
on_session_done(void *user, ts_session *s)
{
    engine_object *e = user;
    ts_py_frames *frames = ts_py_frames_take(s);
    if (e->failure != NULL || e->discarding) {
        ts_py_frames_free(frames);
        return;
    }
    PyObject *t = ts_py_session_tuple(s, e->frames ? frames : NULL);
    if (!e->frames)
        ts_py_frames_free(frames);
    if (t == NULL || PyList_Append(e->completed, t) < 0) {
        PyObject *type, *tb;
        PyErr_Fetch(&type, &e->failure, &tb);
        PyErr_NormalizeException(&type, &e->failure, &tb);
        Py_XDECREF(type);
        Py_XDECREF(tb);
    }
    Py_XDECREF(t);
}

/* Engine(options=None, frames=False) */
static int
engine_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    engine_object *e = (engine_object *)self;
    static char *names[] = {"options", "frames", NULL};
    PyObject *options = NULL;
    int frames = 0;
    if (e->engine != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Engine already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|Op", names, &options, &frames))
        return -1;
    ts_options opts;
    if (!ts_py_options_from_dict(options, &opts, &e->spool_dir) ||
        !ts_py_selection_from_dict(options, &e->sel))
        return -1;
    opts.keep_payload = true;
    e->frames = frames != 0;
    e->completed = PyList_New(0);
    if (e->completed == NULL)
        return -1;
    ts_callbacks cb = {
        .session_done = on_session_done,
        .frame = e->frames ? on_frame : NULL,
        .packet = e->frames ? on_packet : NULL,
    };
    ts_py_wire_selection(e->sel, &cb);
    e->engine = ts_engine_new(&opts, &cb, e);
    return 0;
}

/* The sessions completed so far (a new list), or the conversion error. */
static PyObject *
take_completed(engine_object *e)
{
    if (e->failure != NULL) {
        PyObject *f = e->failure;
        e->failure = NULL;
        PyErr_SetObject((PyObject *)Py_TYPE(f), f);
        Py_DECREF(f);
        return NULL;
    }
    PyObject *out = e->completed;
    e->completed = PyList_New(0);
    if (e->completed == NULL) {
        e->completed = out;
        return NULL;
    }
    return out;
}

static bool
usable(engine_object *e)
{
    if (e->engine == NULL)
        PyErr_SetString(PyExc_RuntimeError, "Engine not initialised");
    return e->engine != NULL;
}

/* feed(linktype, ts_ns, data, origlen=-1) -> [session tuple, ...] */
static PyObject *
engine_feed(PyObject *self, PyObject *args)
{
    engine_object *e = (engine_object *)self;
    int linktype;
    long long ts_ns, origlen = -1;
    Py_buffer data;
    if (!usable(e) || !PyArg_ParseTuple(args, "iLy*|L", &linktype, &ts_ns, &data, &origlen))
        return NULL;
    if (data.len > UINT32_MAX || origlen > UINT32_MAX) {
        PyBuffer_Release(&data);
        return PyErr_Format(PyExc_ValueError, "a frame is at most 4 GiB");
    }
    uint32_t caplen = (uint32_t)data.len;
    ts_frame f = {
        .linktype = linktype,
        .ts_ns = (int64_t)ts_ns,
        .caplen = caplen,
        .origlen = origlen < 0 ? caplen : (uint32_t)MAX((uint64_t)origlen, (uint64_t)caplen),
        .data = data.buf,
    };
    ts_engine_feed(e->engine, &f);
    e->current.frame = NULL;
    PyBuffer_Release(&data);
    return take_completed(e);
}

static PyObject *
engine_finish(PyObject *self, PyObject *unused)
{
    (void)unused;
    engine_object *e = (engine_object *)self;
    if (!usable(e))
        return NULL;
    ts_engine_finish(e->engine);
    return take_completed(e);
}

static PyObject *
engine_stats(PyObject *self, PyObject *unused)
{
    (void)unused;
    engine_object *e = (engine_object *)self;
    if (!usable(e))
        return NULL;
    return ts_py_stats_dict(ts_engine_stats(e->engine));
}

static PyObject *
engine_warnings(PyObject *self, PyObject *unused)
{
    (void)unused;
    engine_object *e = (engine_object *)self;
    if (!usable(e))
        return NULL;
    return ts_py_warnings_list(e->engine);
}

/* Frees what open sessions collected (the engine drops them unannounced). */
static void
engine_dealloc(PyObject *self)
{
    engine_object *e = (engine_object *)self;
    if (e->engine != NULL) {
        e->discarding = true;
        ts_engine_finish(e->engine); /* releases every session's frames */
        ts_engine_free(e->engine);
    }
    Py_CLEAR(e->completed);
    Py_CLEAR(e->failure);
    g_free(e->spool_dir);
    ts_selection_free(e->sel);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef engine_methods[] = {
    {"feed", engine_feed, METH_VARARGS,
     "feed(linktype, ts_ns, data, origlen=-1): one frame; the session tuples it completed."},
    {"finish", engine_finish, METH_NOARGS, "Ends the input; the session tuples still open."},
    {"stats", engine_stats, METH_NOARGS, "The counters so far, as a dict."},
    {"warnings", engine_warnings, METH_NOARGS, "The warnings so far, as a list of str."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject ts_py_engine_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tcpsession._native.Engine",
    .tp_basicsize = sizeof(engine_object),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Engine(options=None, frames=False): frames fed one by one.",
    .tp_new = PyType_GenericNew,
    .tp_init = engine_init,
    .tp_dealloc = engine_dealloc,
    .tp_methods = engine_methods,
};
