// libpng's low-level API behind setjmp, so that Swift never sees a longjmp.
//
// libpng's simplified API (png_image_*) converts 16-bit samples as linear light and composites alpha
// in linear light; these functions return the stored samples unchanged instead (PLATFORM.md).
#ifndef CPNG_H
#define CPNG_H
#include <stddef.h>
#include <stdint.h>

/// A decoded PNG: `height` rows of `width` pixels of `channels` samples (1 gray, 2 gray+alpha,
/// 3 RGB, 4 RGBA), each sample `bit_depth` bits (8 or 16; 16-bit samples are in host byte order).
/// Palette images are expanded to RGB(A), gray below 8 bits to 8 bits, tRNS chunks to alpha.
typedef struct {
  uint32_t width;
  uint32_t height;
  int channels;
  int bit_depth;
  int interlaced;
  int color_type;
  void *samples;
} cpng_image;

/// Decodes the PNG file at `path` into `image`. Returns 0 on success; otherwise -1, with a message
/// (without the path) in `message`, and `image->samples` left NULL.
int cpng_read(const char *path, cpng_image *image, char *message, size_t message_capacity);

/// Frees the samples of an image filled by `cpng_read`.
void cpng_free(cpng_image *image);

/// Writes an 8-bit RGB PNG of `height` rows of `width` pixels (`rgb` holds 3 * width * height
/// bytes, row-major, interleaved). Returns 0 on success; otherwise -1 and a message.
int cpng_write_rgb8(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                    char *message, size_t message_capacity);
#endif
