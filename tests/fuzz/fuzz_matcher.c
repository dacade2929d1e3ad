/* fuzz_matcher.c: libFuzzer program for the "matcher" target: bytes as a
** pasted log matched against the seeded signatures.
** Built only with -DWIR_FUZZ=ON under clang. The entry code is in
** fuzz_entry_matcher.c, shared with the replay test; this file only adapts it
** to libFuzzer's interface.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_entry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (0 != fuzz_target_matcher.init())
        abort(); /* the reason is already on stderr */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_target_matcher.one(data, size);
    return 0;
}
