/*
 * aead: AES-256-GCM boxes for data at rest (OpenSSL EVP).
 *
 * A box is nonce (12 random bytes) | ciphertext | tag (16 bytes): AEAD_OVERHEAD
 * bytes longer than the plaintext. The associated data is authenticated, not
 * stored: open must be given the same bytes seal was (records use the
 * record id and version, so a box moved to another record does not open).
 * Keys are 32 bytes; aead_key_load keeps one in a file of its own, mode 0600.
 *
 * Thread: any. Errors: CN_ENOMEM, CN_ECRYPTO (OpenSSL failed; its error
 * queue is logged), CN_EVERIFY (open: wrong key, data or tampered box),
 * CN_EINVAL (a box shorter than AEAD_OVERHEAD), for the key file CN_EIO,
 * CN_EPERM (mode looser than 0600), CN_EINVAL (not 32 bytes).
 * Memory: *out is malloc'd, the caller frees it (the plaintext of open with
 * aead_free, which wipes it first).
 */
#ifndef CARENET_AEAD_H
#define CARENET_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN 32
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16
#define AEAD_OVERHEAD (AEAD_NONCE_LEN + AEAD_TAG_LEN)

int aead_seal(const uint8_t key[AEAD_KEY_LEN], const void *ad, size_t adlen, const void *pt,
              size_t ptlen, uint8_t **out, size_t *outlen);
int aead_open(const uint8_t key[AEAD_KEY_LEN], const void *ad, size_t adlen, const uint8_t *box,
              size_t boxlen, uint8_t **out, size_t *outlen);
/* Wipes and frees a plaintext from aead_open (NULL is fine). */
void aead_free(uint8_t *pt, size_t len);

/* Reads the 32-byte key in path; if the file does not exist and create is
 * set, makes a random key and writes it (0600, exclusive). *created says
 * which happened (may be NULL). */
int aead_key_load(const char *path, int create, uint8_t key[AEAD_KEY_LEN], int *created);

#endif
