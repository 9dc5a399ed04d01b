/* engine/session.h: to be written */
