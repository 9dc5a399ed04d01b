/* engine/flow_table.h: to be written */
