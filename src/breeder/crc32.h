/* crc32 — the CRC-32 of zlib, PNG and gzip (IEEE 802.3, reflected polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF), used for the
 * checksums of checkpoint files. crc32("123456789") = 0xCBF43926.
 *
 * Incremental: crc32_update(crc32_update(0, a, n), b, m) equals the CRC of
 * a followed by b; start from 0. The table is a constant: no global state. */
#ifndef OGAS_BREEDER_CRC32_H
#define OGAS_BREEDER_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#endif
