#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H
/* Nothing to call from Swift: this target only provides each fuzz executable's entry point. */
int fuzz_driver_present(void);
#endif
