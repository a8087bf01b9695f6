/* Command-line arguments: see args.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
}

const char *cli_args_next(cli_args *a, bool *is_opt)
{
    *is_opt = false;
    a->opt[0] = 0;
    a->inline_value = NULL;
    a->after_dashdash = false;
    for (;;) {
        if (a->i >= a->argc)
            return NULL;
        const char *s = a->argv[a->i++];
        if (a->operands) {
            a->after_dashdash = true;
            return s;
        }
        if (strcmp(s, "--") == 0) {
            a->operands = true;
            continue;
        }
        if (s[0] != '-' || s[1] == 0) /* "-" alone is an operand (stdout) */
            return s;
        *is_opt = true;
        if (s[1] == '-') {
            const char *eq = strchr(s, '=');
            size_t n = eq ? (size_t)(eq - s) : strlen(s);
            if (n >= sizeof a->opt)
                n = sizeof a->opt - 1;
            memcpy(a->opt, s, n);
            a->opt[n] = 0;
            a->inline_value = eq ? eq + 1 : NULL;
        } else {
            a->opt[0] = '-';
            a->opt[1] = s[1];
            a->opt[2] = 0;
            a->inline_value = s[2] ? s + 2 : NULL;
        }
        return s;
    }
}

const char *cli_args_value(cli_args *a)
{
    if (a->inline_value)
        return a->inline_value;
    if (a->i < a->argc)
        return a->argv[a->i++];
    fprintf(stderr, "nmexpert %s: %s needs a value (see nmexpert %s --help)\n", a->cmd, a->opt,
            a->cmd);
    return NULL;
}

bool cli_args_flag(cli_args *a)
{
    if (!a->inline_value)
        return true;
    fprintf(stderr, "nmexpert %s: %s takes no value\n", a->cmd, a->opt);
    return false;
}

int cli_args_unknown(const cli_args *a)
{
    fprintf(stderr, "nmexpert %s: unknown option '%s' (see nmexpert %s --help)\n", a->cmd,
            a->argv[a->i - 1], a->cmd);
    return 2;
}

bool cli_is(const char *opt, const char *long_name, const char *short_name)
{
    return (long_name && strcmp(opt, long_name) == 0) ||
           (short_name && strcmp(opt, short_name) == 0);
}

bool cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *p = s;
    uint64_t v = 0;
    bool ok = *p != 0;
    for (; *p && ok; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            ok = false;
        else
            v = v * 10 + (uint64_t)(*p - '0');
    }
    if (!ok || v < min || v > max) {
        fprintf(stderr, "nmexpert: %s: '%s' is not accepted: a whole number from %llu to %llu\n",
                opt, s, (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

/* A plain decimal number (digits, at most one '.'), no sign, no exponent. */
static bool decimal(const char *s, double *v, const char **end)
{
    const char *p = s;
    size_t digits = 0, dots = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dots)
            dots++;
        else
            break;
    }
    if (!digits)
        return false;
    char buf[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    *v = strtod(buf, NULL);
    *end = p;
    return isfinite(*v);
}

bool cli_parse_seconds(const char *opt, const char *s, bool allow_zero, uint32_t *ms)
{
    double v;
    const char *end;
    const double max_s = 4294967.0; /* 2^32 - 1 milliseconds, about 49 days */
    if (!decimal(s, &v, &end) || *end || v > max_s || (!allow_zero && v * 1000 < 1)) {
        fprintf(stderr, "nmexpert: %s: '%s' is not accepted: a number of seconds from %s to %.0f "
                        "(for example 30 or 0.5)\n",
                opt, s, allow_zero ? "0" : "0.001", max_s);
        return false;
    }
    *ms = (uint32_t)llround(v * 1000);
    return true;
}

bool cli_parse_size(const char *opt, const char *s, uint64_t *out)
{
    double v;
    const char *end;
    bool ok = decimal(s, &v, &end);
    double mul = 1;
    if (ok) {
        switch (toupper((unsigned char)*end)) {
        case 0: break;
        case 'K': mul = 1024.0; end++; break;
        case 'M': mul = 1024.0 * 1024; end++; break;
        case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
        case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
        case 'B': break;
        default: ok = false; break;
        }
        if (ok && mul > 1 && (*end == 'i' || *end == 'I'))
            end++;
        if (ok && (*end == 'b' || *end == 'B'))
            end++;
        ok = ok && *end == 0;
        v *= mul;
        ok = ok && v >= 1 && v < 18446744073709549568.0; /* below 2^64 */
    }
    if (!ok) {
        fprintf(stderr, "nmexpert: %s: '%s' is not accepted: a size in bytes, with an optional "
                        "K, M, G or T suffix (for example 512M or 2G)\n",
                opt, s);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}
