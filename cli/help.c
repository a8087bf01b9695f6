/* The usage text of every command (nmexpert CMD --help); the manual page
 * docs/nmexpert.1 says the same at length. */
#include <string.h>

#include "cli.h"

static const struct {
    const char *cmd;
    const char *text;
} usage[] = {
    {"run",
     "usage: nmexpert run [options] EXPERT... -- CAPTURE...\n"
     "       nmexpert run [options] -e EXPERT [-e EXPERT]... CAPTURE...\n"
     "       nmexpert run [options] EXPERT... CAPTURE...\n"
     "\n"
     "Runs every expert over every capture, each contained (see --isolation).\n"
     "Experts and captures: operands before \"--\" are experts and those after it\n"
     "captures; with -e every operand is a capture. Without either, an operand that\n"
     "is an existing file is a capture (a shared object is an expert given by path),\n"
     "one that looks like a path (contains '/', or ends in .pcap, .pcapng or .cap) but\n"
     "does not exist is reported as a missing file, and any other names an expert.\n"
     "\n"
     "options:\n"
     "  -e, --expert EXPERT    an expert (name, file name or path); repeatable\n"
     "  -o, --output KIND[:FILE]\n"
     "                         table, jsonl, csv or html, to FILE or the standard\n"
     "                         output; csv:DIR/ writes a folder of CSV files;\n"
     "                         repeatable (default: table). A FILE is replaced only\n"
     "                         when the run ends and was written whole\n"
     "  --progress jsonl[:FILE|fd:N]\n"
     "                         progress as JSON Lines for programs (default: the\n"
     "                         standard error); see docs/records.md\n"
     "  --filter BPF           only frames that match a pcap filter expression\n"
     "  --set KEY=VALUE        an expert option, over the stored configuration;\n"
     "                         repeatable (see nmexpert help EXPERT)\n"
     "  --config FILE          a configuration file (KEY=VALUE lines) instead of\n"
     "                         the stored one; --set applies over it\n"
     "  --isolation MODE       process (default: contains crashes, exit(), hangs and\n"
     "                         runaway memory) or thread (synchronous faults only)\n"
     "  --timeout SECONDS      stop an expert after this long (0: never; default 0)\n"
     "  --memory-limit SIZE    per expert, e.g. 512M or 2G (default: none)\n"
     "  --cpu-limit SECONDS    CPU time of one expert's process (RLIMIT_CPU; process\n"
     "                         isolation); default: --timeout + 7 s when a timeout\n"
     "                         is set, else 3600; 0: no limit\n"
     "  --result-limit SIZE    what one expert's process may send the host (events,\n"
     "                         status, log text; process isolation; default: 1G);\n"
     "                         beyond it the expert is stopped (memory limit)\n"
     "  --misuse-limit N       stop an expert after N memory misuses (0: never)\n"
     "  --frame N              the frame the expert should focus on (from 0)\n"
     "  --property PROTOCOL.PROPERTY\n"
     "                         with --frame: the selected property, e.g.\n"
     "                         TCP.\"Destination Port\"; the expert starts from it\n"
     "                         instead of its configuration\n"
     "  -j, --jobs N           experts run at once (default: the processor count)\n"
     "  -q, --quiet            no progress bars\n"
     "  --color WHEN           severities in colour on the standard output: auto\n"
     "                         (default: on a terminal, unless NO_COLOR is set),\n"
     "                         always or never\n"
     "  -h, --help             this text\n"
     "\n"
     "exit status: 0 completed, 1 an expert failed, 2 usage error, 3 a capture or\n"
     "expert could not be loaded, 7 stopped after misuse, 5 timed out, 6 memory\n"
     "limit, 4 crashed, 8 an output could not be written, 130 interrupted (143\n"
     "SIGTERM, 129 SIGHUP): the outputs then hold the results so far.\n"},
    {"list",
     "usage: nmexpert list [--long | --names]\n"
     "\n"
     "The experts found on the search path, with their registration, and why any\n"
     "is unusable.\n"
     "\n"
     "options:\n"
     "  -l, --long             also each expert's options, defaults and accepted values\n"
     "  --names                only the names that `run` accepts, one a line\n"
     "  -h, --help             this text\n"},
    {"help",
     "usage: nmexpert help [COMMAND | EXPERT]\n"
     "\n"
     "The usage of a command, or what an expert does and the options it accepts.\n"},
    {"configure",
     "usage: nmexpert configure EXPERT [--set KEY=VALUE]... [--capture FILE]\n"
     "       nmexpert configure EXPERT --show | --reset\n"
     "\n"
     "Calls the expert's Configure (headless) and stores the configuration it\n"
     "returns, as KEY=VALUE lines, in $XDG_CONFIG_HOME/nmexpert/experts/NAME.cfg\n"
     "(~/.config/nmexpert/...). `run` uses it unless --config is given.\n"
     "\n"
     "options:\n"
     "  --set KEY=VALUE        an option, over the stored configuration; repeatable\n"
     "  --capture FILE         the capture Configure may look at\n"
     "  --show                 print the stored configuration and where it is\n"
     "  --reset                forget the stored configuration (back to defaults)\n"
     "  -h, --help             this text\n"},
    {"info",
     "usage: nmexpert info [--json] FILE...\n"
     "\n"
     "Describes capture files as capinfos does: format, link types by name with\n"
     "their frame counts, interfaces (pcapng) with snapshot length and time\n"
     "precision, frames, data size, first and last frame times, duration, data\n"
     "byte and bit rates, average frame size and rate, whether the times are in\n"
     "order, and comments. A damaged file is described up to the damage.\n"
     "\n"
     "  --json                 one JSON object per file, for programs\n"
     "  -h, --help             this text\n"
     "\n"
     "exit status: 0, 1 when a file could not be read or is damaged, 2 usage.\n"},
    {"dissect",
     "usage: nmexpert dissect [options] CAPTURE\n"
     "\n"
     "Prints each frame through the parsers as Network Monitor's detail pane showed\n"
     "it: one summary line per protocol (+ IP: ID = 0x6B1F; Proto = TCP; Len: 115),\n"
     "its properties indented below, flag bits under their property. Frames are\n"
     "numbered from 1.\n"
     "\n"
     "options:\n"
     "  --frame N              only frame N\n"
     "  --frames A-B           frames A to B\n"
     "  --format FORMAT        text (default) or json (one object per frame)\n"
     "  -h, --help             this text\n"
     "exit status: 0, 1 the capture could not be read, 2 usage error.\n"},
    {"properties",
     "usage: nmexpert properties [PROTOCOL] [--markdown]\n"
     "\n"
     "Lists the protocols nmexpert recognises and the properties each attaches, with\n"
     "their Network Monitor types: the names GetProtocolFromName and GetProperty\n"
     "accept.\n"
     "\n"
     "options:\n"
     "  --markdown             as the Markdown of docs/properties.md\n"
     "  -h, --help             this text\n"},
    {"convert",
     "usage: nmexpert convert [options] IN OUT\n"
     "\n"
     "Rewrites a capture in another format (pcap, pcapng, Network Monitor). OUT is\n"
     "written to a temporary file beside it and renamed when complete; it may not be\n"
     "IN itself (through any link).\n"
     "\n"
     "options:\n"
     "  --format FORMAT        pcap, pcap-ns, pcapng or netmon (default: from OUT's\n"
     "                         extension: .pcap, .cap, else pcapng)\n"
     "  --filter BPF           only frames that match a pcap filter expression\n"
     "  -f, --force            replace OUT when it exists\n"
     "  -h, --help             this text\n"
     "exit status: 0, 1 a file could not be read or written, 2 usage error.\n"},
    {"sample",
     "usage: nmexpert sample [options] OUT\n"
     "\n"
     "Writes a synthetic capture of office traffic (DNS, HTTP over TCP, ARP, IPv6),\n"
     "the same for the same seed.\n"
     "\n"
     "options:\n"
     "  --frames N             frames to write, 1 to 100000000 (default 3000)\n"
     "  --seed S               random seed, 0 to 18446744073709551615 (default 1)\n"
     "  --format FORMAT        pcap, pcap-ns, pcapng or netmon (default: from OUT's\n"
     "                         extension)\n"
     "  -f, --force            replace OUT when it exists\n"
     "  -h, --help             this text\n"
     "exit status: 0, 1 the file could not be written, 2 usage error.\n"},
    {"selftest-memory",
     "usage: nmexpert selftest-memory\n"
     "\n"
     "Shows what the host does about an expert's memory mistakes: runs a built-in\n"
     "session that frees foreign, interior, stack and already freed pointers,\n"
     "writes past a block and leaks a thousand blocks, then prints what was\n"
     "caught and freed. Writes no file. (Formerly `demo`, still accepted.)\n"},
    {"version",
     "usage: nmexpert version (or nmexpert --version)\n"
     "\n"
     "The versions of nmexpert, libpcap and libseccomp.\n"},
};

int cli_command_usage(const char *cmd, FILE *out)
{
    if (cmd && strcmp(cmd, "demo") == 0)
        cmd = "selftest-memory";
    for (size_t i = 0; cmd && i < sizeof usage / sizeof usage[0]; i++)
        if (strcmp(usage[i].cmd, cmd) == 0) {
            fputs(usage[i].text, out);
            return out == stderr ? CLI_EXIT_USAGE : CLI_EXIT_OK;
        }
    return cli_usage(out);
}

bool cli_is_command(const char *cmd)
{
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
        if (strcmp(usage[i].cmd, cmd) == 0)
            return true;
    return strcmp(cmd, "demo") == 0;
}
