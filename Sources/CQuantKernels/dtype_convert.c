#include "quant_kernels.h"
