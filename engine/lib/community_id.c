/*
 * community_id.c — the Community ID of a session (corelight community-id-spec,
 * version 1), the flow identifier Zeek, Suricata, Arkime and Wireshark's
 * "communityid" dissector log, so that sessions join with their records.
 *
 * The hash input is: the seed (2 bytes), the source address, the destination
 * address (4 or 16 bytes each), the protocol (1 byte), a zero byte, the
 * source port and the destination port (2 bytes each), all in network order,
 * the endpoints ordered so that the numerically smaller (address, port) comes
 * first. The ID is "1:" followed by the base64 of its SHA-1 digest.
 */
#include "community_id.h"

#include <string.h>

/* SHA-1 digest length, and its base64 text: 4 * ceil(20 / 3) = 28. */
#define DIGEST_LEN 20
#define BASE64_LEN 28

G_STATIC_ASSERT(2 + BASE64_LEN + 1 == TS_COMMUNITY_ID_LEN);

static size_t
address_length(const ts_endpoint *ep)
{
    return ep->family == 6 ? 16 : 4;
}

/* True when (a's address, a's port) comes before b's, the spec's order. */
static bool
endpoint_before(const ts_endpoint *a, const ts_endpoint *b)
{
    int c = memcmp(a->addr, b->addr, address_length(a));
    return c < 0 || (c == 0 && a->port < b->port);
}

static void
update_u16(GChecksum *sum, uint16_t v)
{
    const guchar bytes[2] = {(guchar)(v >> 8), (guchar)v};
    g_checksum_update(sum, bytes, sizeof bytes);
}

/* See community_id.h. */
const char *
ts_community_id_of(const ts_endpoint *a, const ts_endpoint *b, uint8_t proto, uint16_t seed,
                   char buf[TS_COMMUNITY_ID_LEN])
{
    buf[0] = '\0';
    if (a->family != b->family || (a->family != 4 && a->family != 6))
        return buf;
    if (!endpoint_before(a, b)) {
        const ts_endpoint *t = a;
        a = b;
        b = t;
    }
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA1);
    update_u16(sum, seed);
    g_checksum_update(sum, a->addr, address_length(a));
    g_checksum_update(sum, b->addr, address_length(b));
    const guchar proto_pad[2] = {proto, 0};
    g_checksum_update(sum, proto_pad, sizeof proto_pad);
    update_u16(sum, a->port);
    update_u16(sum, b->port);
    guint8 digest[DIGEST_LEN];
    gsize digest_len = sizeof digest;
    g_checksum_get_digest(sum, digest, &digest_len);
    g_checksum_free(sum);
    g_autofree char *text = g_base64_encode(digest, digest_len);
    g_snprintf(buf, TS_COMMUNITY_ID_LEN, "1:%s", text);
    return buf;
}

/* See tcpsession.h. */
const char *
ts_session_community_id(const ts_session *s, uint16_t seed, char buf[TS_COMMUNITY_ID_LEN])
{
    return ts_community_id_of(ts_session_client(s), ts_session_server(s), 6, seed, buf);
}
