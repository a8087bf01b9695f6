/* An expert's options, described by NAME.options next to NAME.so. */
#ifndef NMX_CLI_EXPERT_HELP_H
#define NMX_CLI_EXPERT_HELP_H

#include <stdio.h>

#include "nmexpert/expert.h"

/* Prints the expert's options (each line starts with indent); returns how
 * many, or -1 after a message about a malformed description file. */
int cli_expert_options_print(FILE *out, const nmx_expert_info *ex, const char *indent);

#endif
