/* stub: to be written */
typedef int ts_stub_decode_tcp;
