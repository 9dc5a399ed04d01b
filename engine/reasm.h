/* engine/reasm.h: to be written */
