/*
 * log.c — what `tcpsession verify` writes: one log line per session per tool
 *
 *   same tshark CAPTURE stream 3 10.0.0.1:1234-10.0.0.2:80
 *   wrong tshark CAPTURE stream 3 10.0.0.1:1234-10.0.0.2:80 server ours 1200 MD5
 *       tshark 1236 MD5 first-difference 512 explained: tshark-missing-text -- PROOF
 *
 * (one `wrong` line per differing direction, "session" when one side lacks
 * the session; `grep wrong` finds every difference, `grep unexplained` the
 * ones that need a look), the summary table per group of captures and tool
 * with the explained differences by category, and the same as JSON (the
 * run-level parts, vf_run_format_summary and vf_json_end, are in run.c).
 */
#include "util/json_text.h"
#include "verify_internal.h"

#include <string.h>

static const char *const category_names[VF_CAT_COUNT_] = {
    [VF_CAT_TSHARK_MISSING_TEXT] = "tshark-missing-text",
    [VF_CAT_TSHARK_DROPS_UNACKED] = "tshark-drops-unacked",
    [VF_CAT_TSHARK_STARTS_LATER] = "tshark-starts-later",
    [VF_CAT_TSHARK_STREAM_NUMBERING] = "tshark-stream-numbering",
    [VF_CAT_TSHARK_IN_SEQUENCE_WINS] = "tshark-in-sequence-wins",
    [VF_CAT_TSHARK_SNAPLEN] = "tshark-skips-cut-bytes",
    [VF_CAT_TSHARK_REBASED] = "tshark-rebased-sequence",
    [VF_CAT_TSHARK_IP_OVERLAP] = "tshark-ip-overlap-later-fragment",
    [VF_CAT_TCPFLOW_ZERO_FILL] = "tcpflow-zero-filled-holes",
    [VF_CAT_TCPFLOW_LAST_WRITE] = "tcpflow-last-write-wins",
    [VF_CAT_TCPFLOW_TRAILER] = "tcpflow-trailer-bytes",
    [VF_CAT_TCPFLOW_MERGED_REUSE] = "tcpflow-merged-reuse",
    [VF_CAT_TCPFLOW_SNAPLEN] = "tcpflow-snaplen-cut",
    [VF_CAT_TCPFLOW_SPLIT] = "tcpflow-split-flow",
    [VF_CAT_TCPFLOW_SHIFTED] = "tcpflow-shifted-start",
    [VF_CAT_TCPFLOW_UNDECODED] = "tcpflow-undecoded",
    [VF_CAT_TCPFLOW_FRAGMENTS] = "tcpflow-ignores-ip-fragments",
    [VF_CAT_RST_WITH_DATA] = "rst-with-data",
    [VF_CAT_DATA_AFTER_FIN] = "data-after-fin",
    [VF_CAT_LATE_DATA] = "late-data",
    [VF_CAT_DATA_BEFORE_START] = "data-before-start",
    [VF_CAT_STALE_SEGMENT] = "stale-segment",
    [VF_CAT_IP_FRAGMENTS] = "ip-fragments-not-reassembled",
    [VF_CAT_UNSUPPORTED_ENCAP] = "unsupported-encapsulation",
    [VF_CAT_SAMPLED_HEADER] = "sampled-packet-header",
};

const char *
vf_category_name(vf_category cat)
{
    return cat < VF_CAT_COUNT_ ? category_names[cat] : "unknown";
}

static void
append_categories(GString *out, uint32_t cats, char sep)
{
    bool first = true;
    for (int c = 0; c < VF_CAT_COUNT_; c++) {
        if (!(cats & (1u << c)))
            continue;
        if (!first)
            g_string_append_c(out, sep);
        g_string_append(out, category_names[c]);
        first = false;
    }
}

static void
append_tuple(GString *out, const ts_endpoint ep[2])
{
    vf_endpoint_append(out, &ep[0]);
    g_string_append_c(out, '-');
    vf_endpoint_append(out, &ep[1]);
}

static void
append_side(GString *out, int64_t len, const char *md5)
{
    if (len < 0)
        g_string_append(out, " - -");
    else
        g_string_append_printf(out, " %" G_GINT64_FORMAT " %s", len, md5);
}

void
vf_format_result(GString *out, const char *path, const vf_result *r)
{
    const char *tool = vf_tool_name(r->tool);
    g_string_append_printf(out, "%s %s %s stream ", r->verdict == VF_SAME ? "same" : "wrong", tool,
                           path);
    if (r->stream >= 0)
        g_string_append_printf(out, "%" G_GINT64_FORMAT, r->stream);
    else
        g_string_append_c(out, '-');
    if (r->tool == VF_TOOL_TSHARK && r->other_stream >= 0 && r->other_stream != r->stream)
        g_string_append_printf(out, " tshark-stream %" G_GINT64_FORMAT, r->other_stream);
    g_string_append_c(out, ' ');
    append_tuple(out, r->ep);
    if (r->verdict == VF_SAME)
        return;
    if (r->other_name != NULL)
        g_string_append_printf(out, " file %s", r->other_name);
    g_string_append_printf(out, " %s ours", r->direction != NULL ? r->direction : "session");
    append_side(out, r->ours_len, r->ours_md5);
    g_string_append_printf(out, " %s", tool);
    append_side(out, r->other_len, r->other_md5);
    g_string_append_printf(out, " first-difference %" G_GINT64_FORMAT, MAX(r->first_diff, 0));
    if (r->verdict == VF_EXPLAINED) {
        g_string_append(out, " explained: ");
        append_categories(out, r->categories, ',');
    } else {
        g_string_append(out, " unexplained");
    }
    if (r->detail != NULL && r->detail[0] != '\0')
        g_string_append_printf(out, " -- %s", r->detail);
}

/* ---- totals --------------------------------------------------------- */

static bool
same_session(const vf_result *a, const vf_result *b)
{
    return a->tool == b->tool && a->stream == b->stream && a->other_stream == b->other_stream &&
           (a->stream >= 0 || g_strcmp0(a->other_name, b->other_name) == 0);
}

void
vf_totals_add(vf_totals *t, const GPtrArray *results)
{
    for (guint i = 0; i < results->len;) {
        const vf_result *r = g_ptr_array_index(results, i);
        vf_verdict worst = r->verdict;
        uint32_t cats = 0;
        guint j = i;
        for (; j < results->len; j++) {
            const vf_result *o = g_ptr_array_index(results, j);
            if (!same_session(r, o))
                break;
            worst = MAX(worst, o->verdict);
            cats |= o->categories;
        }
        vf_tool tool = r->tool;
        t->sessions[tool]++;
        if (worst == VF_SAME) {
            t->same[tool]++;
        } else if (worst == VF_EXPLAINED) {
            t->explained[tool]++;
            for (int c = 0; c < VF_CAT_COUNT_; c++) {
                if (cats & (1u << c))
                    t->by_category[tool][c]++;
            }
        } else {
            t->unexplained[tool]++;
        }
        i = j;
    }
}

void
vf_format_summary(GString *out, vf_totals *const *groups, size_t n, const vf_totals *total,
                  const bool tools[VF_TOOL_COUNT_])
{
    size_t width = 6;
    for (size_t g = 0; g < n; g++)
        width = MAX(width, strlen(groups[g]->name));
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        if (!tools[tool])
            continue;
        g_string_append_printf(out, "\n== %s\n%-*s %8s %8s %8s %9s %11s %7s\n",
                               vf_tool_name((vf_tool)tool), (int)width, "source", "captures",
                               "sessions", "same", "explained", "unexplained", "skipped");
        for (size_t g = 0; g <= n; g++) {
            const vf_totals *t = g < n ? groups[g] : total;
            if (g == n && n == 1)
                break;
            g_string_append_printf(
                out,
                "%-*s %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT
                " %9" G_GUINT64_FORMAT " %11" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT "\n",
                (int)width, g < n ? t->name : "total", t->captures, t->sessions[tool],
                t->same[tool], t->explained[tool], t->unexplained[tool], t->skipped[tool]);
        }
        bool header = false;
        for (int c = 0; c < VF_CAT_COUNT_; c++) {
            if (total->by_category[tool][c] == 0)
                continue;
            if (!header)
                g_string_append(out, "explained by category (sessions):\n");
            header = true;
            g_string_append_printf(out, "  %-30s %6" G_GUINT64_FORMAT, category_names[c],
                                   total->by_category[tool][c]);
            if (n > 1) {
                const char *sep = "  (";
                for (size_t g = 0; g < n; g++) {
                    if (groups[g]->by_category[tool][c] == 0)
                        continue;
                    g_string_append_printf(out, "%s%s %" G_GUINT64_FORMAT, sep, groups[g]->name,
                                           groups[g]->by_category[tool][c]);
                    sep = ", ";
                }
                g_string_append_c(out, ')');
            }
            g_string_append_c(out, '\n');
        }
    }
    if (total->errors > 0)
        g_string_append_printf(out,
                               "\n%" G_GUINT64_FORMAT " capture%s could not be read to the end\n",
                               total->errors, total->errors == 1 ? "" : "s");
}

/* ---- JSON ----------------------------------------------------------- */

void
vf_json_result(GString *out, const char *path, const vf_result *r)
{
    g_string_append(out, "{\"tool\":");
    ts_json_append_string(out, vf_tool_name(r->tool));
    g_string_append(out, ",\"capture\":");
    ts_json_append_string(out, path);
    g_string_append(out, ",\"verdict\":");
    ts_json_append_string(out, r->verdict == VF_SAME        ? "same"
                               : r->verdict == VF_EXPLAINED ? "explained"
                                                            : "unexplained");
    g_string_append_printf(out, ",\"stream\":%" G_GINT64_FORMAT, r->stream);
    if (r->tool == VF_TOOL_TSHARK)
        g_string_append_printf(out, ",\"tshark_stream\":%" G_GINT64_FORMAT, r->other_stream);
    if (r->other_name != NULL) {
        g_string_append(out, ",\"file\":");
        ts_json_append_string(out, r->other_name);
    }
    g_string_append(out, ",\"client\":");
    ts_json_append_endpoint(out, &r->ep[0]);
    g_string_append(out, ",\"server\":");
    ts_json_append_endpoint(out, &r->ep[1]);
    if (r->verdict != VF_SAME) {
        g_string_append(out, ",\"direction\":");
        ts_json_append_string(out, r->direction != NULL ? r->direction : "session");
        g_string_append_printf(out,
                               ",\"ours_length\":%" G_GINT64_FORMAT ",\"ours_md5\":", r->ours_len);
        ts_json_append_string(out, r->ours_md5);
        g_string_append_printf(
            out, ",\"other_length\":%" G_GINT64_FORMAT ",\"other_md5\":", r->other_len);
        ts_json_append_string(out, r->other_md5);
        g_string_append_printf(out, ",\"first_difference\":%" G_GINT64_FORMAT,
                               MAX(r->first_diff, 0));
        g_string_append(out, ",\"categories\":[");
        bool first = true;
        for (int c = 0; c < VF_CAT_COUNT_; c++) {
            if (!(r->categories & (1u << c)))
                continue;
            if (!first)
                g_string_append_c(out, ',');
            ts_json_append_string(out, category_names[c]);
            first = false;
        }
        g_string_append(out, "],\"detail\":");
        ts_json_append_string(out, r->detail != NULL ? r->detail : "");
    }
    g_string_append_c(out, '}');
}

void
vf_json_totals(GString *out, const vf_totals *t, const bool tools[VF_TOOL_COUNT_])
{
    g_string_append(out, "{\"name\":");
    ts_json_append_string(out, t->name != NULL ? t->name : "total");
    g_string_append_printf(out, ",\"captures\":%" G_GUINT64_FORMAT ",\"errors\":%" G_GUINT64_FORMAT,
                           t->captures, t->errors);
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        if (!tools[tool])
            continue;
        g_string_append_printf(out,
                               ",\"%s\":{\"sessions\":%" G_GUINT64_FORMAT
                               ",\"same\":%" G_GUINT64_FORMAT ",\"explained\":%" G_GUINT64_FORMAT
                               ",\"unexplained\":%" G_GUINT64_FORMAT
                               ",\"skipped\":%" G_GUINT64_FORMAT ",\"by_category\":{",
                               vf_tool_name((vf_tool)tool), t->sessions[tool], t->same[tool],
                               t->explained[tool], t->unexplained[tool], t->skipped[tool]);
        bool first = true;
        for (int c = 0; c < VF_CAT_COUNT_; c++) {
            if (t->by_category[tool][c] == 0)
                continue;
            g_string_append_printf(out, "%s\"%s\":%" G_GUINT64_FORMAT, first ? "" : ",",
                                   category_names[c], t->by_category[tool][c]);
            first = false;
        }
        g_string_append(out, "}}");
    }
    g_string_append_c(out, '}');
}

void
vf_json_begin(GString *out)
{
    g_string_append(out, "{\"results\":[");
}

void
vf_json_capture(GString *out, const vf_capture_result *res, bool *first)
{
    for (size_t k = 0; k < res->n_results; k++) {
        g_string_append(out, *first ? "\n" : ",\n");
        vf_json_result(out, res->path, res->results[k]);
        *first = false;
    }
}
