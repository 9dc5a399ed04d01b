/* engine/cli.h: to be written */
