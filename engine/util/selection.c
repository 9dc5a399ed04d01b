/*
 * selection.c — parsing --filter, --stream, --since and --until, and the
 * per-frame and per-session decisions (see selection.h).
 */
#include "selection.h"

#include "bpf.h"

#include <errno.h>
#include <string.h>

typedef struct {
    uint64_t first, last;
} stream_range;

struct ts_selection {
    ts_bpf *filter;  /* NULL: every frame */
    GArray *streams; /* stream_range; NULL: every stream */
    bool has_since, has_until;
    int64_t since_ns, until_ns;
};

static bool
bad_value(GError **error, const char *option, const char *text, const char *why)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s '%s': %s", option, text, why);
    return false;
}

/* A decimal stream number at *p, moving *p past it. */
static bool
parse_number(const char **p, uint64_t *value)
{
    if (!g_ascii_isdigit(**p))
        return false;
    char *end = NULL;
    errno = 0;
    *value = g_ascii_strtoull(*p, &end, 10);
    if (errno != 0)
        return false;
    *p = end;
    return true;
}

bool
ts_selection_parse_streams(const char *text, GArray **ranges, GError **error)
{
    if (text[0] == '\0')
        return bad_value(error, "--stream", text,
                         "expected stream numbers and ranges such as 3,7-9,12-");
    GArray *out = g_array_new(FALSE, FALSE, sizeof(stream_range));
    g_auto(GStrv) items = g_strsplit(text, ",", -1);
    for (char **item = items; *item != NULL; item++) {
        const char *p = *item;
        stream_range r;
        bool ok = parse_number(&p, &r.first);
        r.last = r.first;
        if (ok && *p == '-') {
            p++;
            r.last = UINT64_MAX;
            if (*p != '\0')
                ok = parse_number(&p, &r.last) && r.last >= r.first;
        }
        if (!ok || *p != '\0') {
            g_array_unref(out);
            return bad_value(error, "--stream", text,
                             "expected stream numbers and ranges such as 3,7-9,12-");
        }
        g_array_append_val(out, r);
    }
    *ranges = out;
    return true;
}

bool
ts_selection_parse_time(const char *option, const char *text, int64_t *ns, GError **error)
{
    char *end = NULL;
    if (g_ascii_isdigit(text[0])) {
        errno = 0;
        double seconds = g_ascii_strtod(text, &end);
        if (errno == 0 && *end == '\0' && seconds < 9.2e9) {
            /* whole seconds and the fraction apart: no rounding of the seconds */
            char *dot = strchr(text, '.');
            int64_t whole = (int64_t)g_ascii_strtoll(text, NULL, 10);
            int64_t frac = 0;
            if (dot != NULL) {
                char digits[10] = "000000000";
                size_t n = strlen(dot + 1);
                memcpy(digits, dot + 1, MIN(n, 9));
                frac = (int64_t)g_ascii_strtoll(digits, NULL, 10);
            }
            *ns = whole * 1000000000 + frac;
            return true;
        }
    }
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(text, utc);
    g_time_zone_unref(utc);
    if (dt == NULL)
        return bad_value(error, option, text,
                         "expected seconds since the epoch or an ISO 8601 time such as "
                         "2026-12-04T10:00:00Z");
    *ns = g_date_time_to_unix(dt) * 1000000000 + (int64_t)g_date_time_get_microsecond(dt) * 1000;
    g_date_time_unref(dt);
    return true;
}

static bool
given(const char *text)
{
    return text != NULL && text[0] != '\0';
}

ts_selection *
ts_selection_new(const ts_selection_spec *spec, GError **error)
{
    ts_selection *sel = g_new0(ts_selection, 1);
    bool ok = true;
    if (given(spec->filter))
        ok = (sel->filter = ts_bpf_new(spec->filter, error)) != NULL;
    if (ok && spec->streams != NULL) /* "" is an error, not "every stream" */
        ok = ts_selection_parse_streams(spec->streams, &sel->streams, error);
    if (ok && spec->since != NULL)
        ok = sel->has_since =
            ts_selection_parse_time("--since", spec->since, &sel->since_ns, error);
    if (ok && spec->until != NULL)
        ok = sel->has_until =
            ts_selection_parse_time("--until", spec->until, &sel->until_ns, error);
    if (!ok) {
        ts_selection_free(sel);
        return NULL;
    }
    return sel;
}

bool
ts_selection_has_filter(const ts_selection *sel)
{
    return sel->filter != NULL;
}

bool
ts_selection_has_sessions(const ts_selection *sel)
{
    return sel->streams != NULL || sel->has_since || sel->has_until;
}

bool
ts_selection_frame(ts_selection *sel, const ts_frame *f)
{
    return sel->filter == NULL || ts_bpf_match(sel->filter, f);
}

bool
ts_selection_has_stream(const ts_selection *sel, uint64_t stream)
{
    if (sel->streams == NULL)
        return true;
    for (guint i = 0; i < sel->streams->len; i++) {
        const stream_range *r = &g_array_index(sel->streams, stream_range, i);
        if (stream >= r->first && stream <= r->last)
            return true;
    }
    return false;
}

bool
ts_selection_session(const ts_selection *sel, const ts_session *s)
{
    int64_t start = ts_session_start_ns(s);
    if (sel->has_since && start < sel->since_ns)
        return false;
    if (sel->has_until && start >= sel->until_ns)
        return false;
    return ts_selection_has_stream(sel, ts_session_stream(s));
}

const char *
ts_selection_warning(const ts_selection *sel)
{
    return sel->filter != NULL ? ts_bpf_warning(sel->filter) : NULL;
}

void
ts_selection_free(ts_selection *sel)
{
    if (sel == NULL)
        return;
    ts_bpf_free(sel->filter);
    if (sel->streams != NULL)
        g_array_unref(sel->streams);
    g_free(sel);
}
