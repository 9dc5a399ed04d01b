/*
 * craft.h — what the case writers of tcpsession-craft share.
 *
 * craft.c writes the demo capture and the original reassembly cases; each
 * further family of cases lives in its own file and is called from
 * write_cases(): craft_fragment.c (IP fragments), craft_tunnel.c (tunnels
 * and encapsulations), craft_link.c (link types), craft_consistency.c
 * (captures pinning the engine's consistency fixes). Every case capture is
 * described in data/README.md and has a row in tests/expected/cases.tsv.
 *
 * Conventions (see craft.c): every case capture starts at 2024-01-02
 * 00:00:00 UTC; session n of a file starts n seconds later, its packets
 * 1 ms apart; client 10.1.0.1 (2001:db8:1::1) port 40000 + n, server
 * 10.1.0.2 (2001:db8:1::2) port 80; ISNs CISN/SISN + n * 1000. Everything
 * is fixed, so crafting twice gives identical bytes (tests/e2e/cases.sh).
 */
#ifndef TS_CRAFT_H
#define TS_CRAFT_H

#include "pktbuild.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CLIENT = 0, SERVER = 1 };

/* 2024-01-01 00:00:00 UTC in nanoseconds. */
#define T_2024 (1704067200LL * 1000000000LL)
#define SECOND 1000000000LL
#define T_CASES (1704153600LL * SECOND)
#define CISN 1000000u
#define SISN 5000000u

/* A conversation and its two ISNs (for relative offsets). */
typedef struct {
    pb_conn *c;
    uint32_t isn[2];
} conv;

/* Per-direction decorations of a conversation's packets: VLAN tags, IPv6
 * extension headers. */
typedef struct {
    int vlan[2];
    bool qinq[2];
    const uint8_t *ext[2];
    size_t ext_len[2];
    uint8_t ext_first[2];
} decor;

/* A conversation client:cport -> server:sport on `w` (or on no writer, with
 * a sink set later), its clock at T_CASES + `second`. */
conv case_conv_at(pb_writer *w, int linktype, int family, const char *client, uint16_t cport,
                  const char *server, uint16_t sport, uint32_t cisn, uint32_t sisn, int second);

/* Session `n` of a file with the standard addresses, ports and ISNs. */
conv case_conv(pb_writer *w, int linktype, int family, int n);

/* A segment template from `from` at relative offset `rel` (0 = ISN + 1)
 * carrying `len` bytes of `data`; flags 0 means PSH|ACK. Emit it with
 * pb_conn_write(); sequence state does not change. */
pb_tcp seg_rel(const conv *k, int from, uint32_t rel, uint8_t flags, const void *data, size_t len);

/* Text at relative offset `rel` (PSH|ACK); sequence state unchanged. */
void text_at(const conv *k, int from, uint32_t rel, const char *text);

/* Text at the side's next sequence number, which then advances. */
void text(const conv *k, int from, const char *s);

/* Moves side `from`'s next sequence number to relative offset `rel`. */
void next_rel(const conv *k, int from, uint32_t rel);

/* One packet with `flags` from `from` (SYNs at the ISN) carrying `s` (or
 * NULL), decorated by `dc` (may be NULL); the side's sequence advances. */
void dsend(const conv *k, const decor *dc, int from, uint8_t flags, const char *s);

/* dsend() without decorations. */
void flags_send(const conv *k, int from, uint8_t flags, const char *s);

/* Eight packets: SYN, SYN-ACK, ACK, request, response, FIN, FIN, ACK; frees
 * the conversation. */
void scripted_session(conv *k, const decor *dc, const char *request, const char *response);

/* FIN from the client, FIN from the server, last ACK (no free). */
void close_conversation(pb_conn *c);

/* close_conversation() and frees the conversation. */
void case_close(conv *k);

/* `dir`/`name`, newly allocated (g_free). */
char *case_path(const char *dir, const char *name);

/* Aborts with a message naming `path` (I/O errors while crafting). */
void die(const char *what, const char *path);

/* The case families, each writing its captures into `dir`. */
void write_fragment_cases(const char *dir);
void write_tunnel_cases(const char *dir);
void write_link_cases(const char *dir);
void write_consistency_cases(const char *dir);

#endif /* TS_CRAFT_H */
