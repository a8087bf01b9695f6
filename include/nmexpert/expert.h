/*
 * nmexpert/expert.h: finding, probing and loading experts.
 *
 * An expert is a shared object exporting Register and Run (and Configure
 * when it registers EXPERT_ENUM_FLAG_CONFIGURABLE); an optional DllMain is
 * called after loading and before unloading (spec C1).
 *
 * Probing never loads an expert into the calling process: the ELF header is
 * checked first, then a forked child loads the object and calls Register,
 * so a broken expert (not an ELF, wrong architecture, missing entry point,
 * a constructor or Register that crashes or hangs, Register returning FALSE)
 * is reported as unusable with the reason and never harms the host.
 *
 * Search path, in order: the built-in experts (installed with the library,
 * or NMEXPERT_BUILTIN_DIR), then every folder of NMEXPERT_PATH
 * (colon-separated), then $XDG_DATA_HOME/nmexpert/experts
 * (~/.local/share/nmexpert/experts).
 */
#ifndef NMEXPERT_EXPERT_H
#define NMEXPERT_EXPERT_H

#include <stdbool.h>
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

/* Register must return within this (NMEXPERT_PROBE_TIMEOUT_MS overrides). */
#define NMX_EXPERT_PROBE_TIMEOUT_MS 10000u

typedef struct nmx_expert_info {
    char     path[4096];      /* absolute path of the shared object         */
    char     file[256];       /* file name without ".so"                    */
    bool     usable;
    char     reason[512];     /* why not usable                             */
    /* From Register (valid when usable): */
    char     name[260], vendor[260], description[260];
    uint32_t version;
    uint32_t flags;           /* EXPERT_ENUM_FLAG_*                         */
    bool     has_configure, has_dllmain;
} nmx_expert_info;

/* Checks and registers one shared object (in a child process). Always fills
 * *info; returns NMX_OK when it is usable. */
NMX_API nmx_err nmx_expert_probe(const char *path, nmx_expert_info *info);

/* Every candidate (*.so) on the search path, probed (up to 16 at once,
 * each within the probe timeout), in search order; duplicates (same file
 * name found later on the path) are skipped. Files that are not regular
 * (a FIFO named x.so) are reported unusable without being opened.
 * *list is malloc'd (free() it); *count receives its length. */
NMX_API nmx_err nmx_expert_scan(nmx_expert_info **list, size_t *count);

/* Resolves a command-line name: a path (contains '/'), a file name without
 * ".so", or a registered name (case-insensitive), in that order. A path or
 * a file name found on the search path is probed alone; only a registered
 * name scans (and probes) the whole search path. */
NMX_API nmx_err nmx_expert_find(const char *spec, nmx_expert_info *info, nmx_diag *diag);

/* The folders searched, in order, as one colon-separated string. */
NMX_API const char *nmx_expert_search_path(void);

NMX_END_DECLS

#endif
