/*
 * compat.c — the entry points of libtcpsession 0.1.0 that tcpsession.h now
 * turns into inline wrappers of the *_sized functions: programs built against
 * 0.1.0 call these symbols with 0.1.0's struct sizes, which is what they pass
 * on. Compiled with TS_INSIDE_LIBTCPSESSION so that the header declares no
 * inline function of the same name.
 */
#define TS_INSIDE_LIBTCPSESSION 1
#include "tcpsession.h"

/* 0.1.0's own declarations (the header omits them here), exported. */
#pragma GCC visibility push(default)
void ts_options_init(ts_options *opts);
ts_engine *ts_engine_new(const ts_options *opts, const ts_callbacks *cb, void *user);
#pragma GCC visibility pop

/* ts_options_init() of a program built against 0.1.0. */
void
ts_options_init(ts_options *opts)
{
    ts_options_init_sized(opts, TS_OPTIONS_MIN_SIZE);
}

/* ts_engine_new() of a program built against 0.1.0. */
ts_engine *
ts_engine_new(const ts_options *opts, const ts_callbacks *cb, void *user)
{
    return ts_engine_new_sized(opts, TS_OPTIONS_MIN_SIZE, cb, TS_CALLBACKS_MIN_SIZE, user);
}
