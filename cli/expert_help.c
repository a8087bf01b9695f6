/*
 * What an expert does and the options it accepts: `nmexpert help EXPERT`
 * and `nmexpert list --long`.
 *
 * Options are described by a text file next to the expert's shared object,
 * NAME.options for NAME.so (docs/writing-an-expert.md, "Describing the
 * options"):
 *
 *   # comment
 *   [top]
 *   default=10
 *   accepts=a whole number from 1 to 4294967295
 *   about=rows in each table
 *
 * An expert without such a file has its options listed as unknown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_store.h"
#include "expert_help.h"

static void options_path(const nmx_expert_info *ex, char *buf, size_t len)
{
    size_t n = strlen(ex->path);
    if (n > 3 && strcmp(ex->path + n - 3, ".so") == 0)
        n -= 3;
    snprintf(buf, len, "%.*s.options", (int)n, ex->path);
}

static void rstrip(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
}

/* Prints one option: "  KEY=DEFAULT  about" then "accepts ...". */
static void print_option(FILE *out, const char *indent, const char *key, const char *def,
                         const char *accepts, const char *about)
{
    char head[160];
    snprintf(head, sizeof head, "%s", key);
    fprintf(out, "%s%-14s %s\n", indent, head, about[0] ? about : "");
    fprintf(out, "%s%-14s default: %s; accepts: %s\n", indent, "", def[0] ? def : "(none)",
            accepts[0] ? accepts : "(not described)");
}

int cli_expert_options_print(FILE *out, const nmx_expert_info *ex, const char *indent)
{
    char path[4200];
    options_path(ex, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!(ex->flags & 0x1))
            fprintf(out, "%sno options (the expert is not configurable)\n", indent);
        else
            fprintf(out, "%soptions not described (no %s)\n", indent, strrchr(path, '/') + 1);
        return 0;
    }
    char line[1024], key[128] = "", def[256] = "", acc[512] = "", about[512] = "";
    int n = 0, lineno = 0;
    bool bad = false;
    for (;;) {
        bool eof = !fgets(line, sizeof line, f);
        if (!eof) {
            lineno++;
            rstrip(line);
        }
        if ((eof || line[0] == '[') && key[0]) {
            print_option(out, indent, key, def, acc, about);
            n++;
            key[0] = def[0] = acc[0] = about[0] = 0;
        }
        if (eof)
            break;
        if (!line[0] || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        if (line[0] == '[' && line[strlen(line) - 1] == ']') {
            snprintf(key, sizeof key, "%.*s", (int)strlen(line) - 2, line + 1);
        } else if (eq && key[0]) {
            *eq = 0;
            char *dst = !strcmp(line, "default") ? def
                        : !strcmp(line, "accepts") ? acc
                        : !strcmp(line, "about")   ? about
                                                   : NULL;
            size_t cap = dst == def ? sizeof def : dst == acc ? sizeof acc : sizeof about;
            if (dst)
                snprintf(dst, cap, "%s", eq + 1);
            else
                bad = true;
        } else {
            bad = true;
        }
        if (bad) {
            fprintf(stderr, "nmexpert: %s:%d: expected [OPTION] or default=, accepts=, about=\n",
                    path, lineno);
            break;
        }
    }
    fclose(f);
    return bad ? -1 : n;
}

int cli_help_expert(const char *spec)
{
    nmx_expert_info ex;
    nmx_diag d;
    if (nmx_expert_find(spec, &ex, &d) != NMX_OK) {
        fprintf(stderr, "nmexpert: %s\n(not a command either: see nmexpert --help)\n", d.msg);
        return CLI_EXIT_LOAD;
    }
    printf("%s (%s, by %s)\n", ex.name, ex.file, ex.vendor[0] ? ex.vendor : "unknown vendor");
    if (ex.description[0])
        printf("  %s\n", ex.description);
    printf("  file: %s\n\noptions (--set KEY=VALUE on run or configure):\n", ex.path);
    int rc = cli_expert_options_print(stdout, &ex, "  ");
    char cfg[4096];
    cli_config_path(&ex, cfg, sizeof cfg);
    cli_config c;
    int have = cli_config_load(cfg, false, &c);
    if (have == 1) {
        printf("\nstored configuration (%s):\n", cfg);
        cli_config_print(stdout, &c, "  ");
        cli_config_free(&c);
    } else if (have == 0) {
        printf("\nno stored configuration (defaults apply)\n");
    }
    return rc < 0 || have < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
