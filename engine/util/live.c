/*
 * live.c — live capture with libpcap into a ts_engine (see live.h).
 *
 * The capture is opened with a buffer timeout of TICK_MS (packets are handed
 * over when a kernel buffer block fills or TICK_MS after its first packet)
 * and non-blocking: the loop poll()s the capture's descriptor for at most
 * TICK_MS, reads whatever is there, and moves the engine's clock to the wall
 * clock at least every TICK_MS, so a session whose close_linger ran out on a
 * quiet link is finished at most about 2 * TICK_MS late. Not immediate mode:
 * on Linux that gives one ring slot of a whole snap length (or MTU) per
 * packet, so a 2 MiB buffer holds only a few dozen packets of the loopback
 * (MTU 64 KiB) and bursts are dropped; blocks pack packets tightly. ts_live_stop() sets an atomic
 * flag and calls pcap_breakloop(); the loop checks the flag after every poll() (which a signal
 * interrupts, and which times out anyway).
 *
 * Timestamps are asked in nanoseconds; when the platform cannot, they are
 * microseconds, scaled.
 */
#include "live.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#define TICK_MS 200
#define NS_PER_S INT64_C(1000000000)

G_DEFINE_QUARK(ts - live - error - quark, ts_live_error)

struct ts_live {
    pcap_t *pcap;
    char *iface;
    int linktype;
    bool nano; /* timestamps in nanoseconds */
    volatile sig_atomic_t stop;
    ts_engine *engine; /* while ts_live_run() runs */
    uint64_t frames;
};

void
ts_live_config_init(ts_live_config *cfg, const char *iface)
{
    *cfg = (ts_live_config){
        .iface = iface,
        .snaplen = TS_LIVE_DEFAULT_SNAPLEN,
        .promisc = true,
        .buffer_size = 0,
        .filter = NULL,
    };
}

int
ts_live_linktype_of_dlt(int dlt)
{
    switch (dlt) {
    case 12: /* DLT_RAW, except on OpenBSD where 12 is DLT_LOOP */
#ifdef __OpenBSD__
        return TS_LINKTYPE_LOOP;
#else
        return TS_LINKTYPE_RAW;
#endif
    case 14: /* DLT_RAW on OpenBSD (BSD/OS DLT_PPP_BSDOS elsewhere) */
#ifdef __OpenBSD__
        return TS_LINKTYPE_RAW;
#else
        return 14;
#endif
    default: return dlt; /* the same number as its LINKTYPE_ */
    }
}

int
ts_live_linktype(const ts_live *live)
{
    return live->linktype;
}

/* The message of a pcap_activate() failure `rc` on `iface`. */
static void
set_activate_error(GError **error, const char *iface, int rc, const char *detail)
{
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN,
                    "%s: cannot capture: no such interface", iface);
        break;
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_PERMISSION,
                    "%s: cannot capture: permission denied%s (capturing needs root or the "
                    "CAP_NET_RAW capability)",
                    iface, rc == PCAP_ERROR_PROMISC_PERM_DENIED ? " for promiscuous mode" : "");
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN,
                    "%s: cannot capture: the interface is not up", iface);
        break;
    default:
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN, "%s: cannot capture: %s%s%s", iface,
                    pcap_statustostr(rc), detail[0] != '\0' ? ": " : "", detail);
        break;
    }
}

/* Sets the options of `cfg` on the not yet activated `p`. */
static bool
configure(pcap_t *p, const ts_live_config *cfg, GError **error)
{
    int rc = pcap_set_snaplen(p, cfg->snaplen);
    if (rc == 0)
        rc = pcap_set_promisc(p, cfg->promisc ? 1 : 0);
    if (rc == 0)
        rc = pcap_set_timeout(p, TICK_MS);
    if (rc == 0 && cfg->buffer_size > 0)
        rc = pcap_set_buffer_size(p,
                                  cfg->buffer_size > INT32_MAX ? INT32_MAX : (int)cfg->buffer_size);
    if (rc != 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN, "%s: cannot capture: %s", cfg->iface,
                    pcap_statustostr(rc));
        return false;
    }
    /* nanoseconds if the platform can; microseconds otherwise */
    (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    return true;
}

/* Compiles `filter` for the activated `p` and sets it in the kernel. */
static bool
apply_filter(pcap_t *p, const char *iface, const char *filter, GError **error)
{
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_FILTER, "%s: bad filter '%s': %s", iface,
                    filter, pcap_geterr(p));
        return false;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_FILTER, "%s: cannot set filter '%s': %s",
                    iface, filter, pcap_geterr(p));
        return false;
    }
    return true;
}

/* Activates `p`; a warning goes to `warnings`. */
static bool
activate(pcap_t *p, const char *iface, GString *warnings, GError **error)
{
    int rc = pcap_activate(p);
    if (rc < 0) {
        set_activate_error(error, iface, rc, pcap_geterr(p));
        return false;
    }
    if (rc > 0 && warnings != NULL) {
        const char *detail = rc == PCAP_WARNING ? pcap_geterr(p) : "";
        g_string_append_printf(warnings, "warning: %s: %s%s%s\n", iface, pcap_statustostr(rc),
                               detail[0] != '\0' ? ": " : "", detail);
    }
    return true;
}

ts_live *
ts_live_open(const ts_live_config *cfg, GString *warnings, GError **error)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(cfg->iface, errbuf);
    if (p == NULL) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN, "%s: cannot capture: %s", cfg->iface,
                    errbuf);
        return NULL;
    }
    bool ok = configure(p, cfg, error) && activate(p, cfg->iface, warnings, error) &&
              (cfg->filter == NULL || apply_filter(p, cfg->iface, cfg->filter, error));
    if (ok && pcap_setnonblock(p, 1, errbuf) != 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN, "%s: cannot capture: %s", cfg->iface,
                    errbuf);
        ok = false;
    }
    if (ok && pcap_get_selectable_fd(p) < 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_OPEN,
                    "%s: cannot capture: the capture has no descriptor to wait on", cfg->iface);
        ok = false;
    }
    if (!ok) {
        pcap_close(p);
        return NULL;
    }
    ts_live *live = g_new0(ts_live, 1);
    live->pcap = p;
    live->iface = g_strdup(cfg->iface);
    live->linktype = ts_live_linktype_of_dlt(pcap_datalink(p));
    live->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    return live;
}

/* pcap_dispatch() callback: one packet to the engine. */
static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    ts_live *live = (ts_live *)(void *)user;
    int64_t frac = live->nano ? (int64_t)h->ts.tv_usec : (int64_t)h->ts.tv_usec * 1000;
    ts_frame f = {
        .linktype = live->linktype,
        .ts_ns = (int64_t)h->ts.tv_sec * NS_PER_S + frac,
        .caplen = h->caplen,
        .origlen = h->len,
        .data = bytes,
    };
    live->frames++;
    ts_engine_feed(live->engine, &f);
}

/* Waits up to TICK_MS for packets; false with `error` on a poll failure. */
static bool
wait_for_packets(ts_live *live, GError **error)
{
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(live->pcap), .events = POLLIN};
    if (poll(&pfd, 1, TICK_MS) < 0 && errno != EINTR) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_CAPTURE, "%s: capture failed: %s",
                    live->iface, g_strerror(errno));
        return false;
    }
    return true;
}

bool
ts_live_run(ts_live *live, ts_engine *engine, GError **error)
{
    live->engine = engine;
    gint64 last_advance = g_get_monotonic_time();
    bool ok = true;
    while (ok && !live->stop) {
        ok = wait_for_packets(live, error);
        int n = ok && !live->stop ? pcap_dispatch(live->pcap, -1, on_packet, (u_char *)live) : 0;
        if (n == PCAP_ERROR) {
            g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_CAPTURE, "%s: capture failed: %s",
                        live->iface, pcap_geterr(live->pcap));
            ok = false;
        }
        gint64 now = g_get_monotonic_time();
        if (now - last_advance >= TICK_MS * 1000) {
            ts_engine_advance(engine, g_get_real_time() * 1000);
            last_advance = now;
        }
    }
    live->engine = NULL;
    return ok;
}

void
ts_live_stop(ts_live *live)
{
    live->stop = 1;
    pcap_breakloop(live->pcap);
}

bool
ts_live_stats(ts_live *live, ts_live_counts *counts, GError **error)
{
    struct pcap_stat st;
    memset(&st, 0, sizeof st);
    *counts = (ts_live_counts){.frames = live->frames};
    if (pcap_stats(live->pcap, &st) != 0) {
        g_set_error(error, TS_LIVE_ERROR, TS_LIVE_ERROR_CAPTURE, "%s: no packet counts: %s",
                    live->iface, pcap_geterr(live->pcap));
        return false;
    }
    counts->received = st.ps_recv;
    counts->dropped_kernel = st.ps_drop;
    counts->dropped_iface = st.ps_ifdrop;
    return true;
}

void
ts_live_format_counts(GString *out, const char *iface, const ts_live_counts *counts)
{
    g_string_append_printf(out,
                           "%s: %" G_GUINT64_FORMAT " packets received, %" G_GUINT64_FORMAT
                           " dropped by the kernel, %" G_GUINT64_FORMAT
                           " dropped by the interface\n",
                           iface, counts->received, counts->dropped_kernel, counts->dropped_iface);
}

void
ts_live_close(ts_live *live)
{
    if (live == NULL)
        return;
    pcap_close(live->pcap);
    g_free(live->iface);
    g_free(live);
}
