/* engine/decode_internal.h: internal */
