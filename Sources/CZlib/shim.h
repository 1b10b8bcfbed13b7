// zlib for Swift: the C API plus static inline wrappers for the macros that do not import
// (inflateInit2 expands to inflateInit2_ with the library version and the stream size).
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

// Starts a raw deflate stream (no zlib or gzip header), as stored in zip entries (method 8).
static inline int czlib_inflate_init_raw(z_streamp stream) {
  return inflateInit2(stream, -MAX_WBITS);
}
#endif
