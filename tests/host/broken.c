/* Broken experts for the probe tests; BROKEN selects the defect. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "netmon.h"

#if BROKEN == 5
__attribute__((constructor)) static void crash_on_load(void)
{
    raise(SIGSEGV);
}
#endif

BOOL WINAPI Register(PEXPERTENUMINFO info)
{
#if BROKEN == 2
    (void)info;
    return FALSE;
#elif BROKEN == 3
    (void)info;
    volatile int *volatile bad = (volatile int *)(uintptr_t)8; /* hidden from -Warray-bounds */
    *bad = 1;
    return TRUE;
#elif BROKEN == 4
    (void)info;
    for (;;)
        pause();
#else
    strcpy(info->szName, "Broken");
    info->Flags = BROKEN == 6 ? EXPERT_ENUM_FLAG_CONFIGURABLE : 0;
    return TRUE;
#endif
}

#if BROKEN != 1
BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG cfg, PEXPERTSTARTUPINFO si, DWORD f, HWND h)
{
    (void)key;
    (void)cfg;
    (void)si;
    (void)f;
    (void)h;
    return TRUE;
}
#endif
