/* completion: bash and zsh completion scripts made from the commands' own option tables (the
 * ones getopt_long parses), so that a new option cannot be left out of them. */
#ifndef SAOIDC_COMPLETION_H
#define SAOIDC_COMPLETION_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

typedef struct compl_cmd {
	const char *name;
	const char *summary;
	const struct option *options[2]; /* token has two subcommands' tables; NULL when unused */
	const char *words;		 /* positional words to offer ("aws azure gcp"), or NULL */
} compl_cmd;

/* Writes the script for "bash" or "zsh" to f; false for another shell. */
int compl_print(FILE *f, const char *shell, const compl_cmd *cmds, size_t n);

#endif
