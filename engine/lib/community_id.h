/*
 * community_id.h — the Community ID flow hash (corelight community-id-spec,
 * version 1) of a pair of endpoints, inside the library; the public
 * ts_session_community_id() is built on it. Declared here so the unit tests
 * can check it against the spec's baseline values for any protocol number.
 */
#ifndef TS_COMMUNITY_ID_H
#define TS_COMMUNITY_ID_H

#include "tcpsession.h"

/** Writes "1:" and the base64 SHA-1 of seed, the two addresses, `proto`, a
 *  zero byte and the two ports (network order, the smaller (address, port)
 *  first) into `buf` and returns `buf`. Both endpoints must be of one family
 *  (4 or 6); otherwise `buf` gets "" (the spec's "no ID"). */
const char *ts_community_id_of(const ts_endpoint *a, const ts_endpoint *b, uint8_t proto,
                               uint16_t seed, char buf[TS_COMMUNITY_ID_LEN]);

#endif /* TS_COMMUNITY_ID_H */
