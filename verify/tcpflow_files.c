/*
 * tcpflow_files.c — tcpflow's side of a verification: runs `tcpflow -r
 * CAPTURE -o DIR` (on an uncompressed copy of a gzip capture, which tcpflow
 * cannot read) and reads back every file it wrote, naming each after the
 * direction it holds. tcpflow 1.6.1 names files with the template
 * "%A.%a-%B.%b%V%v%C%c":
 *
 *     010.000.000.001.01234-010.000.000.002.00080       IPv4, zero-padded
 *     2001:db8::1.01234-2001:db8::2.00080              IPv6, compressed
 *     ...--6                                           VLAN 6 ("--" then the id)
 *     ...c1, ...c2                                     later flows on the 4-tuple
 *
 * Also runs tcpflow for its own sake (vf_tcpflow_write_files), for the
 * original command line's OUTDIR/tcpflow folders.
 */
#include "verify_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "010.000.000.001" (IPv4, each octet three digits) or an IPv6 text. */
static bool
parse_address(const char *text, ts_endpoint *ep)
{
    unsigned o[4];
    char tail;
    if (strlen(text) == 15 &&
        sscanf(text, "%3u.%3u.%3u.%3u%c", &o[0], &o[1], &o[2], &o[3], &tail) == 4) {
        for (int i = 0; i < 4; i++) {
            if (o[i] > 255 || !g_ascii_isdigit(text[i * 4]))
                return false;
            ep->addr[i] = (uint8_t)o[i];
        }
        ep->family = 4;
        return true;
    }
    if (strchr(text, ':') != NULL && inet_pton(AF_INET6, text, ep->addr) == 1) {
        ep->family = 6;
        return true;
    }
    return false;
}

/* Parses "ADDRESS.PPPPP" (port: five digits). */
static bool
parse_endpoint(const char *text, size_t len, ts_endpoint *ep)
{
    if (len < 7 || len > 60 || text[len - 6] != '.')
        return false;
    char addr[64];
    memcpy(addr, text, len - 6);
    addr[len - 6] = '\0';
    unsigned port = 0;
    for (size_t i = len - 5; i < len; i++) {
        if (!g_ascii_isdigit(text[i]))
            return false;
        port = port * 10 + (unsigned)(text[i] - '0');
    }
    if (port > 65535)
        return false;
    memset(ep, 0, sizeof *ep);
    ep->port = (uint16_t)port;
    return parse_address(addr, ep);
}

/* Reads a decimal number at *p (advancing it); false when there is none. */
static bool
read_number(const char **p, unsigned long *value)
{
    if (!g_ascii_isdigit(**p))
        return false;
    char *end = NULL;
    *value = strtoul(*p, &end, 10);
    *p = end;
    return true;
}

bool
vf_tcpflow_parse_name(const char *name, vf_flowfile *out)
{
    memset(out, 0, sizeof *out);
    out->vlan = -1;
    /* Source endpoint: up to the first '-' (addresses never contain one). */
    const char *dash = strchr(name, '-');
    if (dash == NULL || !parse_endpoint(name, (size_t)(dash - name), &out->src))
        return false;
    /* Destination endpoint: ".PPPPP" closes it, then "--V" and "cN" may follow. */
    const char *dst = dash + 1;
    const char *p = dst;
    const char *end = NULL;
    for (; *p != '\0'; p++) {
        if (*p == '.' && p[1] != '\0' && strspn(p + 1, "0123456789") >= 5) {
            const char *after = p + 6;
            if (*after == '\0' || *after == '-' || *after == 'c')
                end = after; /* the last such position wins (IPv4 has dots) */
        }
    }
    if (end == NULL || !parse_endpoint(dst, (size_t)(end - dst), &out->dst))
        return false;
    p = end;
    unsigned long value = 0;
    if (p[0] == '-' && p[1] == '-') {
        p += 2;
        if (!read_number(&p, &value) || value > 65535)
            return false; /* tcpflow prints the whole tag control field */
        out->vlan = (int)value;
    }
    if (p[0] == 'c') {
        p++;
        if (!read_number(&p, &value) || value == 0 || value > G_MAXUINT)
            return false;
        out->k = (unsigned)value;
    }
    if (*p != '\0')
        return false;
    out->name = g_strdup(name);
    return true;
}

void
vf_flowfile_free(gpointer file)
{
    vf_flowfile *f = file;
    if (f == NULL)
        return;
    g_free(f->name);
    if (f->data != NULL)
        g_bytes_unref(f->data);
    g_free(f);
}

static void
ignore_line(void *user, const char *line, size_t len)
{
    (void)user;
    (void)line;
    (void)len;
}

static int
compare_name(gconstpointer a, gconstpointer b)
{
    const vf_flowfile *x = *(vf_flowfile *const *)a, *y = *(vf_flowfile *const *)b;
    return strcmp(x->name, y->name);
}

GPtrArray *
vf_tcpflow_run(const char *capture, const char *tmpdir, GError **error)
{
    g_autofree char *input = vf_uncompressed_copy(capture, tmpdir, error);
    if (input == NULL)
        return NULL;
    g_autofree char *outdir = g_build_filename(tmpdir, "tcpflow", NULL);
    if (g_mkdir_with_parents(outdir, 0700) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot create", outdir);
        return NULL;
    }
    g_autofree char *report = g_build_filename(tmpdir, "tcpflow-report.xml", NULL);
    const char *argv[] = {
        vf_tool_program(VF_TOOL_TCPFLOW), "-r", input, "-o", outdir, "-X", report, NULL};
    if (!vf_run_lines(argv, ignore_line, NULL, error))
        return NULL;

    GPtrArray *files = g_ptr_array_new_with_free_func(vf_flowfile_free);
    GDir *dir = g_dir_open(outdir, 0, error);
    if (dir == NULL) {
        g_ptr_array_unref(files);
        return NULL;
    }
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        vf_flowfile parsed;
        if (!vf_tcpflow_parse_name(name, &parsed))
            continue; /* report.xml and the like */
        vf_flowfile *f = g_new(vf_flowfile, 1);
        *f = parsed;
        g_autofree char *path = g_build_filename(outdir, name, NULL);
        char *contents = NULL;
        gsize length = 0;
        if (!g_file_get_contents(path, &contents, &length, error)) {
            vf_flowfile_free(f);
            g_dir_close(dir);
            g_ptr_array_unref(files);
            return NULL;
        }
        f->data = g_bytes_new_take(contents, length);
        g_ptr_array_add(files, f);
    }
    g_dir_close(dir);
    g_ptr_array_sort(files, compare_name);
    return files;
}

bool
vf_tcpflow_write_files(const char *capture, const char *dir, GError **error)
{
    g_autofree char *tmp = vf_make_temp_dir(error);
    if (tmp == NULL)
        return false;
    g_autofree char *input = vf_uncompressed_copy(capture, tmp, error);
    bool ok = input != NULL;
    if (ok && g_mkdir_with_parents(dir, 0777) != 0) {
        int e = errno;
        g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(e), g_strerror(e));
        ok = false;
    }
    if (ok) {
        g_autofree char *report = g_build_filename(tmp, "report.xml", NULL);
        const char *argv[] = {
            vf_tool_program(VF_TOOL_TCPFLOW), "-r", input, "-o", dir, "-X", report, NULL};
        ok = vf_run_lines(argv, ignore_line, NULL, error);
    }
    vf_rmtree(tmp);
    return ok;
}
