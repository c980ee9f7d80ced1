// The entry points of the fuzz executables.
//
// SwiftPM compiles a Swift executable target's entry point as `<Target>_main` and links the
// executable with `main` aliased to it. The fuzz targets have no Swift entry point (they only
// define `LLVMFuzzerTestOneInput`), so `<Target>_main` is defined here and runs libFuzzer's
// driver on that callback. Each executable links one `LLVMFuzzerTestOneInput`, its own.
#include <stddef.h>
#include <stdint.h>
#include "FuzzDriver.h"

extern int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int fuzz_driver_present(void) { return 1; }

#define FUZZ_MAIN(target) \
    int target##_main(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }

FUZZ_MAIN(FuzzPlaybook)
FUZZ_MAIN(FuzzExpression)
FUZZ_MAIN(FuzzTemplate)
FUZZ_MAIN(FuzzContacts)
FUZZ_MAIN(FuzzScenario)
FUZZ_MAIN(FuzzWebhook)
