/*
 * js_extract.c — the original tcpsession's JavaScript extraction: in each
 * direction's decoded text that mentions "Content-Type: text/html", every
 * piece of text after a literal "<script>" up to the next "</script>" (or the
 * end of the text, or just before a final newline), found with the same
 * regular expression the original used. PCRE gives it Python's meaning
 * (dot-all, lazy, "$" also before a final newline); the search loop below
 * gives findall()'s handling of empty matches.
 */
#include "formats.h"

#include <string.h>

#define HTML_MARK "Content-Type: text/html"

static GRegex *
script_regex(void)
{
    static gsize once = 0;
    static GRegex *regex = NULL;
    if (g_once_init_enter(&once)) {
        g_autoptr(GError) error = NULL;
        regex = g_regex_new("(?<=<script>).*?(?=</script>|$)", G_REGEX_DOTALL | G_REGEX_OPTIMIZE, 0,
                            &error);
        g_assert(regex != NULL);
        g_once_init_leave(&once, 1);
    }
    return regex;
}

/* Appends every match in `text` plus a newline; true when there was one.
 * Matches are found as Python's findall() finds them: the next search starts
 * where the last match ended and, after an empty match, may not match empty
 * at that same position (GLib's g_match_info_next() would skip a character
 * there instead). */
static bool
extract_one(const GString *text, GString *out)
{
    if (text == NULL || memmem(text->str, text->len, HTML_MARK, strlen(HTML_MARK)) == NULL)
        return false;
    bool found = false;
    gssize pos = 0;
    GRegexMatchFlags flags = 0;
    while (pos <= (gssize)text->len) {
        g_autoptr(GMatchInfo) match = NULL;
        if (!g_regex_match_full(script_regex(), text->str, (gssize)text->len, (gint)pos, flags,
                                &match, NULL))
            break;
        int start = 0, end = 0;
        g_match_info_fetch_pos(match, 0, &start, &end);
        g_string_append_len(out, text->str + start, end - start);
        g_string_append_c(out, '\n');
        found = true;
        pos = end;
        flags = start == end ? G_REGEX_MATCH_NOTEMPTY_ATSTART : 0;
    }
    return found;
}

bool
ts_js_extract(const GString *src_text, const GString *dst_text, GString *out)
{
    bool a = extract_one(src_text, out);
    bool b = extract_one(dst_text, out);
    return a || b;
}
