/*
 * tshark_text.h — texts tshark prints that our outputs reproduce, formatted
 * once for `tcpsession follow` and the verifier.
 */
#ifndef TS_TSHARK_TEXT_H
#define TS_TSHARK_TEXT_H

#include <stddef.h>
#include <stdint.h>

/** Longest missing-bytes text, NUL included. */
#define TS_MISSING_TEXT_MAX 64

/** Writes tshark 4.0's stand-in for `missing` bytes lost in the capture
 *  (check_follow_fragments()): "[N bytes missing in capture file]" and its
 *  terminating NUL, N printed as tshark's 32-bit signed int. Returns the
 *  length with the NUL, or 0 when it does not fit in `size` bytes of `buf`
 *  (caller-owned). */
size_t ts_missing_bytes_text(uint64_t missing, char *buf, size_t size);

#endif /* TS_TSHARK_TEXT_H */
