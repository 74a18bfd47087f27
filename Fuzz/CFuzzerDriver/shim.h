// libFuzzer's entry point for a program that has its own main. The definition comes from the
// fuzzer runtime that `-sanitize=fuzzer` links in; this target only declares it for Swift.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
