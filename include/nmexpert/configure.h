/*
 * nmexpert/configure.h: an expert's configuration.
 *
 * The configuration is an EXPERTCONFIG blob: a DWORD length that counts
 * itself, then expert-defined bytes. nmexpert calls Configure headless
 * (hWnd NULL) in a child process and stores the blob per expert; Run gets
 * it back. Experts that take text get NUL-separated "key=value" pairs,
 * ending with an empty string (nmx_config_from_text).
 */
#ifndef NMEXPERT_CONFIGURE_H
#define NMEXPERT_CONFIGURE_H

#include <stdbool.h>
#include "nmexpert/common.h"
#include "nmexpert/expert.h"

NMX_BEGIN_DECLS

typedef struct nmx_configure_result {
    bool returned;        /* Configure returned                            */
    bool value;           /* ... TRUE                                      */
    void *config;         /* the resulting blob (malloc'd; free it), or NULL */
    size_t config_len;
    char message[512];
} nmx_configure_result;

/* Calls the expert's Configure in a child process with the stored blob
 * (may be NULL) and the capture (HCAPTURE, may be NULL). */
NMX_API nmx_err nmx_configure_expert(const nmx_expert_info *ex, void *hcapture,
                                     const void *stored, size_t stored_len, uint32_t timeout_ms,
                                     nmx_configure_result *res);

/* "key=value" strings -> a text configuration blob (malloc'd). */
NMX_API nmx_err nmx_config_from_text(const char *const *pairs, size_t n, void **blob,
                                     size_t *len);

NMX_END_DECLS

#endif
