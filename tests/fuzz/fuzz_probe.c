// SPDX-License-Identifier: GPL-2.0-only
/* The least libFuzzer target: meson builds it to see that clang can link one. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return 0;
}
