/* engine/seq.h: to be written */
