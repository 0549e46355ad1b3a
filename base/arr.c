/* arr: see arr.h. */
#include "arr.h"

#include <stdint.h>
#include <stdlib.h>

#include "err.h"

int arr_grow(void **ptr, size_t elsize, size_t need, size_t *cap)
{
	size_t c = *cap ? *cap : 16;
	void *v;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return CN_ENOMEM;
		c *= 2;
	}
	if (elsize && c > SIZE_MAX / elsize)
		return CN_ENOMEM;
	if (!(v = realloc(*ptr, c * elsize)))
		return CN_ENOMEM;
	*ptr = v;
	*cap = c;
	return 0;
}
