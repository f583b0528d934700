// jemalloc's settings for logpipe-shipper, read by jemalloc at start (MALLOC_CONF in the environment
// still overrides them). Linked only when jemalloc is (shipper/CMakeLists.txt).
// One arena (two busy threads; their thread caches absorb the contention) and freed pages given back
// after about a second instead of ten: together ~2 MiB less peak RSS at 100 files (bench/README.md).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's contract
const char* malloc_conf = "narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
