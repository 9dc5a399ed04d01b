/*
 * exit_status.h — the exit statuses of every tcpsession command (and of the
 * original tool's command line), named once.
 */
#ifndef TS_EXIT_STATUS_H
#define TS_EXIT_STATUS_H

/** Exit statuses of the command. */
enum {
    TS_EXIT_OK = 0,
    TS_EXIT_FAILURE = 1,       /* a capture could not be processed */
    TS_EXIT_USAGE = 2,         /* bad command line */
    TS_EXIT_NOT_INSTALLED = 3, /* verify: none of the tools is installed */
};

#endif /* TS_EXIT_STATUS_H */
