/*
 * tools.c — running tshark and tcpflow for `tcpsession verify`: finding the
 * program ($TS_TSHARK / $TS_TCPFLOW override the names), telling "not
 * installed" apart from other failures by the spawn error, streaming a
 * child's standard output line by line (optionally in a thread of its own, so
 * the tool runs while the engine does), temporary folders, and uncompressing
 * gzip captures for tools that cannot read them.
 */
#include "verify_internal.h"

#include "util/probe.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

const char *
vf_tool_name(vf_tool tool)
{
    return tool == VF_TOOL_TSHARK ? "tshark" : "tcpflow";
}

const char *
vf_tool_program(vf_tool tool)
{
    const char *env = g_getenv(tool == VF_TOOL_TSHARK ? "TS_TSHARK" : "TS_TCPFLOW");
    return env != NULL && env[0] != '\0' ? env : vf_tool_name(tool);
}

/* Keeps the last `max` bytes of a child's standard error. */
static char *
read_tail(GInputStream *in, size_t max)
{
    GString *tail = g_string_new(NULL);
    char buf[4096];
    for (;;) {
        gssize n = g_input_stream_read(in, buf, sizeof buf, NULL, NULL);
        if (n <= 0)
            break;
        g_string_append_len(tail, buf, n);
        if (tail->len > 2 * max)
            g_string_erase(tail, 0, (gssize)(tail->len - max));
    }
    if (tail->len > max)
        g_string_erase(tail, 0, (gssize)(tail->len - max));
    /* One line, without the banner tshark prints when run as root. */
    g_auto(GStrv) lines = g_strsplit(tail->str, "\n", -1);
    GString *out = g_string_new(NULL);
    for (char **l = lines; *l != NULL; l++) {
        g_strstrip(*l);
        if (**l == '\0' || g_str_has_prefix(*l, "Running as user"))
            continue;
        g_string_append_printf(out, "%s%s", out->len ? "; " : "", *l);
    }
    g_string_free(tail, TRUE);
    return g_string_free(out, FALSE);
}

typedef struct {
    GInputStream *in;
    char *text;
} stderr_reader;

static gpointer
stderr_thread(gpointer data)
{
    stderr_reader *r = data;
    r->text = read_tail(r->in, 600);
    return NULL;
}

bool
vf_tool_probe(vf_tool tool, char **why)
{
    const char *program = vf_tool_program(tool);
    const char *argv[] = {program, tool == VF_TOOL_TSHARK ? "-v" : "-V", NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_newv(
        argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    if (proc == NULL) {
        if (g_error_matches(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
            *why = g_strdup_printf("not installed ('%s' not found; Debian package: %s)", program,
                                   vf_tool_name(tool));
        else
            *why = g_strdup_printf("cannot run '%s': %s", program, error->message);
        return false;
    }
    if (!g_subprocess_wait(proc, NULL, &error)) {
        *why = g_strdup_printf("cannot run '%s': %s", program, error->message);
        return false;
    }
    return true;
}

bool
vf_run_lines(const char *const *argv, vf_line_fn fn, void *user, GError **error)
{
    g_autoptr(GSubprocess) proc = g_subprocess_newv(
        argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
    if (proc == NULL)
        return false;
    /* Standard error is drained in a thread so a chatty tool cannot block. */
    stderr_reader err = {.in = g_subprocess_get_stderr_pipe(proc)};
    GThread *err_thread = g_thread_new("vf-stderr", stderr_thread, &err);

    g_autoptr(GDataInputStream) lines = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
    g_buffered_input_stream_set_buffer_size(G_BUFFERED_INPUT_STREAM(lines), 1u << 16);
    g_data_input_stream_set_newline_type(lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
    g_autoptr(GError) read_error = NULL;
    for (;;) {
        gsize len = 0;
        g_autofree char *line = g_data_input_stream_read_line(lines, &len, NULL, &read_error);
        if (line == NULL)
            break;
        fn(user, line, len);
    }
    g_autoptr(GError) wait_error = NULL;
    bool waited = g_subprocess_wait(proc, NULL, &wait_error);
    g_thread_join(err_thread);
    g_autofree char *err_text = err.text;
    if (read_error != NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: reading its output: %s", argv[0],
                    read_error->message);
        return false;
    }
    if (!waited) {
        g_propagate_error(error, g_steal_pointer(&wait_error));
        return false;
    }
    if (!g_subprocess_get_successful(proc)) {
        int status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc)
                                                      : 128 + g_subprocess_get_term_sig(proc);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s exited with status %d%s%s", argv[0],
                    status, err_text[0] ? ": " : "", err_text);
        return false;
    }
    return true;
}

struct vf_job {
    char **argv;
    vf_line_fn fn;
    void *user;
    GError *error;
    bool ok;
    GThread *thread;
};

static gpointer
job_thread(gpointer data)
{
    vf_job *job = data;
    job->ok = vf_run_lines((const char *const *)job->argv, job->fn, job->user, &job->error);
    return NULL;
}

vf_job *
vf_job_start(const char *const *argv, vf_line_fn fn, void *user)
{
    vf_job *job = g_new0(vf_job, 1);
    job->argv = g_strdupv((char **)argv);
    job->fn = fn;
    job->user = user;
    job->thread = g_thread_new("vf-tool", job_thread, job);
    return job;
}

bool
vf_job_finish(vf_job *job, GError **error)
{
    g_thread_join(job->thread);
    bool ok = job->ok;
    if (!ok)
        g_propagate_error(error, job->error);
    g_strfreev(job->argv);
    g_free(job);
    return ok;
}

/* ---- files ---------------------------------------------------------- */

char *
vf_make_temp_dir(GError **error)
{
    return g_dir_make_tmp("tcpsession-verify-XXXXXX", error);
}

void
vf_rmtree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir != NULL) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                vf_rmtree(child);
            else
                g_unlink(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

char *
vf_uncompressed_copy(const char *path, const char *tmpdir, GError **error)
{
    if (!ts_probe_file_is_gzip(path))
        return g_strdup(path);
    g_autofree char *base = g_path_get_basename(path);
    size_t len = strlen(base);
    if (len > 3 && g_ascii_strcasecmp(base + len - 3, ".gz") == 0)
        base[len - 3] = '\0';
    g_autofree char *target = g_build_filename(tmpdir, base, NULL);
    g_autoptr(GFile) src = g_file_new_for_path(path);
    g_autoptr(GFile) dst = g_file_new_for_path(target);
    g_autoptr(GFileInputStream) in = g_file_read(src, NULL, error);
    if (in == NULL)
        return NULL;
    g_autoptr(GFileOutputStream) out =
        g_file_replace(dst, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
    if (out == NULL)
        return NULL;
    g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    g_autoptr(GInputStream) plain =
        g_converter_input_stream_new(G_INPUT_STREAM(in), G_CONVERTER(z));
    if (g_output_stream_splice(G_OUTPUT_STREAM(out), plain,
                               G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                   G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                               NULL, error) < 0)
        return NULL;
    return g_steal_pointer(&target);
}

uint32_t
vf_capture_snaplen(const char *path)
{
    return ts_probe_capture_snaplen(path);
}
