/*
 * pktbuild.c — test frame builders and a classic pcap writer.
 *
 * Written for clarity, not speed: every header is assembled byte by byte in
 * network order with the put helpers of byteorder.h, checksums are computed
 * from scratch.
 * All failures abort (see pktbuild.h). The pcap writer is hand-written
 * (rather than pcap_dump) so nanosecond files and odd caplen/origlen
 * combinations are easy.
 *
 * Gotchas: the NULL link type family is written in host byte order; IPv4
 * fragment fields are written raw by pb_build_tcp (no splitting).
 */
#include "pktbuild.h"
#include "byteorder.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pb_writer {
    FILE *f;
    int linktype;
    bool nanoseconds;
    uint32_t snaplen;
};

struct pb_conn {
    pb_writer *w;
    pb_sink_fn sink;
    void *sink_user;
    int linktype;
    int family;
    char addr[2][64];
    uint16_t port[2];
    uint32_t isn[2];
    uint32_t next[2];
    int64_t ts_ns;
    int64_t step_ns;
    uint8_t *buf;
};

/* ---- small helpers ----------------------------------------------------- */

/* Prints `msg` and aborts: every misuse of the builders is a test bug. */
static void
pb_die(const char *msg, const char *detail)
{
    fprintf(stderr, "pktbuild: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void
pb_need(size_t have, size_t need)
{
    if (need > have)
        pb_die("output buffer too small", NULL);
}

/* Parses address text of `family` (4 or 6) into `out` (4 or 16 bytes). */
static void
pb_parse_addr(int family, const char *text, uint8_t *out)
{
    if (family != 4 && family != 6)
        pb_die("family must be 4 or 6", NULL);
    if (!text || inet_pton(family == 4 ? AF_INET : AF_INET6, text, out) != 1)
        pb_die("bad address", text ? text : "(null)");
}

/* One's-complement sum of `len` bytes added to `sum` (not folded). */
static uint32_t
pb_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    uint64_t s = sum;
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        s += pb_get16(p + i);
    if (len & 1)
        s += (uint32_t)(p[len - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint32_t)s;
}

/* Computes the internet checksum of `data`, starting from partial sum
 * `initial`. */
uint16_t
pb_checksum(const void *data, size_t len, uint32_t initial)
{
    uint32_t s = pb_sum(data, len, initial);
    return (uint16_t)~s;
}

/* Partial sum of the IPv4/IPv6 pseudo-header. */
static uint32_t
pb_pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t l4_len)
{
    uint8_t tail[8];
    uint32_t s;
    size_t alen = family == 4 ? 4 : 16;
    s = pb_sum(src, alen, 0);
    s = pb_sum(dst, alen, s);
    if (family == 4) {
        tail[0] = 0;
        tail[1] = proto;
        pb_put16(tail + 2, (uint16_t)l4_len);
        return pb_sum(tail, 4, s);
    }
    pb_put32(tail, l4_len);
    tail[4] = tail[5] = tail[6] = 0;
    tail[7] = proto;
    return pb_sum(tail, 8, s);
}

/* ---- pcap writer ------------------------------------------------------- */

/* Opens a classic pcap file for writing; aborts on error. */
pb_writer *
pb_pcap_open(const char *path, int linktype, bool nanoseconds, uint32_t snaplen)
{
    uint8_t hdr[24];
    pb_writer *w = calloc(1, sizeof *w);
    if (!w)
        pb_die("out of memory", NULL);
    w->f = fopen(path, "wb");
    if (!w->f)
        pb_die("cannot create", path);
    w->linktype = linktype;
    w->nanoseconds = nanoseconds;
    w->snaplen = snaplen ? snaplen : 262144;
    pb_put32le(hdr, nanoseconds ? 0xa1b23c4du : 0xa1b2c3d4u);
    hdr[4] = 2; /* version 2.4, little-endian */
    hdr[5] = 0;
    hdr[6] = 4;
    hdr[7] = 0;
    pb_put32le(hdr + 8, 0);  /* thiszone */
    pb_put32le(hdr + 12, 0); /* sigfigs */
    pb_put32le(hdr + 16, w->snaplen);
    pb_put32le(hdr + 20, (uint32_t)linktype);
    if (fwrite(hdr, 1, sizeof hdr, w->f) != sizeof hdr)
        pb_die("write failed", path);
    return w;
}

/* Writes one record with explicit caplen/origlen. */
void
pb_pcap_write_raw(pb_writer *w, int64_t ts_ns, const uint8_t *frame, uint32_t caplen,
                  uint32_t origlen)
{
    uint8_t rec[16];
    int64_t sec = ts_ns / 1000000000;
    int64_t frac = ts_ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        sec -= 1;
    }
    if (!w->nanoseconds)
        frac /= 1000;
    pb_put32le(rec, (uint32_t)sec);
    pb_put32le(rec + 4, (uint32_t)frac);
    pb_put32le(rec + 8, caplen);
    pb_put32le(rec + 12, origlen);
    if (fwrite(rec, 1, sizeof rec, w->f) != sizeof rec ||
        (caplen && fwrite(frame, 1, caplen, w->f) != caplen))
        pb_die("write failed", NULL);
}

/* Writes one record, clipping to the snap length. */
void
pb_pcap_write(pb_writer *w, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    pb_pcap_write_raw(w, ts_ns, frame, len < w->snaplen ? len : w->snaplen, len);
}

/* Returns the writer's link type. */
int
pb_pcap_linktype(const pb_writer *w)
{
    return w->linktype;
}

/* Closes the file and frees the writer. */
void
pb_pcap_close(pb_writer *w)
{
    if (!w)
        return;
    if (fclose(w->f) != 0)
        pb_die("close failed", NULL);
    free(w);
}

/* ---- frame builders ---------------------------------------------------- */

/* Puts a 16-bit NFLOG TLV field in little-endian (host order of an x86
 * capture) or, by variant, big-endian order. */
static void
pb_nflog16(uint8_t *p, uint16_t v, unsigned variant)
{
    if (variant & PB_LINK_NFLOG_BE)
        pb_put16(p, v);
    else {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

/* Writes an NFLOG header: family, version 0, resource id 1, a packet
 * header TLV (extra prefix, uid and timestamp TLVs by variant), and the
 * payload TLV header whose length pb_link_finish() sets. */
static size_t
pb_nflog(uint16_t ethertype, unsigned v, uint8_t *out, size_t cap)
{
    size_t n = 4;

    pb_need(cap, 64);
    memset(out, 0, 64);
    out[0] = ethertype == 0x86dd ? 10 : 2; /* AF_INET6 / AF_INET */
    pb_put16(out + 2, 1);                  /* resource id, network order */
    pb_nflog16(out + n, 8, v);             /* NFULA_PACKET_HDR */
    pb_nflog16(out + n + 2, 1, v);
    pb_put16(out + n + 4, ethertype); /* hw_protocol, network order */
    out[n + 6] = 3;                   /* hook: NF_INET_FORWARD */
    n += 8;
    if (v & PB_LINK_NFLOG_EXTRA) {
        pb_nflog16(out + n, 4 + 5, v); /* NFULA_PREFIX "tcps\0": padded to 12 */
        pb_nflog16(out + n + 2, 10, v);
        memcpy(out + n + 4, "tcps", 5);
        n += 12;
        pb_nflog16(out + n, 8, v); /* NFULA_UID */
        pb_nflog16(out + n + 2, 11, v);
        pb_put32(out + n + 4, 1000);
        n += 8;
        pb_nflog16(out + n, 20, v); /* NFULA_TIMESTAMP */
        pb_nflog16(out + n + 2, 3, v);
        n += 20;
    }
    pb_nflog16(out + n + 2, 9, v); /* NFULA_PAYLOAD, length set later */
    return n + 4;
}

/* Completes a frame of `n` bytes whose link header is `link` bytes long:
 * sets the NFLOG payload TLV length (other link types need nothing). */
void
pb_link_finish(int linktype, uint8_t *frame, size_t link, size_t n)
{
    if (linktype != TS_LINKTYPE_NFLOG)
        return;
    if (frame[link - 2] == 9) /* little-endian type 9 */
        pb_nflog16(frame + link - 4, (uint16_t)(n - link + 4), 0);
    else
        pb_nflog16(frame + link - 4, (uint16_t)(n - link + 4), PB_LINK_NFLOG_BE);
}

/* Writes a link header; QinQ makes the outer tags 0x88a8. */
static size_t
pb_link(int linktype, uint16_t ethertype, int vlan_tags, bool qinq, uint8_t *out, size_t cap)
{
    static const uint8_t dmac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    static const uint8_t smac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    uint32_t fam;
    size_t n;
    int i;

    switch (linktype) {
    case TS_LINKTYPE_ETHERNET:
        if (vlan_tags < 0 || vlan_tags > 16)
            pb_die("bad vlan_tags", NULL);
        n = 14 + 4 * (size_t)vlan_tags;
        pb_need(cap, n);
        memcpy(out, dmac, 6);
        memcpy(out + 6, smac, 6);
        for (i = 0; i < vlan_tags; i++) {
            uint16_t tpid = (qinq && i < vlan_tags - 1) ? 0x88a8 : 0x8100;
            pb_put16(out + 12 + 4 * i, tpid);
            pb_put16(out + 14 + 4 * i, (uint16_t)(100 + i)); /* PCP 0, VID 100+i */
        }
        pb_put16(out + 12 + 4 * vlan_tags, ethertype);
        return n;
    case TS_LINKTYPE_NULL:
    case TS_LINKTYPE_LOOP:
        pb_need(cap, 4);
        fam = ethertype == 0x86dd ? 30 : ethertype == 0x0800 ? 2 : ethertype;
        if (linktype == TS_LINKTYPE_LOOP)
            pb_put32(out, fam);
        else
            memcpy(out, &fam, 4); /* host byte order */
        return 4;
    case TS_LINKTYPE_LINUX_SLL:
        pb_need(cap, 16);
        memset(out, 0, 16);
        pb_put16(out, 0);     /* packet type: to us */
        pb_put16(out + 2, 1); /* ARPHRD_ETHER */
        pb_put16(out + 4, 6); /* address length */
        memcpy(out + 6, smac, 6);
        pb_put16(out + 14, ethertype);
        return 16;
    case TS_LINKTYPE_LINUX_SLL2:
        pb_need(cap, 20);
        memset(out, 0, 20);
        pb_put16(out, ethertype);
        pb_put32(out + 4, 2); /* interface index */
        pb_put16(out + 8, 1); /* ARPHRD_ETHER */
        out[10] = 0;          /* packet type */
        out[11] = 6;          /* address length */
        memcpy(out + 12, smac, 6);
        return 20;
    case TS_LINKTYPE_RAW_12:
    case TS_LINKTYPE_RAW_14:
    case TS_LINKTYPE_RAW:
    case TS_LINKTYPE_IPV4:
    case TS_LINKTYPE_IPV6: return 0;
    default: return pb_link_variant(linktype, ethertype, 0, out, cap);
    }
    return 0;
}

/* Writes a 802.11 data header (from station to AP, sequence 0) and LLC/SNAP
 * for `ethertype`, with the PB_LINK_* 802.11 variants. */
static size_t
pb_80211(uint16_t ethertype, unsigned v, uint8_t *out, size_t cap)
{
    static const uint8_t bssid[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xaa};
    static const uint8_t sta[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
    static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
    size_t n = 24;

    pb_need(cap, 24 + 6 + 2 + 4 + 8);
    memset(out, 0, 24 + 6 + 2 + 4);
    out[0] = (v & PB_LINK_QOS) ? 0x88 : 0x08;   /* data / QoS data */
    out[1] = (v & PB_LINK_4ADDR) ? 0x03 : 0x01; /* ToDS (and FromDS) */
    if ((v & PB_LINK_HT) && (v & PB_LINK_QOS))
        out[1] |= 0x80; /* order: HT control present */
    memcpy(out + 4, bssid, 6);
    memcpy(out + 10, sta, 6);
    memcpy(out + 16, dst, 6);
    if (v & PB_LINK_4ADDR) {
        memcpy(out + 24, sta, 6);
        n += 6;
    }
    if (v & PB_LINK_QOS) {
        out[n] = 0x05; /* TID 5 */
        n += 2;
        if (v & PB_LINK_HT)
            n += 4;
    }
    memcpy(out + n, snap, 6);
    pb_put16(out + n + 6, ethertype);
    return n + 8;
}

/* Writes a radiotap header (flags and rate fields; TSFT, a second present
 * word or the FCS flag by variant) then the 802.11 header. */
static size_t
pb_radiotap(uint16_t ethertype, unsigned v, uint8_t *out, size_t cap)
{
    uint32_t present = 0x6; /* flags, rate */
    size_t n = 8;

    pb_need(cap, 32);
    memset(out, 0, 32);
    if (v & PB_LINK_RT_EXT) {
        present |= 0x80000000u; /* a second (empty) present word */
        n += 4;
    }
    if (v & PB_LINK_RT_TSFT) {
        present |= 0x1;
        n = (n + 7) / 8 * 8;
        memcpy(out + n, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
        n += 8;
    }
    out[n] = (v & PB_LINK_FCS) ? 0x10 : 0x00; /* flags: FCS at end */
    out[n + 1] = 0x6c;                        /* rate: 54 Mb/s */
    n += 2;
    out[2] = (uint8_t)n; /* it_len, little-endian */
    out[4] = (uint8_t)present;
    out[7] = (uint8_t)(present >> 24);
    return n + pb_80211(ethertype, v, out + n, cap - n);
}

/* Writes a link header of the link types added for issue 11 (PPP, HDLC,
 * 802.11, radiotap, PPI, NFLOG, IPoIB) with the PB_LINK_* variants `v`. */
size_t
pb_link_variant(int linktype, uint16_t ethertype, unsigned v, uint8_t *out, size_t cap)
{
    uint16_t ppp = ethertype == 0x86dd ? 0x0057 : ethertype == 0x0800 ? 0x0021 : ethertype;
    size_t n = 0;

    switch (linktype) {
    case TS_LINKTYPE_PPP:
    case TS_LINKTYPE_PPP_HDLC:
        pb_need(cap, 4);
        if (!(v & PB_LINK_NO_ACFC)) {
            out[n++] = 0xff;
            out[n++] = 0x03;
        }
        if (v & PB_LINK_PFC)
            out[n++] = (uint8_t)ppp;
        else {
            pb_put16(out + n, ppp);
            n += 2;
        }
        return n;
    case TS_LINKTYPE_C_HDLC:
        pb_need(cap, 4);
        out[0] = 0x0f; /* unicast */
        out[1] = 0x00;
        pb_put16(out + 2, ethertype);
        return 4;
    case TS_LINKTYPE_IEEE802_11: return pb_80211(ethertype, v, out, cap);
    case TS_LINKTYPE_RADIOTAP: return pb_radiotap(ethertype, v, out, cap);
    case TS_LINKTYPE_PPI:
        pb_need(cap, 8);
        memset(out, 0, 8);
        out[2] = 8; /* pph_len, little-endian */
        out[4] = TS_LINKTYPE_IEEE802_11;
        return 8 + pb_80211(ethertype, v, out + 8, cap - 8);
    case TS_LINKTYPE_NFLOG: return pb_nflog(ethertype, v, out, cap);
    case TS_LINKTYPE_IPOIB:
        pb_need(cap, 44);
        memset(out, 0, 44);
        memcpy(out + 16, "\x00\x00\x04\x04", 4);         /* destination QPN */
        memcpy(out + 20, "\x80\x00\x04\x04\xfe\x80", 6); /* source QPN, GID */
        pb_put16(out + 40, ethertype);
        return 44;
    default: pb_die("unsupported link type", NULL);
    }
    return 0;
}

/* Writes only the link header for a payload of `ethertype`. */
size_t
pb_build_link(int linktype, uint16_t ethertype, int vlan_tags, uint8_t *out, size_t cap)
{
    return pb_link(linktype, ethertype, vlan_tags, false, out, cap);
}

/* Writes an IPv4 or IPv6 header for `l4_len` bytes of protocol `proto`
 * (IPv6: after `ext_len` bytes of extension headers the caller puts there;
 * IPv4: options included). Returns the header length (with options/ext). */
static size_t
pb_ip_header(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t l4_len,
             const pb_tcp *opt, uint8_t *out, size_t cap)
{
    if (family == 4) {
        size_t olen = opt ? (opt->ip_options_len + 3) & ~(size_t)3 : 0;
        size_t hl = 20 + olen;
        uint16_t frag = 0;
        if (olen > 40)
            pb_die("IPv4 options longer than 40 bytes", NULL);
        pb_need(cap, hl);
        if (hl + l4_len > 65535)
            pb_die("IPv4 packet too long", NULL);
        out[0] = (uint8_t)(0x40 | (hl / 4));
        out[1] = 0;
        pb_put16(out + 2, (uint16_t)(hl + l4_len));
        pb_put16(out + 4, opt ? opt->ip_id : 0);
        if (opt) {
            frag = (uint16_t)((opt->ip_frag_offset_bytes / 8) & 0x1fff);
            if (opt->ip_more_fragments)
                frag |= 0x2000;
        }
        pb_put16(out + 6, frag);
        out[8] = opt && opt->ttl ? opt->ttl : 64;
        out[9] = proto;
        pb_put16(out + 10, 0);
        memcpy(out + 12, src, 4);
        memcpy(out + 16, dst, 4);
        if (olen) {
            memset(out + 20, 0, olen);
            memcpy(out + 20, opt->ip_options, opt->ip_options_len);
        }
        pb_put16(out + 10, pb_checksum(out, hl, 0));
        return hl;
    } else {
        size_t ext = opt ? opt->ip6_ext_len : 0;
        pb_need(cap, 40 + ext);
        if (ext + l4_len > 65535)
            pb_die("IPv6 payload too long", NULL);
        pb_put32(out, 0x60000000u);
        pb_put16(out + 4, (uint16_t)(ext + l4_len));
        out[6] = ext ? opt->ip6_ext_first : proto;
        out[7] = opt && opt->ttl ? opt->ttl : 64;
        memcpy(out + 8, src, 16);
        memcpy(out + 24, dst, 16);
        if (ext)
            memcpy(out + 40, opt->ip6_ext, ext);
        return 40 + ext;
    }
}

static uint16_t
pb_ethertype(int family)
{
    return family == 4 ? 0x0800 : 0x86dd;
}

/* Builds link + IP + TCP; returns the frame length. */
size_t
pb_build_tcp(int linktype, const pb_tcp *seg, uint8_t *out, size_t cap)
{
    uint8_t src[16], dst[16];
    size_t link, iph, olen, th, n;
    uint8_t *tcp;
    uint32_t s;
    uint16_t sum;

    pb_parse_addr(seg->family, seg->src, src);
    pb_parse_addr(seg->family, seg->dst, dst);
    olen = (seg->tcp_options_len + 3) & ~(size_t)3;
    if (olen > 40)
        pb_die("TCP options longer than 40 bytes", NULL);
    th = 20 + olen;
    link = pb_link(linktype, pb_ethertype(seg->family), seg->vlan_tags, seg->vlan_qinq, out, cap);
    iph = pb_ip_header(seg->family, src, dst, 6, th + seg->len, seg, out + link, cap - link);
    n = link + iph + th + seg->len;
    pb_need(cap, n + seg->eth_trailer);
    tcp = out + link + iph;
    pb_put16(tcp, seg->sport);
    pb_put16(tcp + 2, seg->dport);
    pb_put32(tcp + 4, seg->seq);
    pb_put32(tcp + 8, seg->ack);
    tcp[12] = (uint8_t)((th / 4) << 4);
    tcp[13] = seg->flags;
    pb_put16(tcp + 14, seg->window);
    pb_put16(tcp + 16, 0);
    pb_put16(tcp + 18, seg->urgent);
    if (olen) {
        memset(tcp + 20, 0, olen);
        memcpy(tcp + 20, seg->tcp_options, seg->tcp_options_len);
    }
    if (seg->len)
        memcpy(tcp + th, seg->payload, seg->len);
    s = pb_pseudo_sum(seg->family, src, dst, 6, (uint32_t)(th + seg->len));
    sum = pb_checksum(tcp, th + seg->len, s);
    if (seg->bad_checksum)
        sum ^= 0x0101; /* never turns 0x0000 into its twin 0xffff */
    pb_put16(tcp + 16, sum);
    if (seg->eth_trailer)
        memset(out + n, 0xee, seg->eth_trailer);
    pb_link_finish(linktype, out, link, n);
    return n + seg->eth_trailer;
}

/* Builds link + IP header carrying `l4` verbatim. */
size_t
pb_build_ip(int linktype, int family, const char *src, const char *dst, uint8_t proto,
            const void *l4, size_t l4_len, uint8_t *out, size_t cap)
{
    uint8_t s[16], d[16];
    size_t link, iph;
    pb_parse_addr(family, src, s);
    pb_parse_addr(family, dst, d);
    link = pb_link(linktype, pb_ethertype(family), 0, false, out, cap);
    iph = pb_ip_header(family, s, d, proto, l4_len, NULL, out + link, cap - link);
    pb_need(cap, link + iph + l4_len);
    if (l4_len)
        memcpy(out + link + iph, l4, l4_len);
    pb_link_finish(linktype, out, link, link + iph + l4_len);
    return link + iph + l4_len;
}

/* Builds a UDP datagram frame with correct checksums. */
size_t
pb_build_udp(int linktype, int family, const char *src, const char *dst, uint16_t sport,
             uint16_t dport, const void *payload, size_t len, uint8_t *out, size_t cap)
{
    uint8_t s[16], d[16];
    size_t link, iph;
    uint8_t *udp;
    uint16_t sum;
    pb_parse_addr(family, src, s);
    pb_parse_addr(family, dst, d);
    link = pb_link(linktype, pb_ethertype(family), 0, false, out, cap);
    iph = pb_ip_header(family, s, d, 17, 8 + len, NULL, out + link, cap - link);
    pb_need(cap, link + iph + 8 + len);
    udp = out + link + iph;
    pb_put16(udp, sport);
    pb_put16(udp + 2, dport);
    pb_put16(udp + 4, (uint16_t)(8 + len));
    pb_put16(udp + 6, 0);
    if (len)
        memcpy(udp + 8, payload, len);
    sum = pb_checksum(udp, 8 + len, pb_pseudo_sum(family, s, d, 17, (uint32_t)(8 + len)));
    pb_put16(udp + 6, sum ? sum : 0xffff);
    pb_link_finish(linktype, out, link, link + iph + 8 + len);
    return link + iph + 8 + len;
}

/* Wraps an IP packet in an outer IP header (protocol 4 or 41). */
size_t
pb_wrap_ip_in_ip(int linktype, int outer_family, const char *src, const char *dst,
                 const uint8_t *inner_ip, size_t inner_len, uint8_t *out, size_t cap)
{
    uint8_t proto;
    if (inner_len < 1)
        pb_die("empty inner packet", NULL);
    proto = (inner_ip[0] >> 4) == 6 ? 41 : 4;
    return pb_build_ip(linktype, outer_family, src, dst, proto, inner_ip, inner_len, out, cap);
}

/* Returns the offset of the IP header in a frame built here. */
size_t
pb_ip_offset(int linktype, const uint8_t *frame, size_t len)
{
    size_t off;
    switch (linktype) {
    case TS_LINKTYPE_ETHERNET:
        off = 12;
        while (off + 2 <= len &&
               (pb_get16(frame + off) == 0x8100 || pb_get16(frame + off) == 0x88a8 ||
                pb_get16(frame + off) == 0x9100))
            off += 4;
        return off + 2;
    case TS_LINKTYPE_NULL:
    case TS_LINKTYPE_LOOP: return 4;
    case TS_LINKTYPE_LINUX_SLL: return 16;
    case TS_LINKTYPE_LINUX_SLL2: return 20;
    case TS_LINKTYPE_RAW_12:
    case TS_LINKTYPE_RAW_14:
    case TS_LINKTYPE_RAW:
    case TS_LINKTYPE_IPV4:
    case TS_LINKTYPE_IPV6: return 0;
    case TS_LINKTYPE_PPP:
    case TS_LINKTYPE_PPP_HDLC:
    case TS_LINKTYPE_C_HDLC: return 4;
    case TS_LINKTYPE_IEEE802_11: return 32;
    case TS_LINKTYPE_RADIOTAP: return 10 + 32;
    case TS_LINKTYPE_PPI: return 8 + 32;
    case TS_LINKTYPE_NFLOG: return 16;
    case TS_LINKTYPE_IPOIB: return 44;
    default: pb_die("unsupported link type", NULL);
    }
    return 0;
}

/* Splits an IPv4 packet into fragments; returns their number. */
size_t
pb_fragment_ipv4(int linktype, const uint8_t *frame, size_t len, size_t mtu_payload,
                 uint8_t *const outs[], size_t out_lens[], size_t max_outs, size_t out_cap)
{
    size_t ipoff = pb_ip_offset(linktype, frame, len);
    const uint8_t *ip = frame + ipoff;
    size_t hl, total, plen, chunk, done, count = 0;
    uint16_t base_frag;

    if (ipoff + 20 > len || (ip[0] >> 4) != 4)
        pb_die("pb_fragment_ipv4: not an IPv4 frame", NULL);
    hl = (size_t)(ip[0] & 15) * 4;
    total = pb_get16(ip + 2);
    if (ipoff + total > len || total < hl)
        pb_die("pb_fragment_ipv4: inconsistent frame", NULL);
    plen = total - hl;
    chunk = mtu_payload & ~(size_t)7;
    if (chunk == 0)
        pb_die("pb_fragment_ipv4: mtu_payload < 8", NULL);
    base_frag = pb_get16(ip + 6);
    for (done = 0; done < plen || (plen == 0 && count == 0); done += chunk) {
        size_t n = plen - done < chunk ? plen - done : chunk;
        uint16_t off = (uint16_t)((base_frag & 0x1fff) + done / 8);
        uint16_t frag = (uint16_t)(off & 0x1fff);
        uint8_t *o;
        if (count >= max_outs)
            pb_die("pb_fragment_ipv4: too many fragments", NULL);
        pb_need(out_cap, ipoff + hl + n);
        o = outs[count];
        memcpy(o, frame, ipoff + hl);
        memcpy(o + ipoff + hl, ip + hl + done, n);
        if (done + n < plen || (base_frag & 0x2000))
            frag |= 0x2000;
        pb_put16(o + ipoff + 2, (uint16_t)(hl + n));
        pb_put16(o + ipoff + 6, frag);
        pb_put16(o + ipoff + 10, 0);
        pb_put16(o + ipoff + 10, pb_checksum(o + ipoff, hl, 0));
        out_lens[count++] = ipoff + hl + n;
        if (plen == 0)
            break;
    }
    return count;
}

/* ---- conversations ----------------------------------------------------- */

/* Creates a conversation; the caller keeps owning `w`. */
pb_conn *
pb_conn_new(pb_writer *w, int linktype, int family, const char *client, uint16_t cport,
            const char *server, uint16_t sport, uint32_t client_isn, uint32_t server_isn)
{
    uint8_t tmp[16];
    pb_conn *c = calloc(1, sizeof *c);
    if (!c)
        pb_die("out of memory", NULL);
    pb_parse_addr(family, client, tmp);
    pb_parse_addr(family, server, tmp);
    if (strlen(client) >= sizeof c->addr[0] || strlen(server) >= sizeof c->addr[1])
        pb_die("address text too long", NULL);
    c->buf = malloc(PB_MAX_FRAME);
    if (!c->buf)
        pb_die("out of memory", NULL);
    c->w = w;
    c->linktype = linktype;
    c->family = family;
    strcpy(c->addr[0], client);
    strcpy(c->addr[1], server);
    c->port[0] = cport;
    c->port[1] = sport;
    c->isn[0] = client_isn;
    c->isn[1] = server_isn;
    c->next[0] = client_isn + 1;
    c->next[1] = server_isn + 1;
    c->ts_ns = 1700000000LL * 1000000000LL;
    c->step_ns = 1000000;
    return c;
}

/* Routes frames to a callback. */
void
pb_conn_set_sink(pb_conn *c, pb_sink_fn fn, void *user)
{
    c->sink = fn;
    c->sink_user = user;
}

/* Fills a segment template for side `from`. */
void
pb_conn_template(const pb_conn *c, int from, pb_tcp *seg)
{
    int to = !from;
    memset(seg, 0, sizeof *seg);
    seg->family = c->family;
    seg->src = c->addr[from];
    seg->dst = c->addr[to];
    seg->sport = c->port[from];
    seg->dport = c->port[to];
    seg->seq = c->next[from];
    seg->ack = c->next[to];
    seg->flags = TS_TCP_ACK;
    seg->window = 65535;
}

/* Emits a segment at the conversation clock. */
void
pb_conn_write(pb_conn *c, const pb_tcp *seg)
{
    size_t n = pb_build_tcp(c->linktype, seg, c->buf, PB_MAX_FRAME);
    if (c->w)
        pb_pcap_write(c->w, c->ts_ns, c->buf, (uint32_t)n);
    if (c->sink)
        c->sink(c->sink_user, c->ts_ns, c->buf, (uint32_t)n);
    c->ts_ns += c->step_ns;
}

/* SYN, SYN-ACK, ACK. */
void
pb_conn_handshake(pb_conn *c)
{
    pb_tcp seg;
    pb_conn_template(c, 0, &seg);
    seg.seq = c->isn[0];
    seg.ack = 0;
    seg.flags = TS_TCP_SYN;
    pb_conn_write(c, &seg);
    pb_conn_template(c, 1, &seg);
    seg.seq = c->isn[1];
    seg.ack = c->isn[0] + 1;
    seg.flags = TS_TCP_SYN | TS_TCP_ACK;
    pb_conn_write(c, &seg);
    c->next[0] = c->isn[0] + 1;
    c->next[1] = c->isn[1] + 1;
    pb_conn_template(c, 0, &seg);
    pb_conn_write(c, &seg);
}

/* Sends data at the next seq and advances. */
void
pb_conn_send(pb_conn *c, int from, const void *data, size_t len)
{
    pb_tcp seg;
    pb_conn_template(c, from, &seg);
    seg.flags = TS_TCP_PSH | TS_TCP_ACK;
    seg.payload = data;
    seg.len = len;
    pb_conn_write(c, &seg);
    c->next[from] += (uint32_t)len;
}

/* Sends data at a relative offset without changing state. */
void
pb_conn_send_at(pb_conn *c, int from, uint32_t rel_offset, const void *data, size_t len,
                uint8_t flags)
{
    pb_tcp seg;
    pb_conn_template(c, from, &seg);
    seg.seq = c->isn[from] + 1 + rel_offset;
    seg.flags = flags ? flags : (TS_TCP_PSH | TS_TCP_ACK);
    seg.payload = data;
    seg.len = len;
    pb_conn_write(c, &seg);
}

/* FIN|ACK; advances by one. */
void
pb_conn_fin(pb_conn *c, int from)
{
    pb_tcp seg;
    pb_conn_template(c, from, &seg);
    seg.flags = TS_TCP_FIN | TS_TCP_ACK;
    pb_conn_write(c, &seg);
    c->next[from] += 1;
}

/* RST|ACK at the current seq. */
void
pb_conn_rst(pb_conn *c, int from)
{
    pb_tcp seg;
    pb_conn_template(c, from, &seg);
    seg.flags = TS_TCP_RST | TS_TCP_ACK;
    pb_conn_write(c, &seg);
}

/* Pure ACK. */
void
pb_conn_ack(pb_conn *c, int from)
{
    pb_tcp seg;
    pb_conn_template(c, from, &seg);
    pb_conn_write(c, &seg);
}

/* Sets the next packet's timestamp. */
void
pb_conn_set_time(pb_conn *c, int64_t ts_ns)
{
    c->ts_ns = ts_ns;
}

/* Sets the clock step. */
void
pb_conn_set_step(pb_conn *c, int64_t step_ns)
{
    c->step_ns = step_ns;
}

/* Returns the next packet's timestamp. */
int64_t
pb_conn_time(const pb_conn *c)
{
    return c->ts_ns;
}

/* Returns side `from`'s next sequence number. */
uint32_t
pb_conn_next_seq(const pb_conn *c, int from)
{
    return c->next[from];
}

/* Overrides side `from`'s next sequence number. */
void
pb_conn_set_next_seq(pb_conn *c, int from, uint32_t seq)
{
    c->next[from] = seq;
}

/* Frees the conversation. */
void
pb_conn_free(pb_conn *c)
{
    if (!c)
        return;
    free(c->buf);
    free(c);
}
