/*
 * native_module.c — the module `tcpsession._native`: its types (Reader,
 * Engine), write(), and the library's names the Python layer needs (anomaly
 * types, close reasons, link types, version). Everything users see is in
 * tcpsession/__init__.py; this module is its private engine room.
 */
#include "native.h"

static PyMethodDef module_methods[] = {
    {"write", ts_py_write, METH_VARARGS,
     "write(path, out_dir, format, options): one capture into out_dir with a format of "
     "`tcpsession extract`; (stats, warnings, capture error or None, output error or None)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tcpsession._native",
    .m_doc = "The C half of the tcpsession package (libtcpsession). Use tcpsession instead.",
    .m_size = -1,
    .m_methods = module_methods,
};

/* ANOMALY_TYPES: the library's anomaly type names, in enum order. */
static int
add_names(PyObject *m)
{
    PyObject *types = PyTuple_New(TS_ANOMALY_COUNT_);
    if (types == NULL)
        return -1;
    for (int i = 0; i < TS_ANOMALY_COUNT_; i++)
        PyTuple_SET_ITEM(types, i, PyUnicode_FromString(ts_anomaly_type_name((ts_anomaly_type)i)));
    if (PyModule_AddObject(m, "ANOMALY_TYPES", types) < 0) {
        Py_DECREF(types);
        return -1;
    }
    PyObject *reasons = Py_BuildValue(
        "(ssssss)", ts_close_reason_name(TS_CLOSE_FIN), ts_close_reason_name(TS_CLOSE_RST),
        ts_close_reason_name(TS_CLOSE_REUSED), ts_close_reason_name(TS_CLOSE_END_OF_CAPTURE),
        ts_close_reason_name(TS_CLOSE_IDLE), ts_close_reason_name(TS_CLOSE_EVICTED));
    if (reasons == NULL || PyModule_AddObject(m, "CLOSE_REASONS", reasons) < 0) {
        Py_XDECREF(reasons);
        return -1;
    }
    if (PyModule_AddStringConstant(m, "LIBRARY_VERSION", ts_version()) < 0 ||
        PyModule_AddIntConstant(m, "ERROR_IO", TS_ERROR_IO) < 0 ||
        PyModule_AddIntConstant(m, "ERROR_FORMAT", TS_ERROR_FORMAT) < 0 ||
        PyModule_AddIntConstant(m, "ERROR_CORRUPT", TS_ERROR_CORRUPT) < 0)
        return -1;
    return 0;
}

PyMODINIT_FUNC PyInit__native(void);

PyMODINIT_FUNC
PyInit__native(void)
{
    if (PyType_Ready(&ts_py_reader_type) < 0 || PyType_Ready(&ts_py_engine_type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ts_py_reader_type);
    Py_INCREF(&ts_py_engine_type);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ts_py_reader_type) < 0 ||
        PyModule_AddObject(m, "Engine", (PyObject *)&ts_py_engine_type) < 0 || add_names(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
