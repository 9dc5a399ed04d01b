/*
 * tcpflow_compare.c — tcpflow's files against our sessions: each direction
 * of each of our sessions is compared with the file tcpflow wrote for it
 * (found through the model of tcpflow_model.c, or by name without tshark's
 * frames), and each file no direction claimed gets a result of its own. A
 * file equal to its model is explained by the behaviours the model used
 * (the categories of a `wrong` entry); anything else is unexplained, with
 * the reason in the entry's detail.
 */
#include "tcpflow_model.h"

#include <string.h>

/* Categories of what made a modelled file differ from plain bytes (first
 * marks the never-written bytes libpcap cut as VF_KIND_CUT). */
static uint32_t
flow_categories(const vf_tflow *f)
{
    uint32_t cats = f->cats;
    for (guint i = 0; i < f->cut->len; i++) {
        const vf_range *r = &g_array_index(f->cut, vf_range, i);
        for (uint64_t p = (uint64_t)r->offset; p < r->offset + r->length && p < f->kind->len; p++) {
            if (f->kind->data[p] == VF_KIND_NONE)
                f->kind->data[p] = VF_KIND_CUT;
        }
    }
    for (guint p = 0; p < f->kind->len; p++) {
        uint8_t k = f->kind->data[p];
        if (k == VF_KIND_NONE)
            cats |= 1u << VF_CAT_TCPFLOW_ZERO_FILL;
        else if (k == VF_KIND_EXTRA)
            cats |= 1u << VF_CAT_TCPFLOW_TRAILER;
        else if (k == VF_KIND_WILD)
            cats |= 1u << VF_CAT_TCPFLOW_FRAGMENTS;
        else if (k == VF_KIND_CUT)
            cats |= 1u << VF_CAT_TCPFLOW_SNAPLEN;
        else if (k >= VF_KIND_ANOMALY)
            cats |= 1u << (k - VF_KIND_ANOMALY);
    }
    if (f->owners->len > 1)
        cats |= 1u << VF_CAT_TCPFLOW_MERGED_REUSE;
    return cats;
}

/* True when `file` is what the model says (wildcards match anything; the
 * file may end inside a trailing run of wildcards). */
static bool
model_matches(const vf_tflow *f, const uint8_t *file, size_t len, GString *why)
{
    if (f->unknown->len > 0) {
        g_string_append_printf(why, "%s; ", f->unknown->str);
        return false;
    }
    size_t min_len = f->data->len;
    while (min_len > 0 && f->kind->data[min_len - 1] == VF_KIND_WILD)
        min_len--;
    if (len < min_len || len > f->data->len) {
        g_string_append_printf(why, "tcpflow's file has %zu bytes, the model %u; ", len,
                               f->data->len);
        return false;
    }
    for (size_t p = 0; p < len; p++) {
        if (f->kind->data[p] != VF_KIND_WILD && f->data->data[p] != file[p]) {
            g_string_append_printf(why, "tcpflow's file differs from the model at %zu; ", p);
            return false;
        }
    }
    return true;
}

static const char *const dir_names[2] = {"client", "server"};

static const char *
skip_reason(uint8_t why)
{
    switch (why) {
    case VF_SKIP_TUNNEL: return "tunnelled";
    case VF_SKIP_LINK: return "behind PPPoE, MPLS, 802.3 LLC or IPv6 over BSD NULL";
    case VF_SKIP_IPV6_EXT: return "behind IPv6 extension headers";
    case VF_SKIP_FRAGMENT: return "in IP fragments";
    case VF_SKIP_IP_LENGTH: return "with IP length 0 (TSO, BIG TCP or jumbogram)";
    default: return "?";
    }
}

static void
finish_detail(GString *why, char **detail)
{
    if (why->len >= 2 && why->str[why->len - 2] == ';')
        g_string_truncate(why, why->len - 2);
    *detail = g_strdup(why->str);
}

/* A file of a direction none of tshark's streams has: tcpflow keeps the
 * first IP fragment of a datagram and writes its TCP bytes even when no tool
 * could reassemble the datagram. True when those first fragments (fetched
 * without reassembly), written as tcpflow would, account for the file. */
static bool
orphan_fragments(const vf_capture *cap, const vf_flowfile *ff, size_t len, GString *why)
{
    if (cap->ours->stats.ip_fragments == 0) {
        g_string_append(why, "the model has no such flow; ");
        return false;
    }
    g_autoptr(GArray) frags = g_array_new(FALSE, FALSE, sizeof(vf_frame));
    g_autoptr(GError) error = NULL;
    if (!vf_first_fragments(cap->path, &ff->src, &ff->dst, frags, &error) || frags->len == 0) {
        g_string_append_printf(why, "the model has no such flow%s%s; ", error ? ": " : "",
                               error ? error->message : "");
        return false;
    }
    const vf_frame *first = &g_array_index(frags, vf_frame, 0);
    uint32_t isn = (first->flags & TS_TCP_SYN) ? first->seq : first->seq - 1;
    int64_t end = 0;
    g_autoptr(GArray) numbers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < frags->len; i++) {
        const vf_frame *f = &g_array_index(frags, vf_frame, i);
        int64_t at = ts_seq_diff(f->seq, isn + 1) + ((f->flags & TS_TCP_SYN) ? 1 : 0);
        end = MAX(end, at + (int64_t)f->len);
        g_array_append_val(numbers, f->frame);
    }
    if (len == 0 || (int64_t)len > end) {
        g_string_append_printf(
            why, "tcpflow's file has %zu bytes, the first fragments %" G_GINT64_FORMAT "; ", len,
            end);
        return false;
    }
    g_string_append_printf(why, "the first IP fragment%s (frame", frags->len > 1 ? "s" : "");
    for (guint i = 0; i < numbers->len && i < 6; i++)
        g_string_append_printf(why, "%s%u", i ? "," : " ", g_array_index(numbers, uint32_t, i));
    g_string_append(
        why, ") of incomplete datagrams (no tool can reassemble them), written by tcpflow; ");
    return true;
}

/* "src>dst--vlan#k": the name key of a flow or file. */
static char *
file_key(const ts_endpoint *src, const ts_endpoint *dst, int vlan, unsigned k)
{
    g_autofree char *dk = vf_direction_key(src, dst);
    return g_strdup_printf("%s--%d#%u", dk, vlan, k);
}

/* tcpflow's files by name key (the first of equal keys). */
static GHashTable *
index_files(const GPtrArray *flowfiles)
{
    GHashTable *files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < flowfiles->len; i++) {
        vf_flowfile *ff = g_ptr_array_index(flowfiles, i);
        char *key = file_key(&ff->src, &ff->dst, ff->vlan, ff->k);
        if (!g_hash_table_contains(files, key))
            g_hash_table_insert(files, key, ff);
        else
            g_free(key);
    }
    return files;
}

/* The session's rank among those on its endpoints so far (its "cN" when
 * files are paired by name, without tshark's frames). */
static unsigned
session_rank(GHashTable *rank, const vf_session *s)
{
    g_autofree char *ab = vf_direction_key(&s->ep[0], &s->ep[1]);
    g_autofree char *ba = vf_direction_key(&s->ep[1], &s->ep[0]);
    const char *pk = strcmp(ab, ba) <= 0 ? ab : ba;
    unsigned k = GPOINTER_TO_UINT(g_hash_table_lookup(rank, pk));
    g_hash_table_replace(rank, g_strdup(pk), GUINT_TO_POINTER(k + 1));
    return k;
}

/* The model's flow of direction `dir` of session `i` (that of its first data
 * frame, else its first flow) and tcpflow's file of it (or NULL). */
static const vf_flowfile *
direction_file(const vf_tcpflow_model *m, GHashTable *files, guint i, int dir, unsigned k,
               vf_tflow **flow)
{
    const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
    GPtrArray *list = m->flows_of[i * 2 + (guint)dir];
    vf_tflow *f = m->primary[i * 2 + (guint)dir];
    if (f == NULL && list != NULL && list->len > 0)
        f = g_ptr_array_index(list, 0); /* no payload: the first flow */
    *flow = f;
    g_autofree char *key = NULL;
    if (f != NULL)
        key = file_key(&f->src, &f->dst, f->vlan, f->k);
    else if (m->cap->frames == NULL)
        key = file_key(&s->ep[dir], &s->ep[1 - dir], s->tcpflow_vlan[dir], k);
    return key != NULL ? g_hash_table_lookup(files, key) : NULL;
}

/* Explains why tcpflow's file `data` of a direction differs from our bytes;
 * sets r's verdict. */
static void
explain_direction(const vf_tcpflow_model *m, guint i, int dir, const vf_tflow *f,
                  const vf_flowfile *ff, const uint8_t *data, size_t len, vf_result *r)
{
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t cats = 0;
    bool ok = false;
    uint8_t skip = m->skipped[i * 2 + (guint)dir];
    GPtrArray *list = m->flows_of[i * 2 + (guint)dir];
    if (skip != VF_SKIP_NONE) {
        cats |=
            1u << (skip == VF_SKIP_FRAGMENT ? VF_CAT_TCPFLOW_FRAGMENTS : VF_CAT_TCPFLOW_UNDECODED);
        g_string_append_printf(why, "tcpflow does not decode segments %s; ", skip_reason(skip));
    }
    if (m->cap->frames == NULL) {
        g_string_append(why, "without tshark's frames tcpflow cannot be modelled; ");
    } else if (f == NULL) {
        ok = skip != VF_SKIP_NONE && len == 0;
        if (!ok)
            g_string_append(why, "the model has no tcpflow flow for it; ");
    } else if (ff == NULL) {
        g_string_append(why, "tcpflow wrote no file where the model has one; ");
    } else if (model_matches(f, data, len, why)) {
        ok = true;
        cats |= flow_categories(f);
        if (list != NULL && list->len > 1)
            cats |= 1u << VF_CAT_TCPFLOW_SPLIT;
    }
    char *detail = NULL;
    finish_detail(why, &detail);
    vf_result_set_verdict(r, ok && cats != 0, cats, detail);
}

/* Direction `dir` of session `i` against tcpflow's file of it: NULL when
 * the bytes are the same, else a result. The file is marked used. */
static vf_result *
compare_direction(const vf_tcpflow_model *m, GHashTable *files, GHashTable *used, guint i, int dir,
                  unsigned k)
{
    static const uint8_t empty[1] = {0};
    const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
    const GByteArray *mine = s->dir[dir].payload;
    vf_tflow *f = NULL;
    const vf_flowfile *ff = direction_file(m, files, i, dir, k, &f);
    gsize len = 0;
    const uint8_t *data = ff != NULL ? g_bytes_get_data(ff->data, &len) : NULL;
    if (data == NULL)
        data = empty;
    if (ff != NULL)
        g_hash_table_add(used, (gpointer)ff);
    if (vf_bytes_equal(data, len, mine->data, mine->len))
        return NULL;
    vf_result *r = vf_result_new(VF_TOOL_TCPFLOW, (int64_t)s->stream, -1, s->ep);
    r->direction = dir_names[dir];
    r->other_name = g_strdup(ff != NULL ? ff->name : "-");
    vf_result_set_sides(r, mine->data, mine->len, data, (int64_t)len);
    explain_direction(m, i, dir, f, ff, data, len, r);
    return r;
}

/* Each of our sessions: a same result, or one per differing direction. */
static void
compare_sessions(const vf_tcpflow_model *m, GHashTable *files, GHashTable *used, GPtrArray *out)
{
    g_autoptr(GHashTable) rank = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < m->cap->ours->sessions->len; i++) {
        const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
        unsigned k = session_rank(rank, s);
        vf_result *results[2] = {NULL, NULL};
        for (int dir = 0; dir < 2; dir++)
            results[dir] = compare_direction(m, files, used, i, dir, k);
        if (results[0] == NULL && results[1] == NULL) {
            g_ptr_array_add(out, vf_result_new(VF_TOOL_TCPFLOW, (int64_t)s->stream, -1, s->ep));
            continue;
        }
        for (int dir = 0; dir < 2; dir++) {
            if (results[dir] != NULL)
                g_ptr_array_add(out, results[dir]);
        }
    }
}

/* The model's flow with the name of file `ff`, or NULL. */
static vf_tflow *
find_flow(const vf_tcpflow_model *m, const vf_flowfile *ff)
{
    for (guint k = 0; k < m->flows->len; k++) {
        vf_tflow *c = g_ptr_array_index(m->flows, k);
        if (c->k == ff->k && c->vlan == ff->vlan && vf_endpoint_equal(&c->src, &ff->src) &&
            vf_endpoint_equal(&c->dst, &ff->dst))
            return c;
    }
    return NULL;
}

/* Explains a file that is no session direction's main file; sets r's
 * verdict (and its stream when the file is a later piece of a session). */
static void
explain_leftover(const vf_tcpflow_model *m, const vf_flowfile *ff, const uint8_t *data, size_t len,
                 vf_result *r)
{
    const vf_capture *cap = m->cap;
    vf_tflow *f = find_flow(m, ff);
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t cats = 0;
    bool ok = false;
    if (cap->frames == NULL) {
        g_string_append(why, "without tshark's frames tcpflow cannot be modelled; ");
    } else if (f == NULL) {
        ok = orphan_fragments(cap, ff, len, why);
        if (ok)
            cats = 1u << VF_CAT_TCPFLOW_FRAGMENTS;
    } else if (f->owners->len > 0) {
        /* a later piece of sessions whose main file is another */
        const vf_session *s =
            g_ptr_array_index(cap->ours->sessions, g_array_index(f->owners, guint, 0));
        r->stream = (int64_t)s->stream;
        if (model_matches(f, data, len, why)) {
            ok = true;
            cats = flow_categories(f) | 1u << VF_CAT_TCPFLOW_SPLIT;
            g_string_append_printf(why, "tcpflow opened this file %s; ", f->opened);
        }
    } else {
        const vf_tstream *ts = vf_frames_stream(cap->frames, (uint64_t)f->tstream);
        char *pd = NULL;
        ok = vf_classify_presence(cap, VF_TOOL_TCPFLOW, NULL, ts, &cats, &pd);
        g_string_append_printf(why, "%s; ", pd);
        g_free(pd);
    }
    char *detail = NULL;
    finish_detail(why, &detail);
    vf_result_set_verdict(r, ok && cats != 0, cats, detail);
}

/* Files that are no session direction's main file: a result each. */
static void
compare_leftovers(const vf_tcpflow_model *m, GHashTable *used, GPtrArray *out)
{
    for (guint i = 0; i < m->cap->flowfiles->len; i++) {
        const vf_flowfile *ff = g_ptr_array_index(m->cap->flowfiles, i);
        if (g_hash_table_contains(used, ff))
            continue;
        ts_endpoint ep[2] = {ff->src, ff->dst};
        vf_result *r = vf_result_new(VF_TOOL_TCPFLOW, -1, -1, ep);
        r->direction = "session";
        r->other_name = g_strdup(ff->name);
        gsize len = 0;
        const uint8_t *data = g_bytes_get_data(ff->data, &len);
        vf_result_set_sides(r, NULL, -1, data, (int64_t)len);
        explain_leftover(m, ff, data, len, r);
        g_ptr_array_add(out, r);
    }
}

void
vf_compare_tcpflow(const vf_capture *cap, GPtrArray *out)
{
    vf_tcpflow_model m;
    vf_tcpflow_model_build(&m, cap);
    g_autoptr(GHashTable) files = index_files(cap->flowfiles);
    g_autoptr(GHashTable) used = g_hash_table_new(g_direct_hash, g_direct_equal);
    compare_sessions(&m, files, used, out);
    compare_leftovers(&m, used, out);
    vf_tcpflow_model_clear(&m);
}
