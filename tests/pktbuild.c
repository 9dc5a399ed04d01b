/* stub: to be written */
typedef int ts_stub_pktbuild;
