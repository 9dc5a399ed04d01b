/*
 * capture.c — opening a capture, detecting its format from its first bytes
 * (gzip first, then pcap or pcapng), the read buffer and error reporting.
 *
 * Gotchas:
 * - The file is read in big chunks into one buffer; frames point into it.
 *   The buffer only moves (compaction, growth) inside ts_cap_ensure(), which
 *   is called by the next ts_capture_next(), never while a frame is in use.
 * - A plain regular file is mapped instead, TS_CAP_MAP_WINDOW bytes at a
 *   time (a window starts at the page of the next unread byte, so a record
 *   straddling two windows is whole in the second; the previous window is
 *   unmapped first, so the resident size stays that of one window). Each
 *   window is sized from a fresh fstat() and faulted in at once with
 *   MADV_POPULATE_READ, which reports a missing or unreadable page as an
 *   error: then (and whenever mapping fails) reading goes on with read()
 *   from the same offset, which sees what the file really holds.
 * - A file truncated by another process while we read its window (tcpdump -C
 *   -W reusing it, say) would raise SIGBUS (documented for users in
 *   tcpsession.h, ts_options.map_files; without it nothing is mapped). A SIGBUS handler (installed
 * once, chaining to the previous one for faults that are not ours) maps zero pages over the rest of
 * the window of the thread that faulted and marks it; ts_capture_next() then reports "the file
 * shrank while being read" instead of the record, and nothing read from the zeros is returned. The
 *   window is per thread: a capture must be read by one thread at a time.
 * - The buffer grows only while the file keeps delivering bytes, so a record
 *   header lying about its length cannot make us allocate more than the file
 *   holds (and never more than TS_CAP_MAX_RECORD plus a header).
 * - Gzip files go through zlib's inflate() (capture_gzip.c), fed from the
 *   bytes already read, so a pipe works; a gzip stream cut short reads as an
 *   early end of file, so it ends with the usual "last record truncated"
 *   warning. Offsets are in the uncompressed stream.
 * - An input that is not a regular file ("-", a pipe, a FIFO, a device, a
 *   socket) is never seeked nor mapped. Before each read it is polled; every
 *   TS_CAPTURE_QUIET_MS without a byte the quiet hook is called (the engine
 *   moves its clock on with the wall time there, see engine.c).
 * - After damage is reported, every later ts_capture_next() repeats it; the
 *   format readers only set `error`, ts_capture_next() remembers it.
 */
#include "capture_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Waits until the sequential input has bytes (or its end): true; false when
 * the quiet hook asked to stop. Calls the hook after each quiet period. */
static bool
wait_for_input(ts_capture *cap)
{
    struct pollfd pfd = {.fd = cap->fd, .events = POLLIN};
    for (;;) {
        int n = poll(&pfd, 1, TS_CAPTURE_QUIET_MS);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true; /* ready, hung up or failed: read() tells which */
        if (n == 0 && cap->quiet != NULL && !cap->quiet(cap->quiet_user)) {
            cap->stopped = true;
            return false;
        }
    }
}

/* Reads the input as stored; see capture_internal.h. */
gssize
ts_cap_raw_read(ts_capture *cap, uint8_t *dst, size_t room, GError **error)
{
    if (room > INT_MAX)
        room = INT_MAX;
    if (cap->stopped || (cap->sequential && !wait_for_input(cap)))
        return 0;
    for (;;) {
        ssize_t n = read(cap->fd, dst, room);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        g_set_error(error, TS_ERROR, TS_ERROR_IO, "%s: %s", cap->path, g_strerror(errno));
        return -1;
    }
}

/* Reads as many (uncompressed) bytes as fit after buf + len. Returns bytes
 * read, 0 at end of file, -1 with `error` set on failure. */
static gssize
source_read(ts_capture *cap, GError **error)
{
    size_t room = cap->size - cap->len;
    if (cap->gz != NULL)
        return ts_cap_gzip_read(cap, cap->buf + cap->len, room, error);
    return ts_cap_raw_read(cap, cap->buf + cap->len, room, error);
}

/* ---- SIGBUS guard of the mapped window ------------------------------------ */

static __thread uint8_t *guard_start; /* this thread's mapped window, or NULL */
static __thread size_t guard_len;
static __thread volatile sig_atomic_t guard_hit;
static struct sigaction previous_sigbus;
static uintptr_t guard_page_size;

static void
on_sigbus(int sig, siginfo_t *info, void *context)
{
    uint8_t *addr = info->si_addr;
    if (guard_start != NULL && addr >= guard_start && addr < guard_start + guard_len) {
        uintptr_t page = (uintptr_t)addr & ~(guard_page_size - 1);
        size_t rest = (size_t)((uintptr_t)(guard_start + guard_len) - page);
        if (mmap((void *)page, rest, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
            MAP_FAILED) {
            guard_hit = 1;
            return; /* the read is retried and sees zeros */
        }
    }
    /* Not ours: the previous disposition handles the fault when it recurs. */
    if (previous_sigbus.sa_flags & SA_SIGINFO) {
        previous_sigbus.sa_sigaction(sig, info, context);
        return;
    }
    sigaction(SIGBUS, &previous_sigbus, NULL);
}

static void
install_sigbus_guard(void)
{
    static gsize installed = 0;
    if (g_once_init_enter(&installed)) {
        guard_page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &previous_sigbus);
        g_once_init_leave(&installed, 1);
    }
}

static void
guard_window(ts_capture *cap)
{
    guard_start = cap->mapped ? cap->buf : NULL;
    guard_len = cap->mapped ? cap->size : 0;
}

/* Leaves the mapping for the read buffer, reading on from the next unread
 * byte (mapping unsupported or failed, or the file shrank). */
static bool
unmap_to_buffer(ts_capture *cap, GError **error)
{
    uint64_t here = ts_cap_here(cap);
    if (cap->buf != NULL)
        munmap(cap->buf, cap->size);
    cap->mapped = false;
    guard_window(cap);
    cap->size = TS_CAP_BUFSIZE;
    cap->buf = g_malloc(cap->size);
    cap->buf_offset = here;
    cap->pos = cap->len = 0;
    if (lseek(cap->fd, (off_t)here, SEEK_SET) < 0) {
        g_set_error(error, TS_ERROR, TS_ERROR_IO, "%s: %s", cap->path, g_strerror(errno));
        return false;
    }
    return true;
}

#ifdef MADV_POPULATE_READ
/* Maps the window holding the next `need` unread bytes (or the rest of the
 * file). Returns false when it cannot: the caller reads instead. */
static bool
map_window(ts_capture *cap, size_t need)
{
    struct stat st;
    uint64_t here = ts_cap_here(cap);
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (fstat(cap->fd, &st) != 0 || (uint64_t)st.st_size <= cap->buf_offset + cap->len)
        return false; /* nothing new: let read() say why */
    uint64_t start = here - here % page;
    uint64_t end = MIN((uint64_t)st.st_size, here + MAX(need, TS_CAP_MAP_WINDOW));
    if (end - start > SIZE_MAX || start > (uint64_t)G_MAXINT64)
        return false;
    if (cap->buf != NULL)
        munmap(cap->buf, cap->size);
    cap->buf = NULL;
    cap->size = 0;
    guard_start = NULL;
    install_sigbus_guard();
    void *m = mmap(NULL, (size_t)(end - start), PROT_READ, MAP_PRIVATE, cap->fd, (off_t)start);
    if (m == MAP_FAILED)
        return false;
    cap->buf = m;
    cap->size = cap->len = (size_t)(end - start);
    guard_window(cap);
    cap->pos = (size_t)(here - start);
    cap->prefetched = cap->pos;
    cap->buf_offset = start;
    /* Fault the window in now: a page the file no longer has (truncated
       meanwhile) or cannot read is an error here, not a SIGBUS later. */
    if (madvise(m, cap->size, MADV_POPULATE_READ) != 0)
        return false;
    cap->eof = end == (uint64_t)st.st_size;
    return true;
}
#endif

/* Makes `need` unread bytes available if the file has them (see capture_internal.h). */
gssize
ts_cap_fill(ts_capture *cap, size_t need, GError **error)
{
#ifdef MADV_POPULATE_READ
    if (cap->mapped && cap->len - cap->pos < need && !cap->eof && !map_window(cap, need) &&
        !unmap_to_buffer(cap, error))
        return -1;
#endif
    while (cap->len - cap->pos < need && !cap->eof) {
        if (cap->pos + need > cap->size && cap->pos > 0) {
            /* Slide the unread bytes to the front. */
            memmove(cap->buf, cap->buf + cap->pos, cap->len - cap->pos);
            cap->buf_offset += cap->pos;
            cap->len -= cap->pos;
            cap->pos = 0;
        }
        if (cap->len == cap->size) {
            /* Full and still short: grow, but no further than needed. */
            size_t grown = MIN(cap->size * 2, need);
            cap->buf = g_realloc(cap->buf, grown);
            cap->size = grown;
        }
        gssize n = source_read(cap, error);
        if (n < 0)
            return -1;
        if (n == 0)
            cap->eof = true;
        cap->len += (size_t)n;
    }
    return (gssize)(cap->len - cap->pos);
}

/* Sets a TS_ERROR_CORRUPT "PATH: offset N: REASON" error and returns -1. */
int
ts_cap_corrupt(ts_capture *cap, uint64_t offset, GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, TS_ERROR, TS_ERROR_CORRUPT, "%s: offset %" G_GUINT64_FORMAT ": %s",
                cap->path, offset, reason);
    g_free(reason);
    return -1;
}

/* Ends the file with a "last record truncated" warning and returns 0 (no
 * warning when the quiet hook stopped the reading). */
int
ts_cap_truncated(ts_capture *cap, uint64_t offset, size_t have, size_t need)
{
    if (cap->stopped) {
        cap->pos = cap->len;
        cap->done = true;
        return 0;
    }
    g_free(cap->warning);
    cap->warning = g_strdup_printf("%s: offset %" G_GUINT64_FORMAT
                                   ": last record truncated (%zu of %zu bytes)",
                                   cap->path, offset, have, need);
    cap->pos = cap->len; /* the cut record is consumed */
    cap->done = true;
    return 0;
}

/* Switches to decompressing: the bytes read so far (from the read buffer or
 * the mapped window) are the start of the compressed stream and go to zlib
 * as they are; the read buffer then holds uncompressed bytes from offset 0. */
static bool
start_gzip(ts_capture *cap, GError **error)
{
    uint64_t raw_end = cap->buf_offset + cap->len; /* compressed bytes consumed */
    if (!ts_cap_gzip_start(cap, cap->buf + cap->pos, cap->len - cap->pos, error))
        return false;
    if (cap->mapped) {
        /* a mapping does not move the file position: read on after the window */
        munmap(cap->buf, cap->size);
        cap->mapped = false;
        guard_window(cap);
        cap->size = TS_CAP_BUFSIZE;
        cap->buf = g_malloc(cap->size);
        if (lseek(cap->fd, (off_t)raw_end, SEEK_SET) < 0) {
            g_set_error(error, TS_ERROR, TS_ERROR_IO, "%s: %s", cap->path, g_strerror(errno));
            return false;
        }
    }
    cap->buf_offset = 0;
    cap->pos = cap->len = 0;
    cap->eof = false;
    return true;
}

/* Recognises the format from the first four (uncompressed) bytes. */
static bool
detect_format(ts_capture *cap, gssize have, GError **error)
{
    static const uint8_t pcapng_shb[4] = {0x0a, 0x0d, 0x0d, 0x0a};
    const uint8_t *p = cap->buf + cap->pos;
    if (have >= 4) {
        uint32_t magic; /* read little-endian: magics[i] when the file is */
        ts_get_le32(p, (size_t)have, 0, &magic);
        if (memcmp(p, pcapng_shb, 4) == 0) {
            cap->kind = TS_CAP_PCAPNG;
            return true;
        }
        static const uint32_t magics[3] = {0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34};
        for (int i = 0; i < 3; i++) {
            if (magic == magics[i] || magic == __builtin_bswap32(magics[i])) {
                cap->kind = TS_CAP_PCAP;
                cap->swap = ts_cap_swap_for(magic == magics[i]);
                cap->nanosec = i == 1;
                cap->modified = i == 2;
                return true;
            }
        }
    }
    GString *shown = g_string_new(NULL);
    for (gssize i = 0; i < MIN(have, 4); i++)
        g_string_append_printf(shown, "%s%02x", i ? " " : "", p[i]);
    if (have == 0)
        g_set_error(error, TS_ERROR, TS_ERROR_FORMAT,
                    "%s: not a pcap or pcapng capture (empty file)", cap->path);
    else
        g_set_error(error, TS_ERROR, TS_ERROR_FORMAT,
                    "%s: not a pcap or pcapng capture (first bytes %s)", cap->path, shown->str);
    g_string_free(shown, TRUE);
    return false;
}

/* Opens a capture, detecting gzip and the format from the content (see capture.h). */
ts_capture *
ts_capture_open(const char *path, GError **error)
{
    return ts_capture_open_with(path, true, error);
}

/* Opens a capture, mapping it when `map` and it is a plain regular file. */
ts_capture *
ts_capture_open_with(const char *path, bool map, GError **error)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    /* standard input is read through a copy of fd 0, closed like any other */
    int fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(error, TS_ERROR, TS_ERROR_IO, "%s: %s", name, g_strerror(errno));
        return NULL;
    }
    ts_capture *cap = g_new0(ts_capture, 1);
    cap->path = g_strdup(name);
    cap->fd = fd;
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    cap->sequential = !regular;
    /* standard input is read from where it stands, even a regular file */
    cap->mapped = map && regular && !is_stdin && st.st_size > 0;
#ifndef MADV_POPULATE_READ
    cap->mapped = false;
#endif
    if (!cap->mapped) {
        cap->size = TS_CAP_BUFSIZE;
        cap->buf = g_malloc(cap->size);
    }
    if (regular)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    gssize have = ts_cap_ensure(cap, 4, error);
    bool gzip = have >= 2 && cap->buf[0] == 0x1f && cap->buf[1] == 0x8b;
    if (have >= 0 && gzip) {
        if (!start_gzip(cap, error))
            goto fail;
        have = ts_cap_ensure(cap, 4, error);
    }
    if (have < 0)
        goto fail;
    if (!detect_format(cap, have, error)) {
        /* bytes decompressed before damage: the damage says more */
        GError *damage = gzip ? ts_cap_gzip_take_damage(cap->gz) : NULL;
        if (damage != NULL) {
            g_clear_error(error);
            g_propagate_error(error, damage);
        }
        goto fail;
    }
    const char *kind = cap->kind == TS_CAP_PCAP ? "pcap" : "pcapng";
    cap->format = g_strconcat(kind, gzip ? " (gzip)" : "", NULL);
    if (cap->kind == TS_CAP_PCAP && ts_pcap_start(cap, error) < 0)
        goto fail;
    return cap;

fail:
    ts_capture_close(cap);
    return NULL;
}

/* Returns the next frame (1), the end (0) or damage (-1, repeated on later calls). */
int
ts_capture_next(ts_capture *cap, ts_capture_frame *frame, GError **error)
{
    if (cap->failure != NULL) {
        if (error != NULL)
            g_propagate_error(error, g_error_copy(cap->failure));
        return -1;
    }
    if (cap->done)
        return 0;
    GError *local = NULL;
    uint64_t start = ts_cap_here(cap);
    if (cap->mapped)
        guard_window(cap); /* this thread reads it now */
    frame->no_packet = false;
    int rc = cap->kind == TS_CAP_PCAP ? ts_pcap_next(cap, frame, &local)
                                      : ts_pcapng_next(cap, frame, &local);
    if (rc == 1 && cap->mapped && frame->caplen > 0) {
        /* Touch each page of the frame here, so that a page the file lost
           faults now rather than in the caller. */
        volatile uint8_t sink = frame->data[frame->caplen - 1];
        for (size_t off = 0; off < frame->caplen; off += 4096) /* pages are at least 4 KiB */
            sink = (uint8_t)(sink ^ frame->data[off]);
        (void)sink;
    }
    if (G_UNLIKELY(guard_hit) && cap->mapped) {
        /* The file shrank under the window: what was read is zeros. */
        guard_hit = 0;
        g_clear_error(&local);
        struct stat st;
        long long now = fstat(cap->fd, &st) == 0 ? (long long)st.st_size : -1;
        ts_cap_corrupt(cap, start, &local,
                       "the file shrank while being read (it now has %lld bytes)", now);
        rc = -1;
    }
    if (rc == 1) {
        frame->number = ++cap->frames;
        return 1;
    }
    cap->done = true;
    if (rc < 0) {
        if (local == NULL)
            local = g_error_new(TS_ERROR, TS_ERROR_IO, "%s: read failed", cap->path);
        cap->failure = g_error_copy(local);
        g_propagate_error(error, local);
    }
    return rc;
}

/* The warning about how the file ended, or NULL. */
const char *
ts_capture_warning(const ts_capture *cap)
{
    return cap->warning;
}

/* Bytes of the uncompressed stream consumed so far. */
uint64_t
ts_capture_offset(const ts_capture *cap)
{
    return ts_cap_here(cap);
}

/* "pcap" or "pcapng", with " (gzip)" when compressed. */
const char *
ts_capture_format(const ts_capture *cap)
{
    return cap->format;
}

/* Sets the hook called while a sequential input is quiet. */
void
ts_capture_on_quiet(ts_capture *cap, ts_capture_quiet_fn fn, void *user)
{
    cap->quiet = fn;
    cap->quiet_user = user;
}

/* True for an input that is not a regular file. */
bool
ts_capture_is_sequential(const ts_capture *cap)
{
    return cap->sequential;
}

/* The input's name in messages. */
const char *
ts_capture_name(const ts_capture *cap)
{
    return cap->path;
}

/* Closes the file and frees the reader (NULL allowed). */
void
ts_capture_close(ts_capture *cap)
{
    if (cap == NULL)
        return;
    ts_cap_gzip_free(cap->gz);
    if (cap->fd >= 0)
        close(cap->fd);
    g_clear_error(&cap->failure);
    g_free(cap->warning);
    g_free(cap->format);
    g_free(cap->ifaces);
    if (cap->mapped) {
        if (cap->buf != NULL)
            munmap(cap->buf, cap->size);
        if (guard_start == cap->buf)
            guard_start = NULL;
    } else {
        g_free(cap->buf);
    }
    g_free(cap->path);
    g_free(cap);
}
