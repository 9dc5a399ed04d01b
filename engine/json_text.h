/* engine/json_text.h: to be written */
