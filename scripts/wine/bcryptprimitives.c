/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), test harness only.
 *
 * Rust's standard library (1.78+) gets its randomness from ProcessPrng in
 * bcryptprimitives.dll, which every supported Windows ships but Wine only
 * gained in version 9. Without it a Rust .exe cannot even load under
 * Debian 12's Wine. This forwards ProcessPrng to RtlGenRandom
 * (advapi32's SystemFunction036), which Wine 8 has. It is built and put
 * into the throwaway Wine prefix by scripts/windows-smoke.sh; it is never
 * shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
