/*
 * carriage.c — how a session was carried (tunnels, tags, labels).
 *
 * The decoder records the layers around each segment in ts_decoded.carried
 * (borrowing the frame); a session copies those of its first packet into
 * public ts_carrier records, allocated only when there are any, and counts
 * later packets carried otherwise: those of the first packet's direction
 * when any layer differs (kind, id, detail, outer addresses or ports), those
 * of the other direction when kinds, details or the outer address pair (in
 * either order) differ, since replies come back with the outer addresses
 * swapped (or, mirrored by ERSPAN, not) and tunnels pick ids and source
 * ports per direction. So an ordinary tunnelled connection counts nothing,
 * and one seen both through a tunnel and directly counts every packet of
 * the other kind.
 */
#include "session.h"

#include <string.h>

/* Name of a carrier kind (see tcpsession.h). */
const char *
ts_carrier_kind_name(ts_carrier_kind kind)
{
    static const char *const names[] = {
        [TS_CARRIER_VLAN] = "vlan",   [TS_CARRIER_MPLS] = "mpls",
        [TS_CARRIER_PPPOE] = "pppoe", [TS_CARRIER_IPIP] = "ipip",
        [TS_CARRIER_GRE] = "gre",     [TS_CARRIER_ERSPAN] = "erspan",
        [TS_CARRIER_VXLAN] = "vxlan", [TS_CARRIER_GENEVE] = "geneve",
        [TS_CARRIER_GTPU] = "gtpu",   [TS_CARRIER_TEREDO] = "teredo",
    };
    if ((unsigned)kind >= G_N_ELEMENTS(names) || names[kind] == NULL)
        return "unknown";
    return names[kind];
}

/* One decoder layer as a public record. */
static void
carrier_from_layer(ts_carrier *c, const ts_layer *l)
{
    memset(c, 0, sizeof *c);
    c->kind = (ts_carrier_kind)l->kind;
    c->has_id = l->has_id;
    c->id = l->id;
    c->detail = l->detail;
    if (l->family != 0) {
        size_t alen = l->family == 6 ? 16 : 4;
        c->outer_src.family = c->outer_dst.family = l->family;
        memcpy(c->outer_src.addr, l->src, alen);
        memcpy(c->outer_dst.addr, l->dst, alen);
        c->outer_src.port = l->port[0];
        c->outer_dst.port = l->port[1];
    }
}

/* `seg`'s layers as newly allocated public records in `*out` (NULL when
 * there are none); their number. */
static size_t
copy_layers(const ts_decoded *seg, ts_carrier **out)
{
    *out = NULL;
    if (seg->ncarried == 0)
        return 0;
    *out = g_new(ts_carrier, seg->ncarried);
    for (size_t i = 0; i < seg->ncarried; i++)
        carrier_from_layer(&(*out)[i], &seg->carried[i]);
    return seg->ncarried;
}

/* True when `seg` is carried exactly as `ref` (`n` layers): same kinds, ids,
 * details, outer addresses and ports. */
static bool
same_carriage(const ts_decoded *seg, const ts_carrier *ref, size_t n)
{
    if (seg->ncarried != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        ts_carrier c;
        carrier_from_layer(&c, &seg->carried[i]);
        if (memcmp(&c, &ref[i], sizeof c) != 0)
            return false;
    }
    return true;
}

/* Same outer address pair in either order (ports left out). */
static bool
same_address_pair(const ts_carrier *a, const ts_carrier *b)
{
    if (a->outer_src.family != b->outer_src.family)
        return false;
    bool straight = memcmp(a->outer_src.addr, b->outer_src.addr, 16) == 0 &&
                    memcmp(a->outer_dst.addr, b->outer_dst.addr, 16) == 0;
    bool swapped = memcmp(a->outer_src.addr, b->outer_dst.addr, 16) == 0 &&
                   memcmp(a->outer_dst.addr, b->outer_src.addr, 16) == 0;
    return straight || swapped;
}

/* True when `seg`, a packet of the direction that did not send the
 * session's first packet, is carried like it: the same kinds and details,
 * the same outer address pair in either order; ids and ports may differ
 * (tunnels choose them per direction: GTP-U TEIDs, PPTP call ids, MPLS
 * labels, VXLAN source ports). */
static bool
same_carriage_back(const ts_decoded *seg, const ts_carrier *ref, size_t n)
{
    if (seg->ncarried != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        ts_carrier c;
        carrier_from_layer(&c, &seg->carried[i]);
        if (c.kind != ref[i].kind || c.detail != ref[i].detail || !same_address_pair(&c, &ref[i]))
            return false;
    }
    return true;
}

/* Records `seg`'s carriage as the session's (see session.h). */
void
ts_session_set_carriage(ts_session *s, const ts_decoded *seg, ts_direction from)
{
    s->carriage_from = from;
    if (seg->ncarried != 0)
        s->ncarriage = copy_layers(seg, &s->carriage);
}

/* Counts a packet carried differently from the session's first (see
 * session.h). */
void
ts_session_note_carriage(ts_session *s, const ts_decoded *seg, ts_direction from)
{
    if (seg->ncarried == 0 && s->ncarriage == 0)
        return; /* plain traffic: nothing to compare */
    bool same = from == s->carriage_from ? same_carriage(seg, s->carriage, s->ncarriage)
                                         : same_carriage_back(seg, s->carriage, s->ncarriage);
    if (!same)
        s->carried_differently++;
}

/* Records the direction's outermost VLAN tag (see session.h). */
void
ts_session_note_vlan(ts_session *s, ts_direction from, const ts_decoded *seg)
{
    ts_dir *d = &s->dir[from];
    if (d->tag_final)
        return;
    bool opens = (seg->flags & TS_TCP_SYN) || seg->payload_wire_len > 0;
    if (d->tag_seen && !opens)
        return;
    d->tag_seen = true;
    d->tag_final = opens;
    d->tagged = seg->ncarried > 0 && seg->carried[0].kind == TS_CARRIER_VLAN;
    d->tag_tpid = d->tagged ? seg->carried[0].tpid : 0;
    d->tag_tci = d->tagged ? seg->carried[0].tci : 0;
}

bool
ts_session_vlan_tag(const ts_session *s, ts_direction from, uint16_t *tpid, uint16_t *tci)
{
    const ts_dir *d = &s->dir[from];
    *tpid = d->tag_tpid;
    *tci = d->tag_tci;
    return d->tagged;
}

const ts_carrier *
ts_session_carriage(const ts_session *s, size_t *n)
{
    *n = s->ncarriage;
    return s->carriage;
}

uint64_t
ts_session_carried_differently(const ts_session *s)
{
    return s->carried_differently;
}
