// jemalloc's settings for logpipe-shipper, read by jemalloc at start (MALLOC_CONF in the environment
// still overrides them). Linked only when jemalloc is (shipper/CMakeLists.txt).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's contract
const char* malloc_conf = "";
}
