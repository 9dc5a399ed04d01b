/*
 * tshark_fields.c — what tshark says about every TCP frame of a capture, for
 * pairing sessions and proving why bytes differ: one `tshark -T fields` pass
 * gives each frame's stream number, endpoints, raw sequence and
 * acknowledgement numbers, payload length, flags, whether it came out of IP
 * fragments, which encapsulations it went through and the bytes after its IP
 * packet (Ethernet padding, trailer, FCS: tcpflow counts them as payload).
 * A second, on-demand pass (`-T json -x` over a few frames) fetches the
 * payload of frames whose bytes we deliberately do not deliver.
 */
#include "verify_internal.h"

#include <stdlib.h>
#include <string.h>

/* Column order of the fields pass. */
enum {
    COL_FRAME,
    COL_STREAM,
    COL_IP_SRC,
    COL_IP_DST,
    COL_IP6_SRC,
    COL_IP6_DST,
    COL_SRCPORT,
    COL_DSTPORT,
    COL_SEQ,
    COL_ACK,
    COL_LEN,
    COL_FLAGS,
    COL_FRAG_COUNT,
    COL_FRAG6_COUNT,
    COL_MF,
    COL_FRAG_OFFSET,
    COL_PROTOCOLS,
    COL_PADDING,
    COL_TRAILER,
    COL_FCS,
    COL_CAPLEN,
    COL_WIRELEN,
    COL_IPLEN,
    COL_IP6PLEN,
    COL_VLAN_TRAILER,
    COL_SLL_TRAILER,
    COL_COUNT_
};

static const char *const field_names[COL_COUNT_] = {
    "frame.number",
    "tcp.stream",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.len",
    "tcp.flags",
    "ip.fragment.count",
    "ipv6.fragment.count",
    "ip.flags.mf",
    "ip.frag_offset",
    "frame.protocols",
    "eth.padding",
    "eth.trailer",
    "eth.fcs",
    "frame.cap_len",
    "frame.len",
    "ip.len",
    "ipv6.plen",
    "vlan.trailer",
    "sll.trailer",
};

char **
vf_fields_argv(const char *capture)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *fixed[] = {vf_tool_program(VF_TOOL_TSHARK),
                           "-n",
                           "-r",
                           capture,
                           "-Y",
                           "tcp",
                           "-T",
                           "fields",
                           "-E",
                           "separator=/t",
                           "-E",
                           "occurrence=l"};
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(argv, g_strdup(fixed[i]));
    for (size_t i = 0; i < COL_COUNT_; i++) {
        g_ptr_array_add(argv, g_strdup("-e"));
        g_ptr_array_add(argv, g_strdup(field_names[i]));
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

vf_frames *
vf_frames_new(void)
{
    vf_frames *f = g_new0(vf_frames, 1);
    f->frames = g_array_new(FALSE, FALSE, sizeof(vf_frame));
    f->stream = g_ptr_array_new();
    f->extra = g_byte_array_new();
    return f;
}

static void
tstream_free(vf_tstream *t)
{
    if (t == NULL)
        return;
    g_array_unref(t->frames);
    g_free(t);
}

void
vf_frames_free(vf_frames *f)
{
    if (f == NULL)
        return;
    for (guint i = 0; i < f->stream->len; i++)
        tstream_free(g_ptr_array_index(f->stream, i));
    g_ptr_array_unref(f->stream);
    g_array_unref(f->frames);
    g_byte_array_unref(f->extra);
    g_free(f);
}

static bool
parse_u64(const char *text, int base, uint64_t *value)
{
    if (text == NULL || *text == '\0')
        return false;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(text, &end, base);
    if (end == text || *end != '\0')
        return false;
    *value = v;
    return true;
}

/* Appends the bytes of a hex field ("00ff12", "0x68fdc3bd") to `out`. */
static void
append_hex(GByteArray *out, const char *text)
{
    if (text == NULL)
        return;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text += 2;
    for (const char *p = text; g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]); p += 2) {
        uint8_t b = (uint8_t)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
        g_byte_array_append(out, &b, 1);
    }
}

/* What a protocol path like "eth:ethertype:ip:udp:vxlan:...:tcp" says of the
 * frame's TCP segment: VF_ENCAP_* bits (what the engine does not decode), in
 * an ICMP error, over IPv6, and why tcpflow 1.6.1 would not decode it (its
 * Ethernet handler takes (any number of 802.1Q tags, no PPPoE, MPLS or 802.3 LLC); its NULL
 * handler IPv4 only; no IPv6 extension headers, no tunnels). */
typedef struct {
    uint8_t encap;
    bool in_icmp;
    bool v6;
    bool odd_trailer; /* a trailer dissected by a protocol of its own */
    uint8_t tcpflow_skip;
} path_facts;

static path_facts
protocol_path(const char *path)
{
    static const char *const links[] = {"eth",  "sll",       "null", "loop",   "raw",  "ip",
                                        "ipv6", "ethertype", "vlan", "pppoes", "mpls", "llc"};
    g_auto(GStrv) parts = g_strsplit(path != NULL ? path : "", ":", -1);
    path_facts pf = {0};
    bool known_link = false;
    for (size_t i = 0; i < G_N_ELEMENTS(links); i++)
        known_link |= parts[0] != NULL && strcmp(parts[0], links[i]) == 0;
    if (!known_link)
        pf.encap |= VF_ENCAP_LINK;
    int ips = 0;
    bool ext = false, link_bad = false;
    for (char **p = parts; *p != NULL; p++) {
        if (strcmp(*p, "f5ethtrailer") == 0 || strcmp(*p, "vssmonitoring") == 0)
            pf.odd_trailer = true;
    }
    for (char **p = parts; *p != NULL && strcmp(*p, "tcp") != 0; p++) {
        if (strcmp(*p, "udp") == 0)
            pf.encap |= VF_ENCAP_UDP_TUNNEL;
        else if (strcmp(*p, "sflow") == 0)
            pf.encap |= VF_ENCAP_SAMPLED;
        else if (strcmp(*p, "gre") == 0 || strcmp(*p, "erspan") == 0)
            pf.encap |= VF_ENCAP_OTHER;
        else if (strcmp(*p, "icmp") == 0 || strcmp(*p, "icmpv6") == 0)
            pf.in_icmp = true;
        else if (strcmp(*p, "ip") == 0 || strcmp(*p, "ipv6") == 0) {
            pf.v6 = (*p)[2] == 'v';
            ips++;
            if (pf.v6 && strcmp(parts[0], "null") == 0)
                link_bad = true;
        } else if (strcmp(*p, "pppoes") == 0 || strcmp(*p, "mpls") == 0 || strcmp(*p, "llc") == 0)
            link_bad = true;
        else if (g_str_has_prefix(*p, "ipv6."))
            ext = true;
    }
    if (pf.encap != 0 || pf.in_icmp || ips > 1)
        pf.tcpflow_skip = VF_SKIP_TUNNEL;
    else if (link_bad)
        pf.tcpflow_skip = VF_SKIP_LINK;
    else if (ext)
        pf.tcpflow_skip = VF_SKIP_IPV6_EXT;
    return pf;
}

/* The frame's endpoints, from the addresses of its innermost IP header;
 * false when they do not parse. */
static bool
line_endpoints(char **col, bool v6, uint64_t sport, uint64_t dport, ts_endpoint *s_ep,
               ts_endpoint *d_ep)
{
    char src_text[80], dst_text[80];
    const char *src = v6 ? col[COL_IP6_SRC] : col[COL_IP_SRC];
    const char *dst = v6 ? col[COL_IP6_DST] : col[COL_IP_DST];
    g_snprintf(src_text, sizeof src_text, v6 ? "[%s]:%u" : "%s:%u", src, (unsigned)sport);
    g_snprintf(dst_text, sizeof dst_text, v6 ? "[%s]:%u" : "%s:%u", dst, (unsigned)dport);
    return vf_endpoint_parse(src_text, s_ep) && vf_endpoint_parse(dst_text, d_ep);
}

/* The IP-level facts of a line: lengths, fragments, what tcpflow skips. */
static void
line_ip_facts(char **col, const path_facts *pf, vf_frame *fr)
{
    uint64_t mf = 0, frag_off = 0, caplen = 0, wirelen = 0, iplen = 1, ip6plen = 1;
    parse_u64(col[COL_IPLEN], 10, &iplen);
    parse_u64(col[COL_IP6PLEN], 10, &ip6plen);
    parse_u64(col[COL_CAPLEN], 10, &caplen);
    parse_u64(col[COL_WIRELEN], 10, &wirelen);
    parse_u64(col[COL_MF], 10, &mf);
    parse_u64(col[COL_FRAG_OFFSET], 10, &frag_off);
    fr->cap_len = (uint32_t)caplen;
    fr->wire_len = (uint32_t)wirelen;
    fr->fragmented = col[COL_FRAG_COUNT][0] != '\0' || col[COL_FRAG6_COUNT][0] != '\0' || mf != 0 ||
                     frag_off != 0;
    fr->encap = pf->encap;
    fr->in_icmp = pf->in_icmp;
    fr->v6 = pf->v6;
    fr->tcpflow_skip = pf->tcpflow_skip;
    fr->odd_trailer = pf->odd_trailer;
    if (fr->tcpflow_skip == 0 && fr->fragmented)
        fr->tcpflow_skip = VF_SKIP_FRAGMENT;
    if (fr->tcpflow_skip == 0 && (pf->v6 ? ip6plen : iplen) == 0)
        fr->tcpflow_skip = VF_SKIP_IP_LENGTH;
    /* tshark shows the IPv4 length it presumes for TSO (field 0) */
    fr->big_ip = !pf->v6 && iplen > 1500;
}

/* The bytes after the IP packet (padding, trailers, FCS) into the pool. */
static void
line_extra(vf_frames *f, char **col, vf_frame *fr)
{
    fr->extra_off = f->extra->len;
    append_hex(f->extra, col[COL_PADDING]);
    append_hex(f->extra, col[COL_TRAILER]);
    append_hex(f->extra, col[COL_VLAN_TRAILER]);
    append_hex(f->extra, col[COL_SLL_TRAILER]);
    append_hex(f->extra, col[COL_FCS]);
    fr->extra_len = f->extra->len - fr->extra_off;
}

/* Appends the frame to its stream (made on its first frame, node 0 = the
 * source of that frame). */
static void
add_frame(vf_frames *f, vf_frame *fr, const ts_endpoint *s_ep, const ts_endpoint *d_ep)
{
    if (fr->stream >= f->stream->len)
        g_ptr_array_set_size(f->stream, (guint)fr->stream + 1);
    vf_tstream *t = g_ptr_array_index(f->stream, fr->stream);
    if (t == NULL) {
        t = g_new0(vf_tstream, 1);
        t->node[0] = *s_ep;
        t->node[1] = *d_ep;
        t->first_frame = fr->frame;
        t->frames = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        g_ptr_array_index(f->stream, fr->stream) = t;
    }
    fr->from_node1 = !vf_endpoint_equal(s_ep, &t->node[0]);
    uint32_t index = f->frames->len;
    g_array_append_val(f->frames, *fr);
    g_array_append_val(t->frames, index);
}

void
vf_frames_add_line(void *user, const char *line, size_t len)
{
    vf_frames *f = user;
    (void)len;
    f->lines++;
    g_auto(GStrv) col = g_strsplit(line, "\t", COL_COUNT_ + 1);
    if (g_strv_length(col) < COL_COUNT_) {
        f->bad_lines++;
        return;
    }
    uint64_t frame = 0, stream = 0, sport = 0, dport = 0, seq = 0, ack = 0, tlen = 0, flags = 0;
    if (!parse_u64(col[COL_FRAME], 10, &frame) || !parse_u64(col[COL_STREAM], 10, &stream) ||
        !parse_u64(col[COL_SRCPORT], 10, &sport) || !parse_u64(col[COL_DSTPORT], 10, &dport) ||
        stream > G_MAXUINT32) {
        f->bad_lines++;
        return;
    }
    /* An ICMP error quotes only 8 bytes of the TCP header: no ack, no flags. */
    parse_u64(col[COL_SEQ], 10, &seq);
    parse_u64(col[COL_ACK], 10, &ack);
    parse_u64(col[COL_FLAGS], 16, &flags);
    parse_u64(col[COL_LEN], 10, &tlen);
    path_facts pf = protocol_path(col[COL_PROTOCOLS]);
    ts_endpoint s_ep, d_ep;
    if (!line_endpoints(col, pf.v6, sport, dport, &s_ep, &d_ep)) {
        f->bad_lines++;
        return;
    }
    vf_frame fr = {
        .frame = (uint32_t)frame,
        .stream = (uint32_t)stream,
        .seq = (uint32_t)seq,
        .ack = (uint32_t)ack,
        .len = (uint32_t)tlen,
        .flags = (uint8_t)(flags & 0xff),
    };
    line_ip_facts(col, &pf, &fr);
    line_extra(f, col, &fr);
    add_frame(f, &fr, &s_ep, &d_ep);
}

const vf_tstream *
vf_frames_stream(const vf_frames *f, uint64_t stream)
{
    if (f == NULL || stream >= f->stream->len)
        return NULL;
    return g_ptr_array_index(f->stream, stream);
}

void
vf_frames_set_extra(vf_frames *f, uint32_t frame, GBytes *bytes)
{
    vf_frame *fr = (vf_frame *)vf_frames_get(f, frame);
    if (fr == NULL)
        return;
    gsize len = 0;
    const uint8_t *data = g_bytes_get_data(bytes, &len);
    fr->extra_off = f->extra->len;
    fr->extra_len = (uint32_t)len;
    if (len > 0)
        g_byte_array_append(f->extra, data, (guint)len);
}

const vf_frame *
vf_frames_get(const vf_frames *f, uint32_t frame)
{
    guint lo = 0, hi = f->frames->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const vf_frame *fr = &g_array_index(f->frames, vf_frame, mid);
        if (fr->frame == frame)
            return fr;
        if (fr->frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- IPv4 length fields of 0 (TSO) ------------------------------- */

typedef struct {
    vf_frames *frames;
} length_check;

static void
length_line(void *user, const char *line, size_t len)
{
    length_check *lc = user;
    (void)len;
    g_auto(GStrv) col = g_strsplit(line, "\t", 3);
    uint64_t frame = 0, iplen = 1;
    if (g_strv_length(col) < 2 || !parse_u64(col[0], 10, &frame) || !parse_u64(col[1], 10, &iplen))
        return;
    const vf_frame *f = vf_frames_get(lc->frames, (uint32_t)frame);
    if (f != NULL && iplen == 0 && f->tcpflow_skip == VF_SKIP_NONE)
        ((vf_frame *)f)->tcpflow_skip = VF_SKIP_IP_LENGTH;
}

bool
vf_check_ip_lengths(const char *capture, vf_frames *frames, GError **error)
{
    GString *filter = g_string_new(NULL);
    bool ok = true;
    for (guint i = 0; i <= frames->frames->len && ok; i++) {
        const vf_frame *f =
            i < frames->frames->len ? &g_array_index(frames->frames, vf_frame, i) : NULL;
        if (f != NULL && f->big_ip)
            g_string_append_printf(filter, "%sframe.number==%u", filter->len ? "||" : "", f->frame);
        if (filter->len > 0 && (f == NULL || filter->len > 8000)) {
            const char *argv[] = {vf_tool_program(VF_TOOL_TSHARK),
                                  "-n",
                                  "-r",
                                  capture,
                                  "-o",
                                  "ip.tso_support:FALSE",
                                  "-Y",
                                  filter->str,
                                  "-T",
                                  "fields",
                                  "-E",
                                  "occurrence=l",
                                  "-e",
                                  "frame.number",
                                  "-e",
                                  "ip.len",
                                  NULL};
            length_check lc = {frames};
            ok = vf_run_lines(argv, length_line, &lc, error);
            g_string_truncate(filter, 0);
        }
    }
    g_string_free(filter, TRUE);
    return ok;
}

/* ---- first fragments of datagrams nobody reassembled ---------------- */

static void
fragment_line(void *user, const char *line, size_t len)
{
    GArray *out = user;
    (void)len;
    /* frame, seq, flags, TCP header length, IPv4 length and header length or
       IPv6 payload length (with its 8-byte fragment header) */
    g_auto(GStrv) col = g_strsplit(line, "\t", 8);
    uint64_t frame = 0, seq = 0, flags = 0, thl = 0, iplen = 0, iphl = 0, plen = 0;
    if (g_strv_length(col) < 7 || !parse_u64(col[0], 10, &frame) || !parse_u64(col[1], 10, &seq) ||
        !parse_u64(col[3], 10, &thl))
        return;
    parse_u64(col[2], 16, &flags);
    uint64_t tlen = 0;
    if (parse_u64(col[4], 10, &iplen) && parse_u64(col[5], 10, &iphl))
        tlen = iplen > iphl + thl ? iplen - iphl - thl : 0;
    else if (parse_u64(col[6], 10, &plen))
        tlen = plen > 8 + thl ? plen - 8 - thl : 0;
    vf_frame f = {.frame = (uint32_t)frame,
                  .seq = (uint32_t)seq,
                  .len = (uint32_t)tlen,
                  .flags = (uint8_t)flags,
                  .fragmented = 1};
    g_array_append_val(out, f);
}

bool
vf_first_fragments(const char *capture, const ts_endpoint *src, const ts_endpoint *dst, GArray *out,
                   GError **error)
{
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    const char *ip = src->family == 6 ? "ipv6" : "ip";
    g_autofree char *filter =
        g_strdup_printf("%s.src==%s && %s.dst==%s && tcp.srcport==%u && tcp.dstport==%u && %s", ip,
                        ts_endpoint_address(src, a), ip, ts_endpoint_address(dst, b),
                        (unsigned)src->port, (unsigned)dst->port,
                        src->family == 6 ? "ipv6.fragment.offset==0 && ipv6.fragment.more==1"
                                         : "ip.flags.mf==1 && ip.frag_offset==0");
    const char *argv[] = {vf_tool_program(VF_TOOL_TSHARK),
                          "-n",
                          "-r",
                          capture,
                          "-o",
                          "ip.defragment:FALSE",
                          "-o",
                          "ipv6.defragment:FALSE",
                          "-Y",
                          filter,
                          "-T",
                          "fields",
                          "-E",
                          "occurrence=l",
                          "-e",
                          "frame.number",
                          "-e",
                          "tcp.seq_raw",
                          "-e",
                          "tcp.flags",
                          "-e",
                          "tcp.hdr_len",
                          "-e",
                          "ip.len",
                          "-e",
                          "ip.hdr_len",
                          "-e",
                          "ipv6.plen",
                          NULL};
    return vf_run_lines(argv, fragment_line, out, error);
}

/* ---- payload of a few frames (-T json -x) --------------------------- */

struct vf_json_payloads {
    GHashTable *table;    /* frame -> GBytes of the TCP payload */
    GHashTable *trailers; /* frame -> GBytes after the IP packet, or NULL */
    int64_t frame;
    GByteArray *raw; /* frame bytes */
    int64_t tcp_off, tcp_hdr, tcp_len;
    int64_t ip_off, ip_end_len; /* last IP header: offset, and its packet's length */
    bool ip_v6;
    int expect; /* what the next line holds, see vf_json_payloads_line */
};

vf_json_payloads *
vf_json_payloads_new(GHashTable *table, GHashTable *trailers)
{
    vf_json_payloads *p = g_new0(vf_json_payloads, 1);
    p->table = table;
    p->trailers = trailers;
    p->raw = g_byte_array_new();
    p->frame = p->tcp_off = p->tcp_hdr = p->tcp_len = p->ip_off = p->ip_end_len = -1;
    return p;
}

static void
json_flush(vf_json_payloads *p)
{
    if (p->frame >= 0 && p->tcp_off >= 0 && p->tcp_hdr >= 0 && p->tcp_len >= 0) {
        int64_t start = p->tcp_off + p->tcp_hdr;
        int64_t end = MIN(start + p->tcp_len, (int64_t)p->raw->len);
        if (start <= end)
            g_hash_table_insert(p->table, GUINT_TO_POINTER((guint)p->frame),
                                g_bytes_new(p->raw->data + start, (gsize)(end - start)));
    }
    if (p->trailers != NULL && p->frame >= 0 && p->ip_off >= 0 && p->ip_end_len >= 0) {
        int64_t end = p->ip_off + p->ip_end_len + (p->ip_v6 ? 40 : 0);
        if (end < (int64_t)p->raw->len)
            g_hash_table_insert(p->trailers, GUINT_TO_POINTER((guint)p->frame),
                                g_bytes_new(p->raw->data + end, p->raw->len - (gsize)end));
    }
    g_byte_array_set_size(p->raw, 0);
    p->frame = p->tcp_off = p->tcp_hdr = p->tcp_len = p->ip_off = p->ip_end_len = -1;
    p->expect = 0;
}

/* The text between the first pair of double quotes in `line`, or NULL. */
static char *
quoted_value(const char *line)
{
    const char *open = strchr(line, '"');
    if (open == NULL)
        return NULL;
    const char *close = strchr(open + 1, '"');
    return close == NULL ? NULL : g_strndup(open + 1, (gsize)(close - open - 1));
}

/* The number in quotes after "key": on a line of tshark's JSON, or -1. */
static int64_t
quoted_number(const char *line, size_t key_len)
{
    g_autofree char *v = quoted_value(line + key_len);
    return v != NULL ? g_ascii_strtoll(v, NULL, 10) : -1;
}

enum {
    EXPECT_NONE,
    EXPECT_FRAME_HEX,
    EXPECT_TCP_HEX,
    EXPECT_TCP_OFFSET,
    EXPECT_IP_HEX,
    EXPECT_IP_OFFSET,
};

void
vf_json_payloads_line(void *user, const char *line, size_t len)
{
    vf_json_payloads *p = user;
    (void)len;
    while (*line == ' ')
        line++;
    switch (p->expect) {
    case EXPECT_FRAME_HEX: {
        g_autofree char *hex = quoted_value(line);
        g_byte_array_set_size(p->raw, 0);
        append_hex(p->raw, hex);
        p->expect = EXPECT_NONE;
        return;
    }
    case EXPECT_TCP_HEX: {
        g_autofree char *hex = quoted_value(line);
        p->tcp_hdr = hex != NULL ? (int64_t)strlen(hex) / 2 : -1;
        p->expect = EXPECT_TCP_OFFSET;
        return;
    }
    case EXPECT_TCP_OFFSET:
        p->tcp_off = g_ascii_strtoll(line, NULL, 10);
        p->expect = EXPECT_NONE;
        return;
    case EXPECT_IP_HEX: p->expect = EXPECT_IP_OFFSET; return;
    case EXPECT_IP_OFFSET:
        p->ip_off = g_ascii_strtoll(line, NULL, 10);
        p->expect = EXPECT_NONE;
        return;
    default: break;
    }
    if (g_str_has_prefix(line, "\"_index\"")) {
        json_flush(p);
    } else if (g_str_has_prefix(line, "\"frame_raw\": [")) {
        p->expect = EXPECT_FRAME_HEX;
    } else if (g_str_has_prefix(line, "\"tcp_raw\": [")) {
        p->expect = EXPECT_TCP_HEX;
    } else if (g_str_has_prefix(line, "\"ip_raw\": [") ||
               g_str_has_prefix(line, "\"ipv6_raw\": [")) {
        p->ip_v6 = line[3] == 'v';
        p->expect = EXPECT_IP_HEX;
    } else if (g_str_has_prefix(line, "\"frame.number\":")) {
        p->frame = quoted_number(line, 15);
    } else if (g_str_has_prefix(line, "\"tcp.len\":")) {
        p->tcp_len = quoted_number(line, 10);
    } else if (g_str_has_prefix(line, "\"ip.len\":")) {
        p->ip_end_len = quoted_number(line, 9);
    } else if (g_str_has_prefix(line, "\"ipv6.plen\":")) {
        p->ip_end_len = quoted_number(line, 12);
    }
}

void
vf_json_payloads_free(vf_json_payloads *p)
{
    if (p == NULL)
        return;
    json_flush(p);
    g_byte_array_unref(p->raw);
    g_free(p);
}

GHashTable *
vf_fetch_payloads(const char *capture, const uint32_t *frames, size_t n, GHashTable *trailers,
                  GError **error)
{
    GHashTable *table =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_bytes_unref);
    for (size_t i = 0; i < n;) {
        /* A display filter naming up to 200 frames per run. */
        GString *filter = g_string_new(NULL);
        size_t end = MIN(n, i + 200);
        for (; i < end; i++)
            g_string_append_printf(filter, "%sframe.number==%u", filter->len ? "||" : "",
                                   frames[i]);
        const char *argv[] = {vf_tool_program(VF_TOOL_TSHARK),
                              "-n",
                              "-r",
                              capture,
                              "-Y",
                              filter->str,
                              "-T",
                              "json",
                              "-J",
                              "frame ip ipv6 tcp",
                              "-x",
                              NULL};
        vf_json_payloads *p = vf_json_payloads_new(table, trailers);
        bool ok = vf_run_lines(argv, vf_json_payloads_line, p, error);
        vf_json_payloads_free(p);
        g_string_free(filter, TRUE);
        if (!ok) {
            g_hash_table_unref(table);
            return NULL;
        }
    }
    return table;
}
