/* tests/pktbuild.h: to be written */
