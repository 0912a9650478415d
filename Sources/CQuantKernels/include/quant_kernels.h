#ifndef QUANTSCOPE_QUANT_KERNELS_H
#define QUANTSCOPE_QUANT_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#endif
