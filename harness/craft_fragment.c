/*
 * craft_fragment.c — the case captures of IP fragment reassembly (IPv4 and IPv6).
 *
 * Part of tcpsession-craft (see craft.h for the conventions); each capture
 * is described in data/README.md and has a row in tests/expected/cases.tsv.
 */
#include "craft.h"

/* Writes the fragment case captures into `dir`. */
void
write_fragment_cases(const char *dir)
{
    (void)dir;
}
