/*
 * native_options.c — the Python package's reassembly options as the
 * library's ts_options. The Python layer (tcpsession/_options.py) parses
 * sizes such as "64M" and checks ranges; this file only copies ints, floats,
 * booleans and one string into the struct, by name.
 */
#include "native.h"

#include <string.h>

/* The keys of the selection (ts_py_selection_from_dict), not ts_options. */
static const char *const selection_keys[] = {"filter", "streams", "since", "until"};

static bool
is_selection_key(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(selection_keys); i++) {
        if (strcmp(name, selection_keys[i]) == 0)
            return true;
    }
    return false;
}

/* How one option is stored in ts_options. */
typedef enum { OPT_SIZE, OPT_DOUBLE, OPT_BOOL, OPT_PORT, OPT_OVERLAP, OPT_SPOOL } option_kind;

typedef struct {
    const char *name;
    option_kind kind;
    size_t offset; /* into ts_options */
} option_field;

#define FIELD(name, kind, member)                                                                  \
    {                                                                                              \
        name, kind, offsetof(ts_options, member)                                                   \
    }

static const option_field fields[] = {
    FIELD("overlap", OPT_OVERLAP, overlap),
    FIELD("verify_checksums", OPT_BOOL, verify_checksums),
    FIELD("max_buffer", OPT_SIZE, max_buffered_bytes),
    FIELD("max_anomalies", OPT_SIZE, max_anomalies),
    FIELD("idle_timeout", OPT_DOUBLE, idle_timeout),
    FIELD("close_linger", OPT_DOUBLE, close_linger),
    FIELD("max_memory", OPT_SIZE, max_payload_memory),
    FIELD("spool_dir", OPT_SPOOL, spool_dir),
    FIELD("map_files", OPT_BOOL, map_files),
    FIELD("ip_fragment_timeout", OPT_DOUBLE, ip_fragment_timeout),
    FIELD("ip_fragment_memory", OPT_SIZE, ip_fragment_memory),
    FIELD("vxlan_port", OPT_PORT, vxlan_port),
    FIELD("geneve_port", OPT_PORT, geneve_port),
    FIELD("gtpu_port", OPT_PORT, gtpu_port),
    FIELD("teredo_port", OPT_PORT, teredo_port),
    FIELD("retransmission_window", OPT_SIZE, retransmission_window),
    FIELD("retransmission_acked", OPT_SIZE, retransmission_acked),
    FIELD("max_session_memory", OPT_SIZE, max_session_memory),
};

static const option_field *
find_field(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    return NULL;
}

/* Stores one value; false with an exception set. */
static bool
set_field(const option_field *f, PyObject *value, ts_options *opts, char **spool_dir)
{
    char *at = (char *)opts + f->offset;
    switch (f->kind) {
    case OPT_SIZE: {
        unsigned long long v = PyLong_AsUnsignedLongLong(value);
        if (PyErr_Occurred())
            return false;
        *(size_t *)at = (size_t)v;
        return true;
    }
    case OPT_DOUBLE: {
        double v = PyFloat_AsDouble(value);
        if (PyErr_Occurred())
            return false;
        *(double *)at = v;
        return true;
    }
    case OPT_BOOL: {
        int v = PyObject_IsTrue(value);
        if (v < 0)
            return false;
        *(bool *)at = v != 0;
        return true;
    }
    case OPT_PORT: {
        long v = PyLong_AsLong(value);
        if (PyErr_Occurred())
            return false;
        if (v < 0 || v > 65535) {
            PyErr_Format(PyExc_ValueError, "%s: %ld is not a port (0-65535)", f->name, v);
            return false;
        }
        *(uint16_t *)at = (uint16_t)v;
        return true;
    }
    case OPT_OVERLAP: {
        long v = PyLong_AsLong(value);
        if (PyErr_Occurred())
            return false;
        if (v < TS_OVERLAP_FIRST || v > TS_OVERLAP_LINUX) {
            PyErr_Format(PyExc_ValueError, "overlap: %ld is not a policy", v);
            return false;
        }
        *(ts_overlap_policy *)at = (ts_overlap_policy)v;
        return true;
    }
    case OPT_SPOOL:
        if (value == Py_None)
            return true;
        PyObject *bytes = NULL;
        if (!PyUnicode_FSConverter(value, &bytes))
            return false;
        g_free(*spool_dir);
        *spool_dir = g_strdup(PyBytes_AS_STRING(bytes));
        Py_DECREF(bytes);
        opts->spool_dir = *spool_dir;
        return true;
    }
    return true;
}

bool
ts_py_options_from_dict(PyObject *dict, ts_options *opts, char **spool_dir)
{
    ts_options_init(opts);
    *spool_dir = NULL;
    if (dict == NULL || dict == Py_None)
        return true;
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "options must be a dict");
        return false;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        if (name != NULL && is_selection_key(name))
            continue;
        const option_field *f = name != NULL ? find_field(name) : NULL;
        if (f == NULL) {
            PyErr_Format(PyExc_TypeError, "unknown option %R", key);
            goto fail;
        }
        if (!set_field(f, value, opts, spool_dir))
            goto fail;
    }
    return true;
fail:
    g_free(*spool_dir);
    *spool_dir = NULL;
    return false;
}

/* The selection of an option dict (strings prepared by _options.py). */
bool
ts_py_selection_from_dict(PyObject *dict, ts_selection **sel)
{
    *sel = NULL;
    if (dict == NULL || !PyDict_Check(dict))
        return true;
    const char *texts[G_N_ELEMENTS(selection_keys)] = {NULL};
    bool any = false;
    for (size_t i = 0; i < G_N_ELEMENTS(selection_keys); i++) {
        PyObject *value = PyDict_GetItemString(dict, selection_keys[i]); /* borrowed */
        if (value == NULL || value == Py_None)
            continue;
        if (!PyUnicode_Check(value)) {
            PyErr_Format(PyExc_TypeError, "%s must be a str", selection_keys[i]);
            return false;
        }
        texts[i] = PyUnicode_AsUTF8(value);
        if (texts[i] == NULL)
            return false;
        any = true;
    }
    if (!any)
        return true;
    ts_selection_spec spec = {texts[0], texts[1], texts[2], texts[3]};
    GError *error = NULL;
    *sel = ts_selection_new(&spec, &error);
    if (*sel == NULL) {
        /* the library names the command's options: say the keyword instead */
        static const char *const option[] = {"--stream '", "--since '", "--until '"};
        static const char *const keyword[] = {"streams=", "since=", "until="};
        const char *msg = error->message;
        g_autofree char *text = NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(option) && text == NULL; i++) {
            if (g_str_has_prefix(msg, option[i]))
                text = g_strconcat(keyword[i], msg + strlen(option[i]) - 1, NULL);
        }
        PyErr_SetString(PyExc_ValueError, text != NULL ? text : msg);
        g_error_free(error);
        return false;
    }
    return true;
}
