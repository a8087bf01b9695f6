/*
 * fuzz_pcapng.c: libFuzzer harness for the pcapng reader. The input is given a
 * pcapng magic (the first bytes are replaced) so that every run reaches the
 * pcapng reader; all frames, interfaces and warnings are then read.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return nmx_fuzz_one(data, size, NMX_FUZZ_PCAPNG);
}
