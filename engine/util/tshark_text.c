/*
 * tshark_text.c — tshark's "[N bytes missing in capture file]" text, the one
 * formatter behind follow's gap records and the verifier's models.
 */
#include "tshark_text.h"

#include <glib.h>

/* See tshark_text.h. */
size_t
ts_missing_bytes_text(uint64_t missing, char *buf, size_t size)
{
    int len = g_snprintf(buf, size, "[%d bytes missing in capture file]",
                         (int)(int32_t)(uint32_t)missing);
    return len < 0 || (size_t)len + 1 > size ? 0 : (size_t)len + 1;
}
