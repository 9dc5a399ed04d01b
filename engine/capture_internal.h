/* engine/capture_internal.h: internal */
