// Generated-file style: one head_dim per file so the instantiations compile in parallel; the files differ only in D.
#include "attention/attention.cuh"
#include "attention/attention_launch.h"

template void esm2j::attention::attention_forward<24>(const esm2j_attention_params &p);
