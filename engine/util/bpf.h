/*
 * bpf.h — BPF filter expressions (tcpdump's syntax) compiled with libpcap and
 * applied to frames: exactly the frames tcpdump would select with the same
 * expression on the same capture.
 */
#ifndef TS_BPF_H
#define TS_BPF_H

#include "tcpsession.h"

#include <stdbool.h>

typedef struct ts_bpf ts_bpf;

/** Compiles `expression` (checked against Ethernet, then raw IP, so that a
 *  syntax error is reported at once). NULL with `error` set ("filter
 *  'EXPR': REASON") when it compiles for neither. The caller owns the
 *  result: ts_bpf_free(). */
ts_bpf *ts_bpf_new(const char *expression, GError **error);

/** Whether frame `f` matches (pcap_offline_filter on a program compiled for
 *  its link type, on first use of each). A link type the expression cannot
 *  be compiled for matches nothing, and ts_bpf_warning() says why. */
bool ts_bpf_match(ts_bpf *filter, const ts_frame *f);

/** "filter 'EXPR' does not apply to link type N (REASON); no frame of it
 *  was selected", once one frame met such a link type; else NULL. Owned by
 *  the filter. */
const char *ts_bpf_warning(const ts_bpf *filter);

/** The expression, as given. Owned by the filter. */
const char *ts_bpf_expression(const ts_bpf *filter);

/** Writes the frames of capture `in` that `expression` selects to `out`, a
 *  classic pcap file with nanosecond timestamps (what `tcpdump -r IN -w OUT
 *  EXPR` writes, frames unchanged). The capture is read by the library, so
 *  gzip and pcapng work; frames of a second link type are an error (a pcap
 *  file has one). Sets *selected to the frames written. False with `error`
 *  set on a bad expression, a capture that cannot be read, or a write error
 *  (`out` is then removed). */
bool ts_bpf_write_selected(const char *expression, const char *in, const char *out,
                           uint64_t *selected, GError **error);

/** Frees the filter (NULL allowed). */
void ts_bpf_free(ts_bpf *filter);

#endif /* TS_BPF_H */
