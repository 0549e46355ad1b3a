/* aead: AES-256-GCM boxes (see aead.h). */
#include "aead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "log.h"
#include "util.h"

static int ssl_fail(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("aead: %s: %s", what, e ? buf : "failed");
	ERR_clear_error();
	return CN_ECRYPTO;
}

int aead_seal(const uint8_t key[AEAD_KEY_LEN], const void *ad, size_t adlen, const void *pt,
              size_t ptlen, uint8_t **out, size_t *outlen)
{
	EVP_CIPHER_CTX *c = NULL;
	uint8_t *box = NULL;
	int n = 0, rc = CN_ECRYPTO;

	*out = NULL;
	*outlen = 0;
	if (ptlen > (size_t)INT32_MAX || adlen > (size_t)INT32_MAX)
		return CN_ETOOBIG;
	if (!(box = malloc(ptlen + AEAD_OVERHEAD)))
		return CN_ENOMEM;
	if (RAND_bytes(box, AEAD_NONCE_LEN) != 1) {
		rc = ssl_fail("random nonce");
		goto out;
	}
	if (!(c = EVP_CIPHER_CTX_new()) ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, box) != 1 ||
	    (adlen && EVP_EncryptUpdate(c, NULL, &n, ad, (int)adlen) != 1) ||
	    EVP_EncryptUpdate(c, box + AEAD_NONCE_LEN, &n, pt, (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(c, box + AEAD_NONCE_LEN + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, AEAD_TAG_LEN,
	                        box + AEAD_NONCE_LEN + ptlen) != 1) {
		rc = ssl_fail("seal");
		goto out;
	}
	*out = box;
	*outlen = ptlen + AEAD_OVERHEAD;
	box = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	free(box);
	return rc;
}

int aead_open(const uint8_t key[AEAD_KEY_LEN], const void *ad, size_t adlen, const uint8_t *box,
              size_t boxlen, uint8_t **out, size_t *outlen)
{
	EVP_CIPHER_CTX *c = NULL;
	size_t ptlen;
	uint8_t *pt = NULL;
	int n = 0, rc = CN_ECRYPTO;

	*out = NULL;
	*outlen = 0;
	if (boxlen < AEAD_OVERHEAD)
		return CN_EINVAL;
	ptlen = boxlen - AEAD_OVERHEAD;
	if (ptlen > (size_t)INT32_MAX || adlen > (size_t)INT32_MAX)
		return CN_ETOOBIG;
	if (!(pt = malloc(ptlen ? ptlen : 1)))
		return CN_ENOMEM;
	if (!(c = EVP_CIPHER_CTX_new()) ||
	    EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, box) != 1 ||
	    (adlen && EVP_DecryptUpdate(c, NULL, &n, ad, (int)adlen) != 1) ||
	    EVP_DecryptUpdate(c, pt, &n, box + AEAD_NONCE_LEN, (int)ptlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, AEAD_TAG_LEN,
	                        (void *)(box + AEAD_NONCE_LEN + ptlen)) != 1) {
		rc = ssl_fail("open");
		goto out;
	}
	if (EVP_DecryptFinal_ex(c, pt + n, &n) != 1) {
		ERR_clear_error();
		rc = CN_EVERIFY; /* wrong key, wrong associated data, or tampered */
		goto out;
	}
	*out = pt;
	*outlen = ptlen;
	pt = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	aead_free(pt, ptlen);
	return rc;
}

void aead_free(uint8_t *pt, size_t len)
{
	if (!pt)
		return;
	OPENSSL_cleanse(pt, len);
	free(pt);
}

static int key_create(const char *path, uint8_t key[AEAD_KEY_LEN])
{
	int rc;

	if (RAND_bytes(key, AEAD_KEY_LEN) != 1)
		return ssl_fail("random key");
	if ((rc = util_write_file(path, key, AEAD_KEY_LEN, 0600, 1)) != 0)
		OPENSSL_cleanse(key, AEAD_KEY_LEN);
	return rc;
}

int aead_key_load(const char *path, int create, uint8_t key[AEAD_KEY_LEN], int *created)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (created)
		*created = 0;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !create)
			return errno == ENOENT ? CN_ENOTFOUND : CN_EIO;
		if ((rc = key_create(path, key)) == 0 && created)
			*created = 1;
		return rc;
	}
	if (st.st_mode & 077) {
		log_warnx("aead: key file %s is readable by others (mode %03o): chmod 600 it",
		          path, (unsigned)(st.st_mode & 0777));
		return CN_EPERM;
	}
	if ((rc = util_read_file(path, 4096, &buf, &len)) != 0)
		return rc;
	if (len != AEAD_KEY_LEN) {
		log_warnx("aead: key file %s holds %zu bytes, not %d", path, len, AEAD_KEY_LEN);
		rc = CN_EINVAL;
	} else {
		memcpy(key, buf, AEAD_KEY_LEN);
	}
	aead_free(buf, len);
	return rc;
}
