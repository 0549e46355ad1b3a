/*
 * fuzz_wire: libFuzzer target for everything a peer's bytes reach before
 * any signature is checked: the link frame decoder (HELLO/WELCOME chains,
 * cursors, batches, acks), and inside a batch the signed-batch and item
 * decoders. Build with -DCARENET_FUZZ=ON (clang); run e.g.
 *   build-fuzz/fuzz_wire -max_total_time=60 tests/data/fuzz-corpus
 */
#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Carenet__Frame *f = NULL;
	Carenet__SignedBatch *sb = NULL;
	Carenet__Item *it = NULL;
	const char *why;

	if (wire_decode(data, size, 1 << 20, &f, &why) == 0) {
		(void)wire_kind(f);
		if (f->body_case == CARENET__FRAME__BODY_BATCH) {
			for (size_t i = 0; i < f->batch->n_msgs; i++) {
				if (item_batch_decode(f->batch->msgs[i].data, f->batch->msgs[i].len,
				                      &sb) != 0)
					continue;
				for (size_t k = 0; k < sb->n_items; k++) {
					if (item_decode(sb->items[k].data, sb->items[k].len, &it) ==
					    0)
						carenet__item__free_unpacked(it, NULL);
				}
				carenet__signed_batch__free_unpacked(sb, NULL);
			}
		}
		wire_free(&f);
	}
	/* The inner decoders also see raw bytes directly. */
	if (item_batch_decode(data, size, &sb) == 0)
		carenet__signed_batch__free_unpacked(sb, NULL);
	if (item_decode(data, size, &it) == 0)
		carenet__item__free_unpacked(it, NULL);
	return 0;
}
