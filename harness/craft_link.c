/*
 * craft_link.c — the case captures of link types.
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 * Every capture holds one scripted IPv4 session on its link type, built with
 * the variant-0 link header of pb_link_variant() (pb_build_tcp()).
 */
#include "craft.h"

#include <glib.h>
#include <string.h>

/* link-<name>.pcap: one scripted session (client `request`, server
 * `response`) on `linktype`. */
static void
case_link_one(const char *dir, const char *name, int linktype, const char *request,
              const char *response)
{
    char *path = case_path(dir, name);
    pb_writer *w = pb_pcap_open(path, linktype, false, 0);
    conv k = case_conv(w, linktype, 4, 0);
    scripted_session(&k, NULL, request, response);
    pb_pcap_close(w);
    g_free(path);
}

/* pb_conn sink: rewrites an IPv4 frame built with the 802.11 variant-0
 * header (3-address non-QoS data, LLC/SNAP) into a QoS data frame and writes
 * it to the pcap writer `user`. */
static void
qos_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    static uint8_t out[PB_MAX_FRAME + 64];
    uint8_t hdr[64];
    size_t plain = pb_link_variant(TS_LINKTYPE_IEEE802_11, 0x0800, 0, hdr, sizeof hdr);
    size_t qos = pb_link_variant(TS_LINKTYPE_IEEE802_11, 0x0800, PB_LINK_QOS, out, sizeof out);
    if (len < plain || len - plain + qos > sizeof out)
        die("bad frame length", "link-ieee802-11.pcap");
    memcpy(out + qos, frame + plain, len - plain);
    pb_pcap_write(user, ts_ns, out, (uint32_t)(len - plain + qos));
}

/* link-ieee802-11.pcap: session 0 in 3-address data frames with LLC/SNAP,
 * session 1 (one second later) in QoS data frames. */
static void
case_link_ieee802_11(const char *dir)
{
    char *path = case_path(dir, "link-ieee802-11.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_IEEE802_11, false, 0);
    conv a = case_conv(w, TS_LINKTYPE_IEEE802_11, 4, 0);
    scripted_session(&a, NULL, "802.11 data request", "802.11 data response");
    conv b = case_conv(NULL, TS_LINKTYPE_IEEE802_11, 4, 1);
    pb_conn_set_sink(b.c, qos_sink, w);
    scripted_session(&b, NULL, "802.11 qos request", "802.11 qos response");
    pb_pcap_close(w);
    g_free(path);
}

/* Writes the link case captures into `dir`. */
void
write_link_cases(const char *dir)
{
    case_link_one(dir, "link-ppp.pcap", TS_LINKTYPE_PPP, "ppp request", "ppp response");
    case_link_one(dir, "link-ppp-hdlc.pcap", TS_LINKTYPE_PPP_HDLC, "ppp hdlc request",
                  "ppp hdlc response");
    case_link_one(dir, "link-c-hdlc.pcap", TS_LINKTYPE_C_HDLC, "cisco hdlc request",
                  "cisco hdlc response");
    case_link_ieee802_11(dir);
    case_link_one(dir, "link-radiotap.pcap", TS_LINKTYPE_RADIOTAP, "radiotap request",
                  "radiotap response");
    case_link_one(dir, "link-ppi.pcap", TS_LINKTYPE_PPI, "ppi request", "ppi response");
    case_link_one(dir, "link-nflog.pcap", TS_LINKTYPE_NFLOG, "nflog request", "nflog response");
    case_link_one(dir, "link-ipoib.pcap", TS_LINKTYPE_IPOIB, "ipoib request", "ipoib response");
}
