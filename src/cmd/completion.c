#include "config.h"

#include "cmd/completion.h"

#include <stdbool.h>
#include <string.h>

/* Whether option o of table t was listed already (token's two tables share some). */
static bool seen_before(const compl_cmd *c, size_t t, const struct option *o)
{
	for (const struct option *p = c->options[0]; t == 1 && p->name != NULL; p++)
		if (strcmp(p->name, o->name) == 0)
			return true;
	return false;
}

/* s between single quotes for zsh: a quote inside becomes '\''. */
static void zquote(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputs(*s == '\'' ? "'\\''" : (char[2]){*s, '\0'}, f);
}

/* The long options of a command, space-separated ("--issuer --key ..."), with "=" after those
 * that take a value when `eq`. */
static void options(FILE *f, const compl_cmd *c, bool eq)
{
	for (size_t t = 0; t < 2 && c->options[t] != NULL; t++)
		for (const struct option *o = c->options[t]; o->name != NULL; o++)
			if (!seen_before(c, t, o))
				fprintf(f, " --%s%s", o->name, eq && o->has_arg != no_argument ? "=" : "");
}

static void bash(FILE *f, const compl_cmd *cmds, size_t n)
{
	fprintf(f, "# bash completion for saoidc (made by `saoidc completion bash` from its option tables)\n"
		   "_saoidc() {\n"
		   "\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" opts words=\"\"\n"
		   "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
		   "\t\tCOMPREPLY=($(compgen -W \"help completion");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", cmds[i].name);
	fprintf(f, "\" -- \"$cur\"))\n"
		   "\t\treturn\n"
		   "\tfi\n"
		   "\tcase \"${COMP_WORDS[1]}\" in\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s) opts=\"", cmds[i].name);
		options(f, &cmds[i], false);
		fprintf(f, "\" words=\"%s\" ;;\n", cmds[i].words != NULL ? cmds[i].words : "");
	}
	fprintf(f, "\thelp) opts=\"\" words=\"");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i > 0 ? " " : "", cmds[i].name);
	fprintf(f, "\" ;;\n"
		   "\tcompletion) opts=\"\" words=\"bash zsh\" ;;\n"
		   "\tesac\n"
		   "\tif [[ \"$cur\" == -* ]]; then\n"
		   "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
		   "\telif [ -n \"$words\" ] && [ \"$COMP_CWORD\" -eq 2 ]; then\n"
		   "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
		   "\telse\n"
		   "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		   "\tfi\n"
		   "}\n"
		   "complete -F _saoidc saoidc\n");
}

static void zsh(FILE *f, const compl_cmd *cmds, size_t n)
{
	fprintf(f, "#compdef saoidc\n"
		   "# zsh completion for saoidc (made by `saoidc completion zsh` from its option tables)\n"
		   "_saoidc() {\n"
		   "\tlocal -a cmds\n"
		   "\tcmds=(\n"
		   "\t\t'help:show the help of a command'\n"
		   "\t\t'completion:print a bash or zsh completion script'\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t\t'%s:", cmds[i].name);
		zquote(f, cmds[i].summary);
		fprintf(f, "'\n");
	}
	fprintf(f, "\t)\n"
		   "\tif (( CURRENT == 2 )); then\n"
		   "\t\t_describe 'command' cmds\n"
		   "\t\treturn\n"
		   "\tfi\n"
		   "\tlocal -a opts\n"
		   "\tcase $words[2] in\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s) opts=(", cmds[i].name);
		for (size_t t = 0; t < 2 && cmds[i].options[t] != NULL; t++)
			for (const struct option *o = cmds[i].options[t]; o->name != NULL; o++)
				if (!seen_before(&cmds[i], t, o))
					fprintf(f, " '*--%s%s'", o->name,
						o->has_arg != no_argument ? "=:value:_files" : "");
		fprintf(f, " ) ;;\n");
	}
	fprintf(f, "\tcompletion) opts=( '1:shell:(bash zsh)' ) ;;\n"
		   "\thelp) _describe 'command' cmds; return ;;\n"
		   "\tesac\n"
		   "\t_arguments -s $opts '*:file:_files'\n"
		   "}\n"
		   "_saoidc \"$@\"\n");
}

int compl_print(FILE *f, const char *shell, const compl_cmd *cmds, size_t n)
{
	if (strcmp(shell, "bash") == 0)
		bash(f, cmds, n);
	else if (strcmp(shell, "zsh") == 0)
		zsh(f, cmds, n);
	else
		return 0;
	return 1;
}
