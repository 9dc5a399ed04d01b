/*
 * craft_link.c — the case captures of link types.
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 */
#include "craft.h"

/* Writes the link case captures into `dir`. */
void
write_link_cases(const char *dir)
{
    (void)dir;
}
