#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *message;
  size_t capacity;
} error_sink;

static void on_error(png_structp png, png_const_charp text) {
  error_sink *sink = (error_sink *)png_get_error_ptr(png);
  if (sink != NULL && sink->message != NULL && sink->capacity > 0) {
    snprintf(sink->message, sink->capacity, "%s", text);
  }
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static void say(char *message, size_t capacity, const char *text) {
  if (message != NULL && capacity > 0) snprintf(message, capacity, "%s", text);
}

int cpng_read(const char *path, cpng_image *image, char *message, size_t message_capacity) {
  memset(image, 0, sizeof *image);
  error_sink sink = {message, message_capacity};
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    say(message, message_capacity, "cannot open the file for reading");
    return -1;
  }
  unsigned char signature[8];
  size_t got = fread(signature, 1, 8, file);
  if (got == 0) {
    fclose(file);
    say(message, message_capacity, "the file is empty");
    return -1;
  }
  if (got < 8 || png_sig_cmp(signature, 0, 8) != 0) {
    fclose(file);
    say(message, message_capacity, "not a PNG file (bad signature)");
    return -1;
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  if (png == NULL) {
    fclose(file);
    say(message, message_capacity, "out of memory");
    return -1;
  }
  png_infop info = png_create_info_struct(png);
  // Everything allocated after setjmp lives in volatile locals so the error path can free it.
  unsigned char *volatile samples = NULL;
  png_bytep *volatile rows = NULL;
  if (info == NULL || setjmp(png_jmpbuf(png))) {
    free(samples);
    free(rows);
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    fclose(file);
    if (info == NULL) say(message, message_capacity, "out of memory");
    return -1;
  }
  png_init_io(png, file);
  png_set_sig_bytes(png, 8);
  png_set_user_limits(png, 65536, 65536);
  png_read_info(png, info);

  int color_type = png_get_color_type(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  int interlace = png_get_interlace_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_swap(png);  // PNG stores big-endian; hand back host order (x86)
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  int channels = png_get_channels(png, info);
  int out_depth = png_get_bit_depth(png, info);
  size_t row_bytes = png_get_rowbytes(png, info);
  samples = malloc(row_bytes * height);
  rows = malloc(sizeof(png_bytep) * height);
  if (samples == NULL || rows == NULL) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < height; y++) rows[y] = samples + y * row_bytes;
  png_read_image(png, rows);
  png_read_end(png, NULL);

  image->width = width;
  image->height = height;
  image->channels = channels;
  image->bit_depth = out_depth;
  image->interlaced = interlace != PNG_INTERLACE_NONE;
  image->color_type = color_type;
  image->samples = samples;
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(file);
  return 0;
}

void cpng_free(cpng_image *image) {
  free(image->samples);
  image->samples = NULL;
}

int cpng_write_rgb8(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                    char *message, size_t message_capacity) {
  error_sink sink = {message, message_capacity};
  FILE *file = fopen(path, "wb");
  if (file == NULL) {
    say(message, message_capacity, "cannot open the file for writing");
    return -1;
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  png_bytep *volatile rows = NULL;
  if (png == NULL || info == NULL) {
    png_destroy_write_struct(png ? &png : NULL, NULL);
    fclose(file);
    say(message, message_capacity, "out of memory");
    return -1;
  }
  if (setjmp(png_jmpbuf(png))) {
    free(rows);
    png_destroy_write_struct(&png, &info);
    fclose(file);
    return -1;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  rows = malloc(sizeof(png_bytep) * height);
  if (rows == NULL) png_error(png, "out of memory");
  for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(rgb + (size_t)y * width * 3);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  free(rows);
  png_destroy_write_struct(&png, &info);
  if (fclose(file) != 0) {
    say(message, message_capacity, "cannot finish writing the file (disk full?)");
    return -1;
  }
  return 0;
}
