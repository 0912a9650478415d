// dyn8's bucket tables (kernels_internal.h): built once from the midpoints of quant_tables.h, in
// plain C, read by the AVX2 tier (`qs_dyn8_bucket_table`, two gathers per element) and the
// AVX-512 tiers (`qs_dyn8_packed_table`, one gather). Not a tier itself: no intrinsics here.
#include "kernels_internal.h"
#include <pthread.h>

// MARK: - Bucket bases

static uint8_t qs_dyn8_bucket_base[QS_DYN8_BUCKETS + 4];
static int qs_dyn8_bucket_slow_any = 0;
static pthread_once_t qs_dyn8_bucket_once = PTHREAD_ONCE_INIT;

static unsigned qs_midpoints_below(float x) {
  unsigned count = 0;
  for (int i = 0; i < 255; i++) count += QS_DYN8_MIDPOINTS[i] < x;
  return count;
}

static unsigned qs_midpoints_at_or_below(float x) {
  unsigned count = 0;
  for (int i = 0; i < 255; i++) count += QS_DYN8_MIDPOINTS[i] <= x;
  return count;
}

static void qs_dyn8_bucket_build(void) {
  for (uint32_t bucket = 0; bucket < QS_DYN8_BUCKETS; bucket++) {
    uint32_t first = bucket << 17, last = first | 0x1ffffu;
    // Positive buckets run upwards from `first`; negative ones downwards (larger bits = more negative).
    float low = (bucket & 0x4000u) ? qs_from_bits(last) : qs_from_bits(first);
    float high = (bucket & 0x4000u) ? qs_from_bits(first) : qs_from_bits(last);
    unsigned base = low != low ? 0 : qs_midpoints_below(low);
    unsigned top = high != high ? base : qs_midpoints_at_or_below(high);
    if (low != low || high != high) top = base;  // NaN buckets: codes unspecified (NaN metrics)
    if (top > base + 1 || base > 255) {
      qs_dyn8_bucket_base[bucket] = QS_DYN8_BUCKET_SLOW;
      qs_dyn8_bucket_slow_any = 1;
    } else {
      // base 255 (above every midpoint) is stored as 254 with m_254 < x, giving 255 below.
      qs_dyn8_bucket_base[bucket] = (uint8_t)(base == 255 ? 254 : base);
    }
  }
}

const uint8_t *qs_dyn8_bucket_table(int *slow_any) {
  pthread_once(&qs_dyn8_bucket_once, qs_dyn8_bucket_build);
  *slow_any = qs_dyn8_bucket_slow_any;
  return qs_dyn8_bucket_base;
}

// MARK: - Packed entries (one gather per element)

static uint32_t qs_dyn8_packed[QS_DYN8_BUCKETS];
static pthread_once_t qs_dyn8_packed_once = PTHREAD_ONCE_INIT;

/// Entries by bucket: x > m is decided on the low 17 bits, larger for positive buckets, smaller
/// for negative ones.
static void qs_dyn8_packed_build(void) {
  int slow_any = 0;
  const uint8_t *base = qs_dyn8_bucket_table(&slow_any);
  for (uint32_t bucket = 0; bucket < QS_DYN8_BUCKETS; bucket++) {
    uint32_t b = base[bucket];
    if (b == QS_DYN8_BUCKET_SLOW) {
      qs_dyn8_packed[bucket] = QS_DYN8_PACKED_SLOW;
      continue;
    }
    uint32_t m = qs_bits(QS_DYN8_MIDPOINTS[b]);
    if ((m >> 17) == bucket) {
      qs_dyn8_packed[bucket] = b | 1u << 8 | (m & 0x1ffffu) << 9;
    } else {
      // No midpoint here: x > m_b is the same for every x of the bucket (the first one stands
      // for all; a NaN bucket gives b + 0, as the other tiers).
      float x = qs_from_bits(bucket << 17);
      qs_dyn8_packed[bucket] = b + (x > QS_DYN8_MIDPOINTS[b] ? 1u : 0u);
    }
  }
}

const uint32_t *qs_dyn8_packed_table(void) {
  pthread_once(&qs_dyn8_packed_once, qs_dyn8_packed_build);
  return qs_dyn8_packed;
}
