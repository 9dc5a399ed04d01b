/*
 * tcpflow_model.h — the model of what tcpflow 1.6.1 writes, shared by its
 * three files only: the replay of tcpflow over tshark's frames, which decides
 * which file each segment goes to and where (tcpflow_model.c); our bytes the
 * replay writes there, looked up by raw sequence number (tcpflow_ours.c); and
 * the comparison of tcpflow's real files with the modelled ones, which
 * explains or not every difference (tcpflow_compare.c).
 */
#ifndef TS_VERIFY_TCPFLOW_MODEL_H
#define TS_VERIFY_TCPFLOW_MODEL_H

#include "verify_internal.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/** What wrote each byte of a modelled file (vf_tflow.kind). */
enum {
    VF_KIND_NONE = 0, /* never written: zero */
    VF_KIND_DATA,     /* bytes we deliver */
    VF_KIND_EXTRA,    /* padding, trailer or FCS after the IP packet */
    VF_KIND_WILD,     /* bytes of IP fragments: any value */
    VF_KIND_CUT,      /* never reached tcpflow (libpcap snap length): zero */
    VF_KIND_FETCHED,  /* a keep-alive's byte, fetched from the capture */
    VF_KIND_ANOMALY,  /* + category: bytes we deliberately do not deliver */
};

/** One file tcpflow writes: a flow of one direction of a 4-tuple. */
typedef struct {
    ts_endpoint src, dst;
    int vlan;   /* its "--N" (tcpflow's VLAN of the frame that opened it), or -1 */
    unsigned k; /* N of its "cN" name (0: none), G_MAXUINT until opened */
    GByteArray *data;
    GByteArray *kind; /* a VF_KIND_* per byte of data */
    uint32_t cats;
    GArray *owners;     /* guint indexes of our sessions whose frames it got */
    int64_t tstream;    /* a tshark stream of its frames */
    const char *opened; /* why tcpflow opened it */
    GString *unknown;   /* why the model is unknown, or empty */
    /* tcpflow's state */
    uint32_t isn, nsn;
    int64_t pos;
    unsigned syn_count, fin_count;
    int64_t fin_size;
    GArray *seen; /* vf_range of file positions written, NULL after a shift */
    GArray *cut;  /* vf_range of file positions libpcap kept from tcpflow */
    bool open;
} vf_tflow;

/** Our bytes of one direction of one session, as placed by vf_segments. */
typedef struct {
    bool ready, ok;
    uint32_t base;
    GArray *segs;
    bool last;   /* from --overlap last, which differs */
    int64_t ref; /* stream offset of the last bytes looked up (to unwrap) */
    GString *why;
} vf_dir_bytes;

/** The model of one capture: every flow tcpflow writes, and which of them
 *  got the frames of each direction of our sessions. Arrays [index * 2 +
 *  dir] are indexed by a session's index in cap->ours->sessions and its
 *  ts_direction. */
typedef struct {
    const vf_capture *cap;
    GHashTable *dirs;     /* "src>dst" -> tcpflow's state of the direction */
    GHashTable *names;    /* "src>dst--vlan" -> files of that name opened */
    GPtrArray *flows;     /* vf_tflow*, in creation order */
    vf_dir_bytes *bytes;  /* [index * 2 + dir]: looked up on first use */
    GPtrArray **flows_of; /* [index * 2 + dir] -> GPtrArray of vf_tflow* (may be NULL) */
    vf_tflow **primary;   /* [index * 2 + dir]: flow of its first data frame */
    uint8_t *skipped;     /* [index * 2 + dir]: a VF_SKIP_* of a data frame, or 0 */
} vf_tcpflow_model;

/* ---- the replay (tcpflow_model.c) ------------------------------------ */

/** Builds the model of `cap` (borrowed: it must outlive the model) by
 *  replaying tcpflow over tshark's frames; without them the model has no
 *  flow. The model owns everything it holds: free with
 *  vf_tcpflow_model_clear. */
void vf_tcpflow_model_build(vf_tcpflow_model *m, const vf_capture *cap);
/** Frees what vf_tcpflow_model_build allocated (not `m` itself). */
void vf_tcpflow_model_clear(vf_tcpflow_model *m);

/** "src>dst": the key of a direction in the model's tables, newly allocated
 *  (the caller frees it). */
char *vf_direction_key(const ts_endpoint *src, const ts_endpoint *dst);

/* ---- our bytes (tcpflow_ours.c) ------------------------------------- */

/** Our bytes of direction `dir` of session `index` (whose tshark stream is
 *  `ts`, node `node`), placed at stream offsets on first use and kept in
 *  m->bytes (owned by the model; freed by vf_dir_bytes_clear). When they
 *  cannot be placed, ->ok is false and ->why says why. */
vf_dir_bytes *vf_dir_bytes_get(vf_tcpflow_model *m, guint index, int dir, const vf_tstream *ts,
                               int node);
/** Frees what vf_dir_bytes_get allocated in `b` (not `b` itself). */
void vf_dir_bytes_clear(vf_dir_bytes *b);

/** The payload of a keep-alive frame as fetched from the capture (its byte is
 *  not data, so not among ours), or NULL; the bytes belong to cap->payloads. */
const uint8_t *vf_fetched_bytes(const vf_tcpflow_model *m, const vf_frame *fr, uint64_t pl);

/** Copies our bytes of raw sequence numbers [seq, seq + n) into the file of
 *  `f` (which must already hold them) at position `at`, with their kinds;
 *  false when some are unknown (f->unknown, when still empty, says which). */
bool vf_dir_bytes_write(vf_tflow *f, int64_t at, vf_dir_bytes *b, uint32_t seq, uint64_t n,
                        uint32_t frame);
/** Our bytes of raw sequence numbers [seq, seq + n) into `out` (n bytes,
 *  the caller's); false when some are unknown or any value (IP fragments). */
bool vf_dir_bytes_copy(vf_dir_bytes *b, uint32_t seq, uint64_t n, uint8_t *out);

G_END_DECLS

#endif /* TS_VERIFY_TCPFLOW_MODEL_H */
