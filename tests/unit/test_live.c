/*
 * test_live.c — unit tests of engine/util/live.c, the live capture:
 *  - the DLT -> LINKTYPE mapping (DLT_RAW 12 -> 101, the equal ones kept);
 *  - the exact messages of a missing interface, a filter that does not
 *    compile and a user without the right to capture (a child turned into
 *    "nobody");
 *  - a capture on the loopback of a network namespace of its own with the
 *    BPF filter "tcp port 5001": of a connection to port 5002 and then one
 *    to port 5001, exchanging known bytes, only the second becomes a
 *    session, with exactly those bytes; ts_live_stop() from session_done
 *    ends ts_live_run(); the counts match the frames fed.
 * The capture tests need root and unshare(CLONE_NEWNET): without them the
 * whole program exits 77 (skipped) after the mapping test passes.
 */
#include "util/live.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <unistd.h>

#define SKIP 77

START_TEST(dlt_mapping)
{
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_RAW), TS_LINKTYPE_RAW);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_EN10MB), TS_LINKTYPE_ETHERNET);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_NULL), TS_LINKTYPE_NULL);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_LOOP), TS_LINKTYPE_LOOP);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_LINUX_SLL), TS_LINKTYPE_LINUX_SLL);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_LINUX_SLL2), TS_LINKTYPE_LINUX_SLL2);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_IPV4), TS_LINKTYPE_IPV4);
    ck_assert_int_eq(ts_live_linktype_of_dlt(DLT_IEEE802_11_RADIO), TS_LINKTYPE_RADIOTAP);
}
END_TEST

START_TEST(no_such_interface)
{
    ts_live_config cfg;
    ts_live_config_init(&cfg, "nosuch0");
    GError *error = NULL;
    ck_assert_ptr_null(ts_live_open(&cfg, NULL, &error));
    ck_assert_int_eq(error->code, TS_LIVE_ERROR_OPEN);
    ck_assert_str_eq(error->message, "nosuch0: cannot capture: no such interface");
    g_error_free(error);
}
END_TEST

START_TEST(bad_filter)
{
    ts_live_config cfg;
    ts_live_config_init(&cfg, "lo");
    cfg.filter = "tcp port";
    GError *error = NULL;
    ck_assert_ptr_null(ts_live_open(&cfg, NULL, &error));
    ck_assert_int_eq(error->code, TS_LIVE_ERROR_FILTER);
    ck_assert_msg(g_str_has_prefix(error->message, "lo: bad filter 'tcp port': "), "%s",
                  error->message);
    g_error_free(error);
}
END_TEST

/* The permission message, checked in a child process that became "nobody"
 * (forked here, not by check: under CK_FORK=no, as valgrind runs the tests,
 * the test process itself must stay root). The child's exit status: 0 the
 * message is right, 2 not, 3 the privileges could not be dropped. */
static int
permission_child(void)
{
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 3;
    ts_live_config cfg;
    ts_live_config_init(&cfg, "lo");
    GError *error = NULL;
    ts_live *live = ts_live_open(&cfg, NULL, &error);
    bool right = live == NULL && error != NULL && error->code == TS_LIVE_ERROR_PERMISSION &&
                 strcmp(error->message, "lo: cannot capture: permission denied (capturing "
                                        "needs root or the CAP_NET_RAW capability)") == 0;
    if (!right && error != NULL)
        fprintf(stderr, "permission_denied: %s\n", error->message);
    g_clear_error(&error);
    ts_live_close(live);
    return right ? 0 : 2;
}

START_TEST(permission_denied)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(permission_child());
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
END_TEST

/* ---- a capture of known traffic ---------------------------------------- */

/* One connection to 127.0.0.1:`port`: "HELLO" from the client, "WORLD!\n"
 * from the server, both sides close. */
static void
exchange(uint16_t port)
{
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert(bind(srv, (struct sockaddr *)&a, sizeof a) == 0 && listen(srv, 1) == 0);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    g_assert(connect(cli, (struct sockaddr *)&a, sizeof a) == 0);
    int conn = accept(srv, NULL, NULL);
    g_assert(write(cli, "HELLO", 5) == 5);
    char buf[16];
    g_assert(read(conn, buf, sizeof buf) == 5);
    g_assert(write(conn, "WORLD!\n", 7) == 7);
    g_assert(read(cli, buf, sizeof buf) == 7);
    shutdown(cli, SHUT_WR);
    g_assert(read(conn, buf, sizeof buf) == 0);
    close(conn);
    g_assert(read(cli, buf, sizeof buf) == 0);
    close(cli);
    close(srv);
}

static gpointer
traffic_main(gpointer data)
{
    (void)data;
    exchange(5002); /* filtered out */
    exchange(5001);
    return NULL;
}

/* What the capture saw. */
typedef struct {
    ts_live *live;
    unsigned sessions;
    uint16_t server_port;
    GString *client, *server;
} seen;

static void
on_done(void *user, ts_session *s)
{
    seen *v = user;
    v->sessions++;
    v->server_port = ts_session_server(s)->port;
    size_t len = 0;
    const uint8_t *p = ts_session_payload(s, TS_FROM_CLIENT, &len);
    g_string_append_len(v->client, (const char *)p, (gssize)len);
    p = ts_session_payload(s, TS_FROM_SERVER, &len);
    g_string_append_len(v->server, (const char *)p, (gssize)len);
    ts_live_stop(v->live);
}

START_TEST(filtered_capture)
{
    ts_live_config cfg;
    ts_live_config_init(&cfg, "lo");
    cfg.filter = "tcp port 5001";
    cfg.buffer_size = 4 << 20;
    GError *error = NULL;
    g_autoptr(GString) warnings = g_string_new(NULL);
    ts_live *live = ts_live_open(&cfg, warnings, &error);
    ck_assert_msg(live != NULL, "%s", error != NULL ? error->message : "");
    ck_assert_str_eq(warnings->str, "");
    ck_assert_int_eq(ts_live_linktype(live), TS_LINKTYPE_ETHERNET); /* Linux's lo */
    seen v = {.live = live, .client = g_string_new(NULL), .server = g_string_new(NULL)};
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = true;
    opts.close_linger = 0.3; /* finished by ts_engine_advance on the quiet link */
    ts_callbacks cb = {.session_done = on_done};
    ts_engine *engine = ts_engine_new(&opts, &cb, &v);
    GThread *traffic = g_thread_new("traffic", traffic_main, NULL);
    ck_assert(ts_live_run(live, engine, &error));
    g_thread_join(traffic);
    ck_assert_uint_eq(v.sessions, 1);
    ck_assert_uint_eq(v.server_port, 5001);
    ck_assert_str_eq(v.client->str, "HELLO");
    ck_assert_str_eq(v.server->str, "WORLD!\n");
    ts_live_counts counts;
    ck_assert(ts_live_stats(live, &counts, &error));
    uint64_t frames = ts_engine_stats(engine)->frames;
    ck_assert_uint_eq(counts.frames, frames);
    ck_assert_uint_ge(frames, 8); /* handshake, 2 data, 2 FIN, ACKs */
    ck_assert_uint_eq(ts_engine_stats(engine)->sessions, 1);
    ck_assert_uint_eq(counts.dropped_kernel, 0);
    g_autoptr(GString) line = g_string_new(NULL);
    ts_live_format_counts(line, "lo", &counts);
    g_autofree char *expected = g_strdup_printf(
        "lo: %" G_GUINT64_FORMAT " packets received, 0 dropped by the kernel, %" G_GUINT64_FORMAT
        " dropped by the interface\n",
        counts.received, counts.dropped_iface);
    ck_assert_str_eq(line->str, expected);
    ts_engine_free(engine);
    ts_live_close(live);
    g_string_free(v.client, TRUE);
    g_string_free(v.server, TRUE);
}
END_TEST

/* A network namespace of our own with its loopback up; false when not
 * permitted. */
static bool
private_loopback(void)
{
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
        return false;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    g_strlcpy(ifr.ifr_name, "lo", sizeof ifr.ifr_name);
    bool ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

int
main(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("mapping");
    tcase_add_test(tc, dlt_mapping);
    suite_add_tcase(s, tc);
    bool capture = private_loopback();
    if (capture) {
        TCase *cap = tcase_create("capture");
        tcase_set_timeout(cap, 20);
        tcase_add_test(cap, no_such_interface);
        tcase_add_test(cap, bad_filter);
        tcase_add_test(cap, permission_denied);
        tcase_add_test(cap, filtered_capture);
        suite_add_tcase(s, cap);
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed != 0)
        return 1;
    if (!capture) {
        puts("SKIP: capture tests need root and network namespaces (unshare CLONE_NEWNET)");
        return SKIP;
    }
    return 0;
}
