/*
 * craft_consistency.c — the case captures of the engine's consistency fixes (same answers under
 * every format).
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 */
#include "byteorder.h"
#include "craft.h"

#include <string.h>

/* ---- every packet seen twice, once per VLAN (a mirror port) ------------- */

/* The VLANs a mirrored frame is written on, in this order, 1 µs apart. */
static const uint16_t mirror_vlans[2] = {201, 202};

/* pb_conn sink: writes each untagged Ethernet frame twice into the pcap
 * writer `user`, with an 802.1Q tag of each mirror VLAN. */
static void
mirror_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    static uint8_t tagged[PB_MAX_FRAME + 4];
    if (len < 14 || len > PB_MAX_FRAME)
        die("bad frame length", "vlan-mirror-copies.pcap");
    for (int i = 0; i < 2; i++) {
        memcpy(tagged, frame, 12);
        pb_put16(tagged + 12, 0x8100);
        pb_put16(tagged + 14, mirror_vlans[i]);
        memcpy(tagged + 16, frame + 12, len - 12);
        pb_pcap_write(user, ts_ns + i * 1000, tagged, len + 4);
    }
}

/* `len` bytes of a side's content at relative offset `rel`: letters that
 * repeat every 26 bytes, upper case from the server. */
static void
mirror_content(int from, uint32_t rel, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)((from == CLIENT ? 'a' : 'A') + (rel + i) % 26);
}

#define MIRROR_CLIENT_SEGS 4    /* client request: 4 x 800 bytes */
#define MIRROR_CLIENT_SEG 800u  /* (3200 bytes: more than a 2 KiB ring) */
#define MIRROR_SERVER_SEGS 17   /* server response: 17 x 1024 bytes */
#define MIRROR_SERVER_SEG 1024u /* (17408 bytes: more than the 16 KiB tail) */

/* vlan-mirror-copies.pcap: one session whose every packet the capture holds
 * twice, on VLAN 201 and 202 (frames 2k-1 and 2k are the same packet). The
 * client's request (4 x 800 bytes) is acknowledged; then bytes 100..899 come
 * again with byte 500 changed, 3000 bytes back (beyond a 2 KiB ring, inside
 * the window: both copies are conflicts). The server's response (17 x 1024
 * bytes) is acknowledged; then its bytes 0..99 come again with byte 50
 * changed, 17408 bytes below the acknowledgement: more than the 16 KiB
 * acknowledged tail of the comparison window, so both copies are
 * unchecked_retransmission anomalies by default and conflicts with
 * --retransmission-acked 0. Frames (packets x 2): handshake f1-6, request
 * f7-14, ACK f15-16, request copy f17-18, response f19-52, ACK f53-54,
 * response copy f55-56, FIN, FIN, ACK f57-62. */
static void
case_vlan_mirror_copies(const char *dir)
{
    char *path = case_path(dir, "vlan-mirror-copies.pcap");
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_ETHERNET, false, 0);
    conv k = case_conv(NULL, TS_LINKTYPE_ETHERNET, 4, 0);
    pb_conn_set_sink(k.c, mirror_sink, w);
    uint8_t buf[MIRROR_SERVER_SEG];
    pb_conn_handshake(k.c);
    for (uint32_t i = 0; i < MIRROR_CLIENT_SEGS; i++) {
        mirror_content(CLIENT, i * MIRROR_CLIENT_SEG, buf, MIRROR_CLIENT_SEG);
        pb_conn_send(k.c, CLIENT, buf, MIRROR_CLIENT_SEG);
    }
    pb_conn_ack(k.c, SERVER);
    mirror_content(CLIENT, 100, buf, 800);
    buf[400] = '#'; /* byte 500 */
    pb_conn_send_at(k.c, CLIENT, 100, buf, 800, 0);
    for (uint32_t i = 0; i < MIRROR_SERVER_SEGS; i++) {
        mirror_content(SERVER, i * MIRROR_SERVER_SEG, buf, MIRROR_SERVER_SEG);
        pb_conn_send(k.c, SERVER, buf, MIRROR_SERVER_SEG);
    }
    pb_conn_ack(k.c, CLIENT);
    mirror_content(SERVER, 0, buf, 100);
    buf[50] = '#';
    pb_conn_send_at(k.c, SERVER, 0, buf, 100, 0);
    case_close(&k);
    pb_pcap_close(w);
    g_free(path);
}

/* Writes the consistency case captures into `dir`. */
void
write_consistency_cases(const char *dir)
{
    case_vlan_mirror_copies(dir);
}
