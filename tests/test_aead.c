/* test_aead: AES-256-GCM boxes and the key file (base/aead.c). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aead.h"
#include "check.h"
#include "err.h"

static int holds(const uint8_t *b, size_t n, const char *s)
{
	size_t l = strlen(s);
	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(b + i, s, l) == 0)
			return 1;
	return 0;
}

static void boxes(void)
{
	uint8_t key[AEAD_KEY_LEN] = {1, 2, 3}, other[AEAD_KEY_LEN] = {9};
	uint8_t *box = NULL, *pt = NULL;
	size_t blen = 0, plen = 0;
	const char *msg = "张三明 530102201001011234";

	CHECK_INT(aead_seal(key, "r1\0v1", 5, msg, strlen(msg), &box, &blen), 0);
	CHECK_INT(blen, strlen(msg) + AEAD_OVERHEAD);
	CHECK(!holds(box, blen, "530102"));
	CHECK_INT(aead_open(key, "r1\0v1", 5, box, blen, &pt, &plen), 0);
	CHECK_INT(plen, strlen(msg));
	CHECK(pt && memcmp(pt, msg, plen) == 0);
	aead_free(pt, plen);
	CHECK_INT(aead_open(other, "r1\0v1", 5, box, blen, &pt, &plen), CN_EVERIFY);
	CHECK_INT(aead_open(key, "r1\0v2", 5, box, blen, &pt, &plen), CN_EVERIFY);
	box[AEAD_NONCE_LEN] ^= 1;
	CHECK_INT(aead_open(key, "r1\0v1", 5, box, blen, &pt, &plen), CN_EVERIFY);
	CHECK_INT(aead_open(key, "", 0, box, 10, &pt, &plen), CN_EINVAL);
	free(box);
}

static void keyfile(void)
{
	char dir[] = "/tmp/test_aead.XXXXXX", path[64];
	uint8_t k1[AEAD_KEY_LEN], k2[AEAD_KEY_LEN];
	struct stat st;
	int created = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/records.key", dir);
	CHECK_INT(aead_key_load(path, 0, k1, &created), CN_ENOTFOUND);
	CHECK_INT(aead_key_load(path, 1, k1, &created), 0);
	CHECK_INT(created, 1);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(aead_key_load(path, 1, k2, &created), 0);
	CHECK_INT(created, 0);
	CHECK(memcmp(k1, k2, sizeof(k1)) == 0);
	chmod(path, 0644);
	CHECK_INT(aead_key_load(path, 1, k2, &created), CN_EPERM);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	boxes();
	keyfile();
	printf("test_aead: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
