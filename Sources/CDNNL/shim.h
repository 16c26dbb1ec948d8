// oneDNN (Debian: libdnnl-dev, which ships no pkg-config file) for the engine's bf16 prefill products.
// Debian's oneDNN runs its parallel regions on OpenMP (libgomp); a region uses as many threads as the calling
// thread's OpenMP setting, which these two functions read and set (declared here: clang has no omp.h).
#pragma once
#include <oneapi/dnnl/dnnl.h>

int omp_get_max_threads(void);
void omp_set_num_threads(int);

// DNNL_MEMORY_ALLOCATE is a pointer-valued macro, which Swift does not import.
static inline void *dispo_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
