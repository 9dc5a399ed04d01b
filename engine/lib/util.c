/*
 * util.c — small shared pieces of the public API: the version, the error
 * domain, names of enum values and endpoint formatting.
 */
#include "tcpsession.h"

#include <arpa/inet.h>
#include <string.h>

/* The library's version: the header's as this library was built. */
const char *
ts_version(void)
{
    return TS_VERSION;
}

GQuark
ts_error_quark(void)
{
    return g_quark_from_static_string("tcpsession-error-quark");
}

const char *
ts_endpoint_address(const ts_endpoint *ep, char buf[TS_ADDRSTRLEN])
{
    if (inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, buf, TS_ADDRSTRLEN) == NULL)
        g_strlcpy(buf, "?", TS_ADDRSTRLEN);
    return buf;
}

const char *
ts_close_reason_name(ts_close_reason reason)
{
    switch (reason) {
    case TS_CLOSE_FIN: return "fin";
    case TS_CLOSE_RST: return "rst";
    case TS_CLOSE_REUSED: return "reused";
    case TS_CLOSE_END_OF_CAPTURE: return "end_of_capture";
    case TS_CLOSE_IDLE: return "idle";
    case TS_CLOSE_EVICTED: return "evicted";
    }
    return "unknown";
}

const char *
ts_anomaly_type_name(ts_anomaly_type type)
{
    static const char *const names[TS_ANOMALY_COUNT_] = {
        [TS_ANOMALY_OVERLAP_CONFLICT] = "overlap_conflict",
        [TS_ANOMALY_SYN_WITH_DATA] = "syn_with_data",
        [TS_ANOMALY_RST_WITH_DATA] = "rst_with_data",
        [TS_ANOMALY_DATA_AFTER_FIN] = "data_after_fin",
        [TS_ANOMALY_DATA_BEFORE_START] = "data_before_start",
        [TS_ANOMALY_LATE_DATA] = "late_data",
        [TS_ANOMALY_BUFFER_LIMIT] = "buffer_limit",
        [TS_ANOMALY_SNAPLEN_CUT] = "snaplen_cut",
        [TS_ANOMALY_BAD_CHECKSUM] = "bad_checksum",
        [TS_ANOMALY_URGENT_DATA] = "urgent_data",
        [TS_ANOMALY_FIN_CONFLICT] = "fin_conflict",
        [TS_ANOMALY_SYN_CONFLICT] = "syn_conflict",
        [TS_ANOMALY_INVALID_FLAGS] = "invalid_flags",
        [TS_ANOMALY_ROLES_INFERRED] = "roles_inferred",
        [TS_ANOMALY_ICMP_ERROR] = "icmp_error",
        [TS_ANOMALY_SHORT_FRAME] = "short_frame",
        [TS_ANOMALY_IP_OVERLAP_CONFLICT] = "ip_overlap_conflict",
        [TS_ANOMALY_UNCHECKED_RETRANSMISSION] = "unchecked_retransmission",
        [TS_ANOMALY_STALE_SEGMENT] = "stale_segment",
    };
    if ((unsigned)type < TS_ANOMALY_COUNT_ && names[type] != NULL)
        return names[type];
    return "unknown";
}
