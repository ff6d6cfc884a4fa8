#pragma once
#include <cblas.h>
// OpenBLAS extensions (declared in openblas_config.h / cblas.h of OpenBLAS builds).
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
char* openblas_get_corename(void);
char* openblas_get_config(void);
