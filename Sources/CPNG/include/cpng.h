// libpng's low-level API behind setjmp, so that Swift never sees a longjmp.
//
// libpng's simplified API (png_image_*) converts 16-bit samples as linear light and composites alpha
// in linear light; these functions hand back the stored samples unchanged instead (PLATFORM.md).
// Both directions work on memory: the Swift caller reads and writes the files, so that file errors
// (missing, permission, directory) and atomic replacement are handled in one place.
#ifndef CPNG_H
#define CPNG_H
#include <stddef.h>
#include <stdint.h>

/// Status codes of `cpng_decode` and `cpng_encode`.
enum {
  CPNG_OK = 0,
  /// The data ended before the image did.
  CPNG_TRUNCATED = 1,
  /// Bad signature, bad CRC of a critical chunk, bad zlib stream, bad header values.
  CPNG_CORRUPT = 2,
  /// Width * height * channels * bytes per sample above `CPNG_MAX_SAMPLE_BYTES`.
  CPNG_TOO_LARGE = 3,
  CPNG_NO_MEMORY = 4,
  /// `cpng_encode` was given an invalid combination (libpng's message says which).
  CPNG_INVALID_ARGUMENT = 5
};

/// The largest decoded image `cpng_decode` accepts, in bytes of samples (1 GiB).
#define CPNG_MAX_SAMPLE_BYTES ((size_t)1 << 30)

/// A decoded PNG: `height` rows of `width` pixels of `channels` samples (1 gray, 2 gray+alpha,
/// 3 RGB, 4 RGBA), each sample `bit_depth` bits (8: `uint8_t`; 16: `uint16_t` in host byte order).
/// Palette images are expanded to RGB(A), gray below 8 bits is scaled to 8 bits (1 -> 255 for
/// 1-bit), tRNS chunks become an alpha channel. No gamma or colour conversion is applied.
typedef struct {
  uint32_t width;
  uint32_t height;
  int channels;
  int bit_depth;
  /// The file's own colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA) and bit depth.
  int source_color_type;
  int source_bit_depth;
  int interlaced;
  void *samples;
} cpng_image;

/// Decodes the PNG held in `data[0 ..< size]` (signature included) into `image`.
/// Returns `CPNG_OK`, or another status with a message (naming no file) in `message`, and
/// `image->samples` left NULL. Never longjmps into the caller.
int cpng_decode(const uint8_t *data, size_t size, cpng_image *image, char *message,
                size_t message_capacity);

/// Frees the samples of an image filled by `cpng_decode`.
void cpng_image_free(cpng_image *image);

/// What `cpng_encode` writes: any colour type, bit depth, interlacing, palette and tRNS chunk,
/// so that tests can create every PNG flavour.
typedef struct {
  uint32_t width;
  uint32_t height;
  /// PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
  int color_type;
  /// 1, 2, 4, 8 or 16, as the PNG specification allows for `color_type`.
  int bit_depth;
  /// Nonzero for Adam7 interlacing.
  int interlaced;
  /// Row-major, interleaved samples (palette indices for colour type 3): one `uint8_t` per sample
  /// for bit depths up to 8 (unpacked; values below 2^bit_depth), one `uint16_t` (host order) for 16.
  const void *samples;
  /// Colour type 3: `palette_entries` RGB triples (1 to 256).
  const uint8_t *palette;
  int palette_entries;
  /// Optional tRNS chunk for colour type 3: one alpha per palette entry, `palette_alpha_entries`
  /// of them (0 for none).
  const uint8_t *palette_alpha;
  int palette_alpha_entries;
  /// Optional tRNS chunk for colour types 0 and 2: the fully transparent gray value (element 0) or
  /// RGB colour, used when `has_transparent_color` is nonzero.
  int has_transparent_color;
  uint16_t transparent_color[3];
} cpng_encode_options;

/// A growable byte buffer owned by the C side; free it with `cpng_buffer_free`.
typedef struct {
  uint8_t *data;
  size_t size;
  size_t capacity;
} cpng_buffer;

/// Encodes an image described by `options` as a PNG file's bytes into `png` (which must start
/// zeroed). Returns `CPNG_OK`, or another status with a message in `message` and `png` freed.
int cpng_encode(const cpng_encode_options *options, cpng_buffer *png, char *message,
                size_t message_capacity);

/// Frees the bytes of a buffer filled by `cpng_encode`.
void cpng_buffer_free(cpng_buffer *buffer);
#endif
