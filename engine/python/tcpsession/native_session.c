/*
 * native_session.c — a finished ts_session as the tuple the Python layer
 * wraps in tcpsession.Session, the engine's counters and warnings as Python
 * objects, and the per-session collection of whole frames (`frames=True`).
 *
 * Each direction's delivered bytes are copied once, into one bytes object;
 * messages are (direction, frame, ts_ns, time, offset, length) into it, so
 * the Python layer slices them without copying (memoryview).
 */
#include "native.h"

#include <inttypes.h>
#include <stdio.h>

/* One collected frame: its place in `bytes` and what a pcap record needs. */
typedef struct {
    uint64_t number;
    int64_t ts_ns;
    int linktype;
    uint32_t origlen;
    uint32_t caplen;
    size_t at; /* offset of its bytes in ts_py_frames.bytes */
} frame_record;

struct ts_py_frames {
    GArray *records;   /* frame_record */
    GByteArray *bytes; /* the frames' bytes, one after the other */
};

void
ts_py_frames_add(ts_session *s, const ts_py_current_frame *cur)
{
    if (cur->frame == NULL)
        return;
    ts_py_frames *fr = ts_session_get_user(s);
    if (fr == NULL) {
        fr = g_new0(ts_py_frames, 1);
        fr->records = g_array_new(FALSE, FALSE, sizeof(frame_record));
        fr->bytes = g_byte_array_new();
        ts_session_set_user(s, fr);
    }
    if (fr->records->len > 0 &&
        g_array_index(fr->records, frame_record, fr->records->len - 1).number == cur->number)
        return; /* one frame, one record (a frame is one packet of a session) */
    const ts_frame *f = cur->frame;
    frame_record r = {cur->number, f->ts_ns, f->linktype, f->origlen, f->caplen, fr->bytes->len};
    g_array_append_val(fr->records, r);
    g_byte_array_append(fr->bytes, f->data, f->caplen);
}

void
ts_py_frames_free(ts_py_frames *fr)
{
    if (fr == NULL)
        return;
    g_array_free(fr->records, TRUE);
    g_byte_array_free(fr->bytes, TRUE);
    g_free(fr);
}

ts_py_frames *
ts_py_frames_take(ts_session *s)
{
    ts_py_frames *fr = ts_session_get_user(s);
    ts_session_set_user(s, NULL);
    return fr;
}

/* A list of `n` items made by `item(items, i)` (new references); NULL with
 * an exception set when one fails. The one loop every list here uses. */
typedef PyObject *(*item_fn)(const void *items, size_t i);

static PyObject *
list_of(const void *items, size_t n, item_fn item)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list != NULL && i < n; i++) {
        PyObject *o = item(items, i);
        if (o == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, o);
    }
    return list;
}

/* (number, ts_ns, linktype, origlen, bytes) of frame i. */
static PyObject *
frame_item(const void *items, size_t i)
{
    const ts_py_frames *fr = items;
    const frame_record *r = &g_array_index(fr->records, frame_record, i);
    return Py_BuildValue("(KLiIy#)", (unsigned long long)r->number, (long long)r->ts_ns,
                         r->linktype, (unsigned)r->origlen, (const char *)fr->bytes->data + r->at,
                         (Py_ssize_t)r->caplen);
}

/* [(number, ts_ns, linktype, origlen, bytes), ...]; consumes `fr`. */
static PyObject *
frames_list(ts_py_frames *fr)
{
    if (fr == NULL)
        return PyList_New(0);
    PyObject *list = list_of(fr, fr->records->len, frame_item);
    ts_py_frames_free(fr);
    return list;
}

/* Seconds as a float, the value Python's json module reads from the
 * "SECONDS.FRACTION" text the jsonl format writes (so to_dict() equals the
 * parsed line exactly): nanoseconds do not fit a double's 53 bits. */
static PyObject *
seconds(int64_t ns)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    char text[40];
    snprintf(text, sizeof text, "%s%" PRIu64 ".%09u", ns < 0 ? "-" : "", mag / 1000000000u,
             (unsigned)(mag % 1000000000u));
    double v = PyOS_string_to_double(text, NULL, NULL);
    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    return PyFloat_FromDouble(v);
}

static const char *
direction_name(ts_direction d)
{
    return d == TS_FROM_CLIENT ? "client" : "server";
}

static PyObject *
endpoint(const ts_endpoint *ep)
{
    char buf[TS_ADDRSTRLEN];
    return Py_BuildValue("(sH)", ts_endpoint_address(ep, buf), ep->port);
}

static PyObject *
message_item(const void *items, size_t i)
{
    const ts_chunk *c = (const ts_chunk *)items + i;
    PyObject *time = seconds(c->ts_ns);
    if (time == NULL)
        return NULL;
    return Py_BuildValue("(sKLNKK)", direction_name(c->from), (unsigned long long)c->frame,
                         (long long)c->ts_ns, time, (unsigned long long)c->offset,
                         (unsigned long long)c->length);
}

/* The exchange: (from, frame, ts_ns, time, offset, length) per chunk. */
static PyObject *
messages_list(const ts_session *s)
{
    size_t n = 0;
    const ts_chunk *c = ts_session_chunks(s, &n);
    return list_of(c, n, message_item);
}

static PyObject *
gap_item(const void *items, size_t i)
{
    const ts_gap *g = (const ts_gap *)items + i;
    return Py_BuildValue("(sKK)", direction_name(g->from), (unsigned long long)g->offset,
                         (unsigned long long)g->length);
}

static PyObject *
gaps_list(const ts_session *s)
{
    size_t n = 0;
    const ts_gap *g = ts_session_gaps(s, &n);
    return list_of(g, n, gap_item);
}

static PyObject *
anomaly_item(const void *items, size_t i)
{
    const ts_anomaly *a = (const ts_anomaly *)items + i;
    return Py_BuildValue("(sKsKK)", ts_anomaly_type_name(a->type), (unsigned long long)a->frame,
                         direction_name(a->from), (unsigned long long)a->offset,
                         (unsigned long long)a->length);
}

static PyObject *
anomalies_list(const ts_session *s)
{
    size_t n = 0;
    const ts_anomaly *a = ts_session_anomalies(s, &n);
    return list_of(a, n, anomaly_item);
}

/* One carriage layer as the jsonl object has it. */
static PyObject *
carrier_dict(const ts_carrier *c)
{
    char src[TS_ADDRSTRLEN], dst[TS_ADDRSTRLEN];
    PyObject *d = Py_BuildValue("{ss}", "kind", ts_carrier_kind_name(c->kind));
    if (d == NULL)
        return NULL;
    int rc = 0;
    if (c->kind == TS_CARRIER_IPIP) {
        char variant[16];
        snprintf(variant, sizeof variant, "%din%d", c->detail, c->outer_src.family);
        PyObject *v = PyUnicode_FromString(variant);
        rc |= v == NULL || PyDict_SetItemString(d, "variant", v) < 0;
        Py_XDECREF(v);
    }
    if (c->kind == TS_CARRIER_ERSPAN) {
        PyObject *v = PyLong_FromUnsignedLong(c->detail);
        rc |= v == NULL || PyDict_SetItemString(d, "type", v) < 0;
        Py_XDECREF(v);
    }
    if (c->kind == TS_CARRIER_MPLS && c->detail == 1)
        rc |= PyDict_SetItemString(d, "pseudowire", Py_True) < 0;
    if (c->outer_src.family != 0) {
        PyObject *v = Py_BuildValue("{ssss}", "src", ts_endpoint_address(&c->outer_src, src), "dst",
                                    ts_endpoint_address(&c->outer_dst, dst));
        rc |= v == NULL || PyDict_SetItemString(d, "outer", v) < 0;
        Py_XDECREF(v);
    }
    if (c->has_id) {
        PyObject *v = PyLong_FromUnsignedLong(c->id);
        rc |= v == NULL || PyDict_SetItemString(d, "id", v) < 0;
        Py_XDECREF(v);
    }
    if (rc != 0)
        Py_CLEAR(d);
    return d;
}

static PyObject *
carrier_item(const void *items, size_t i)
{
    return carrier_dict((const ts_carrier *)items + i);
}

static PyObject *
carried_list(const ts_session *s)
{
    size_t n = 0;
    const ts_carrier *c = ts_session_carriage(s, &n);
    return list_of(c, n, carrier_item);
}

/* One direction's delivered bytes: the one copy into Python. */
static PyObject *
payload(const ts_session *s, ts_direction from)
{
    size_t len = 0;
    const uint8_t *data = ts_session_payload(s, from, &len);
    return PyBytes_FromStringAndSize(data != NULL ? (const char *)data : "", (Py_ssize_t)len);
}

PyObject *
ts_py_session_tuple(const ts_session *s, ts_py_frames *frames)
{
    PyObject *f = frames != NULL ? frames_list(frames) : Py_NewRef(Py_None);
    if (f == NULL)
        return NULL;
    char community_id[TS_COMMUNITY_ID_LEN];
    return Py_BuildValue(
        "(KNNLLNNKOsKNNKKKKNNNKNKsN)", (unsigned long long)ts_session_stream(s),
        endpoint(ts_session_client(s)), endpoint(ts_session_server(s)),
        (long long)ts_session_start_ns(s), (long long)ts_session_end_ns(s),
        seconds(ts_session_start_ns(s)), seconds(ts_session_end_ns(s)),
        (unsigned long long)ts_session_packets(s), ts_session_midstream(s) ? Py_True : Py_False,
        ts_close_reason_name(ts_session_close_reason(s)),
        (unsigned long long)ts_session_first_frame(s), payload(s, TS_FROM_CLIENT),
        payload(s, TS_FROM_SERVER), (unsigned long long)ts_session_bytes(s, TS_FROM_CLIENT),
        (unsigned long long)ts_session_bytes(s, TS_FROM_SERVER),
        (unsigned long long)ts_session_missing_bytes(s, TS_FROM_CLIENT),
        (unsigned long long)ts_session_missing_bytes(s, TS_FROM_SERVER), messages_list(s),
        gaps_list(s), anomalies_list(s), (unsigned long long)ts_session_anomalies_dropped(s),
        carried_list(s), (unsigned long long)ts_session_carried_differently(s),
        ts_session_community_id(s, 0, community_id), f);
}

#define STAT(name) #name, (unsigned long long)st->name

PyObject *
ts_py_stats_dict(const ts_stats *st)
{
    PyObject *d =
        Py_BuildValue("{sKsKsKsKsKsKsKsKsKsKsKsKsK}", STAT(frames), STAT(bytes_read),
                      STAT(tcp_segments), STAT(not_ip), STAT(not_tcp), STAT(ip_fragments),
                      STAT(truncated), STAT(malformed), STAT(unsupported_link), STAT(bad_checksums),
                      STAT(sessions), STAT(late_packets), STAT(icmp_errors));
    if (d == NULL)
        return NULL;
    PyObject *more = Py_BuildValue("{sKsKsKsKsKsKsKsK}", STAT(ip_datagrams_reassembled),
                                   STAT(ip_datagrams_timed_out), STAT(ip_datagrams_memory_dropped),
                                   STAT(ip_datagrams_policy_dropped), STAT(ip_datagrams_incomplete),
                                   STAT(ip_fragments_cut), STAT(too_deep), STAT(non_packet_frames));
    if (more == NULL || PyDict_Update(d, more) < 0)
        Py_CLEAR(d);
    Py_XDECREF(more);
    if (d == NULL)
        return NULL;
    /* the session memory budget */
    PyObject *budget = Py_BuildValue("{sKsKsK}", STAT(sessions_evicted), STAT(sessions_forgotten),
                                     STAT(session_memory_peak));
    if (budget == NULL || PyDict_Update(d, budget) < 0)
        Py_CLEAR(d);
    Py_XDECREF(budget);
    return d;
}

static PyObject *
warning_item(const void *items, size_t i)
{
    return PyUnicode_DecodeFSDefault(((const char *const *)items)[i]);
}

PyObject *
ts_py_warnings_list(const ts_engine *engine)
{
    size_t n = 0;
    const char *const *w = ts_engine_warnings(engine, &n);
    return list_of(w, n, warning_item);
}
