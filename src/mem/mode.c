/* Process-wide allocator settings read once from the environment. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem/internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
nmx_mem_mode nmx__mode_value;
static bool debug_all;

static void read_env(void)
{
    const char *m = getenv("NMX_MEM_MODE");
    nmx__mode_value = (m && strcmp(m, "malloc") == 0) ? NMX_MEM_MALLOC : NMX_MEM_ARENA;
    const char *d = getenv("NMX_MEM_DEBUG");
    debug_all = d && *d && strcmp(d, "0") != 0;
}

nmx_mem_mode nmx__mode(void)
{
    pthread_once(&once, read_env);
    return nmx__mode_value;
}

bool nmx__debug_env(void)
{
    pthread_once(&once, read_env);
    return debug_all;
}

nmx_mem_mode nmx_mem_mode_get(void)
{
    return nmx__mode();
}
