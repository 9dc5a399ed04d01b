/*
 * live.h — live capture from a network interface with libpcap, feeding every
 * packet to a ts_engine as it arrives and moving the engine's clock on while
 * the link is quiet, so that sessions whose close_linger or idle_timeout ran
 * out are finished (and their output written) without waiting for the next
 * packet.
 *
 *     ts_live_config cfg;
 *     ts_live_config_init(&cfg, "eth0");
 *     ts_live *live = ts_live_open(&cfg, warnings, &error);  // activates
 *     ts_live_run(live, engine, &error);   // until ts_live_stop()
 *     ts_engine_finish(engine);
 *     ts_live_stats(live, &counts, &error);
 *     ts_live_close(live);
 *
 * ts_live_stop() only sets flags, so a SIGINT/SIGTERM handler may call it.
 */
#ifndef TS_LIVE_H
#define TS_LIVE_H

#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/** Error domain of ts_live_open() and ts_live_run(). */
#define TS_LIVE_ERROR (ts_live_error_quark())
GQuark ts_live_error_quark(void);

typedef enum {
    TS_LIVE_ERROR_OPEN,       /* the interface could not be opened or activated */
    TS_LIVE_ERROR_PERMISSION, /* not allowed to capture (root or CAP_NET_RAW needed) */
    TS_LIVE_ERROR_FILTER,     /* the filter expression does not compile or apply */
    TS_LIVE_ERROR_CAPTURE,    /* capturing failed after activation */
} ts_live_error_code;

/** Default snap length (as tcpdump's). */
#define TS_LIVE_DEFAULT_SNAPLEN 262144

/** How to open the interface (strings borrowed for ts_live_open()). */
typedef struct {
    const char *iface;  /* interface name, e.g. "eth0", "lo" */
    int snaplen;        /* bytes kept of each packet (> 0) */
    bool promisc;       /* promiscuous mode (default true, as tcpdump) */
    size_t buffer_size; /* kernel capture buffer in bytes; 0: libpcap's default */
    const char *filter; /* BPF filter expression applied in the kernel; NULL: none */
} ts_live_config;

/** Fills `cfg` with the defaults for interface `iface` (borrowed). */
void ts_live_config_init(ts_live_config *cfg, const char *iface);

/** An activated capture on one interface. */
typedef struct ts_live ts_live;

/** Opens and activates the capture. Activation warnings (promiscuous mode
 *  not supported...) are appended to `warnings` (may be NULL) as lines
 *  "warning: IFACE: ...\n". On failure returns NULL with `error` saying why,
 *  the interface named ("IFACE: no such device", "IFACE: permission denied:
 *  capturing needs root or the CAP_NET_RAW capability", a filter that does
 *  not compile...). Free with ts_live_close(). */
ts_live *ts_live_open(const ts_live_config *cfg, GString *warnings, GError **error);

/** The TS_LINKTYPE_* value the frames are given (the interface's DLT mapped
 *  to its LINKTYPE number). */
int ts_live_linktype(const ts_live *live);

/** The LINKTYPE_ number of a pcap DLT_ value: they differ for a few (DLT_RAW
 *  12 or 14 -> LINKTYPE_RAW 101, OpenBSD's DLT_LOOP 12 -> 108); the others
 *  are equal. */
int ts_live_linktype_of_dlt(int dlt);

/** Captures into `engine` (ts_engine_feed() per packet, ts_engine_advance()
 *  to the wall clock about five times a second) until ts_live_stop() is
 *  called. Does not finish the engine. False with `error` when capturing
 *  failed (the interface went away...); the packets read before were fed. */
bool ts_live_run(ts_live *live, ts_engine *engine, GError **error);

/** Makes ts_live_run() return soon (after the packet being fed). Only sets
 *  flags and calls pcap_breakloop(): safe from a signal handler. */
void ts_live_stop(ts_live *live);

/** Packet counts of the capture (pcap_stats()). */
typedef struct {
    uint64_t received;       /* packets the filter accepted (ps_recv) */
    uint64_t dropped_kernel; /* dropped for lack of buffer space (ps_drop) */
    uint64_t dropped_iface;  /* dropped by the interface or driver (ps_ifdrop) */
    uint64_t frames;         /* packets fed to the engine */
} ts_live_counts;

/** Reads the counts; false with `error` when pcap_stats() fails (frames is
 *  set all the same). */
bool ts_live_stats(ts_live *live, ts_live_counts *counts, GError **error);

/** Appends "IFACE: N packets received, N dropped by the kernel, N dropped by
 *  the interface\n" to `out`. */
void ts_live_format_counts(GString *out, const char *iface, const ts_live_counts *counts);

/** Closes the capture; NULL allowed. */
void ts_live_close(ts_live *live);

G_END_DECLS

#endif /* TS_LIVE_H */
