/*
 * nids-reassemble.c — the libnids baseline of the benchmark (issue 6).
 *
 *     nids-reassemble [-n STREAMS] [-k] CAPTURE
 *
 * Reads CAPTURE with libnids (Debian's libnids-dev 1.26) and lets it
 * reassemble every TCP stream in memory: out-of-order segments are buffered
 * by libnids and handed over in order; this program counts the bytes of each
 * direction. With -k every stream's whole content stays in libnids' buffer
 * until the stream ends (nids_discard(0)), otherwise each chunk is dropped
 * once counted (what a streaming consumer does). Prints one key=value line:
 * streams, client_bytes, server_bytes, bytes, warnings.
 *
 * Not part of the build: harness/bench/bench.py compiles it into a temporary
 * directory when libnids is installed (cc -O2 ... -lnids -lpcap).
 *
 * libnids limits, to keep in mind when reading the numbers: IPv4 only (IPv6
 * packets are read and skipped), a stream is only followed from its
 * three-way handshake, and its hash table must be sized up front (-n: the
 * table holds 3/4 of it; default 65536). Checksums and port-scan detection
 * are switched off, as tcpsession does not check checksums by default.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <nids.h>
#pragma GCC diagnostic pop

static struct {
    uint64_t streams, bytes[2], warnings;
} totals;

static int keep_streams;

/* libnids reports oddities through this hook (default: syslog); count them. */
static void
count_warning(int type, int err, void *iph, void *data)
{
    (void)type;
    (void)err;
    (void)iph;
    (void)data;
    totals.warnings++;
}

/* Stream events: collect both directions, count what arrives. */
static void
on_tcp(struct tcp_stream *s, void **param)
{
    (void)param;
    switch (s->nids_state) {
    case NIDS_JUST_EST:
        s->client.collect++;
        s->server.collect++;
        totals.streams++;
        break;
    case NIDS_DATA:
        /* server.count_new: bytes the client sent; client.count_new: the
         * server's bytes */
        totals.bytes[0] += (uint64_t)s->server.count_new;
        totals.bytes[1] += (uint64_t)s->client.count_new;
        if (keep_streams)
            nids_discard(s, 0);
        break;
    default: /* NIDS_CLOSE, NIDS_RESET, NIDS_TIMED_OUT, NIDS_EXITING */ break;
    }
}

int
main(int argc, char **argv)
{
    int opt, streams = 65536;
    while ((opt = getopt(argc, argv, "n:k")) != -1) {
        switch (opt) {
        case 'n': streams = atoi(optarg); break;
        case 'k': keep_streams = 1; break;
        default: fprintf(stderr, "usage: nids-reassemble [-n STREAMS] [-k] CAPTURE\n"); return 2;
        }
    }
    if (optind + 1 != argc || streams <= 0) {
        fprintf(stderr, "usage: nids-reassemble [-n STREAMS] [-k] CAPTURE\n");
        return 2;
    }
    static struct nids_chksum_ctl no_checksums = {
        .netaddr = 0, .mask = 0, .action = NIDS_DONT_CHKSUM};
    nids_params.filename = argv[optind];
    nids_params.n_tcp_streams = streams;
    nids_params.scan_num_hosts = 0;
    nids_params.syslog = count_warning;
    nids_params.pcap_filter = NULL;
    nids_register_chksum_ctl(&no_checksums, 1);
    if (!nids_init()) {
        fprintf(stderr, "nids-reassemble: %s\n", nids_errbuf);
        return 1;
    }
    nids_register_tcp(on_tcp);
    nids_run();
    nids_exit();
    printf("streams=%llu client_bytes=%llu server_bytes=%llu bytes=%llu warnings=%llu\n",
           (unsigned long long)totals.streams, (unsigned long long)totals.bytes[0],
           (unsigned long long)totals.bytes[1],
           (unsigned long long)(totals.bytes[0] + totals.bytes[1]),
           (unsigned long long)totals.warnings);
    return 0;
}
