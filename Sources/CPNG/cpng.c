#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Shared by libpng's error, warning and I/O callbacks. It lives on the heap so that its fields,
// changed between setjmp and longjmp, are well defined on the error path (a non-volatile
// automatic object would not be).
typedef struct {
  int status;        // set by a callback just before png_error, or CPNG_OK
  int error_status;  // the status of a plain libpng error (decode: corrupt; encode: bad argument)
  char *message;
  size_t capacity;
  const uint8_t *data;  // decode: the PNG bytes
  size_t size;
  size_t offset;
  cpng_buffer *out;  // encode: the growing PNG bytes
  char data_warning[160];  // decode: the first warning that the pixel data may be wrong
} cpng_context;

static void say(char *message, size_t capacity, const char *text) {
  if (message != NULL && capacity > 0) snprintf(message, capacity, "%s", text);
}

static void on_error(png_structp png, png_const_charp text) {
  cpng_context *context = (cpng_context *)png_get_error_ptr(png);
  if (context->status == CPNG_OK) context->status = context->error_status;
  say(context->message, context->capacity, text);
  png_longjmp(png, 1);
}

// libpng reports some damage to the image data only as a warning ("benign error"): a zlib
// stream whose check value (Adler-32) is wrong is found only after the last row was returned.
// Such a warning is kept and turned into an error once the image is read; other warnings (extra
// data after the image, ancillary chunks with bad CRCs or profiles) are ignored, as libpng does.
static void note_warning(png_structp png, png_const_charp text) {
  cpng_context *context = (cpng_context *)png_get_error_ptr(png);
  int about_data = strncmp(text, "IDAT", 4) == 0 && strstr(text, "Extra compressed data") == NULL &&
                   strstr(text, "Too much image data") == NULL;
  if (about_data && context->data_warning[0] == '\0')
    snprintf(context->data_warning, sizeof context->data_warning, "%s", text);
}

// When encoding, a warning means libpng dropped something the caller asked for (e.g. a tRNS
// chunk out of range): a test that asked for it must not get a different file silently.
static void fail_on_warning(png_structp png, png_const_charp text) { png_error(png, text); }

static void read_from_memory(png_structp png, png_bytep out, size_t length) {
  cpng_context *context = (cpng_context *)png_get_io_ptr(png);
  if (length > context->size - context->offset) {
    context->status = CPNG_TRUNCATED;
    png_error(png, "the data ends before the image does");
  }
  memcpy(out, context->data + context->offset, length);
  context->offset += length;
}

static void write_to_memory(png_structp png, png_bytep bytes, size_t length) {
  cpng_context *context = (cpng_context *)png_get_io_ptr(png);
  cpng_buffer *buffer = context->out;
  if (length > buffer->capacity - buffer->size) {
    size_t capacity = buffer->capacity > 0 ? buffer->capacity : 4096;
    while (capacity - buffer->size < length) {
      if (capacity > SIZE_MAX / 2) break;
      capacity *= 2;
    }
    uint8_t *grown = capacity - buffer->size >= length ? realloc(buffer->data, capacity) : NULL;
    if (grown == NULL) {
      context->status = CPNG_NO_MEMORY;
      png_error(png, "out of memory");
    }
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->size, bytes, length);
  buffer->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int cpng_decode(const uint8_t *data, size_t size, cpng_image *image, char *message,
                size_t message_capacity) {
  memset(image, 0, sizeof *image);
  say(message, message_capacity, "");
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
    if (size > 0 && size < 8 && png_sig_cmp(data, 0, size) == 0) {
      say(message, message_capacity, "the data ends inside the PNG signature");
      return CPNG_TRUNCATED;
    }
    say(message, message_capacity, "bad PNG signature");
    return CPNG_CORRUPT;
  }
  cpng_context *context = calloc(1, sizeof *context);
  if (context == NULL) {
    say(message, message_capacity, "out of memory");
    return CPNG_NO_MEMORY;
  }
  context->status = CPNG_OK;
  context->error_status = CPNG_CORRUPT;
  context->message = message;
  context->capacity = message_capacity;
  context->data = data;
  context->size = size;
  context->offset = 8;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, context, on_error, note_warning);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info == NULL) {
    png_destroy_read_struct(png != NULL ? &png : NULL, NULL, NULL);
    free(context);
    say(message, message_capacity, "out of memory");
    return CPNG_NO_MEMORY;
  }
  // Buffers allocated after setjmp are held in volatile locals so the error path can free them.
  unsigned char *volatile samples = NULL;
  png_bytep *volatile rows = NULL;
  if (setjmp(png_jmpbuf(png))) {
    free(samples);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    int status = context->status;
    free(context);
    return status;
  }
  png_set_read_fn(png, context, read_from_memory);
  png_set_sig_bytes(png, 8);
  png_set_user_limits(png, 1u << 24, 1u << 24);
  png_read_info(png, info);

  int color_type = png_get_color_type(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  int interlace = png_get_interlace_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (bit_depth == 16) png_set_swap(png);  // PNG stores big-endian samples
#endif
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  size_t row_bytes = png_get_rowbytes(png, info);
  if (height == 0 || row_bytes == 0 || row_bytes > CPNG_MAX_SAMPLE_BYTES / height) {
    char text[96];
    snprintf(text, sizeof text, "the image is too large to decode (%u x %u pixels)",
             (unsigned)width, (unsigned)height);
    context->status = CPNG_TOO_LARGE;
    png_error(png, text);
  }
  samples = malloc(row_bytes * height);
  rows = malloc(sizeof(png_bytep) * height);
  if (samples == NULL || rows == NULL) {
    context->status = CPNG_NO_MEMORY;
    png_error(png, "out of memory");
  }
  for (png_uint_32 y = 0; y < height; y++) rows[y] = samples + (size_t)y * row_bytes;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  if (context->data_warning[0] != '\0') png_error(png, context->data_warning);

  image->width = width;
  image->height = height;
  image->channels = png_get_channels(png, info);
  image->bit_depth = png_get_bit_depth(png, info);
  image->source_color_type = color_type;
  image->source_bit_depth = bit_depth;
  image->interlaced = interlace != PNG_INTERLACE_NONE;
  image->samples = samples;
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  free(context);
  return CPNG_OK;
}

void cpng_image_free(cpng_image *image) {
  free(image->samples);
  image->samples = NULL;
}

static int channels_of(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
  }
}

static int refuse(char *message, size_t capacity, const char *text) {
  say(message, capacity, text);
  return CPNG_INVALID_ARGUMENT;
}

int cpng_encode(const cpng_encode_options *options, cpng_buffer *png_out, char *message,
                size_t message_capacity) {
  say(message, message_capacity, "");
  int channels = channels_of(options->color_type);
  int depth = options->bit_depth;
  if (channels == 0) return refuse(message, message_capacity, "unknown PNG colour type");
  if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16)
    return refuse(message, message_capacity, "bit depth must be 1, 2, 4, 8 or 16");
  if (options->samples == NULL || options->width == 0 || options->height == 0)
    return refuse(message, message_capacity, "no samples to encode");
  if (options->palette_entries < 0 || options->palette_entries > 256 ||
      options->palette_alpha_entries < 0 ||
      options->palette_alpha_entries > options->palette_entries)
    return refuse(message, message_capacity, "palette and tRNS counts out of range");
  size_t sample_bytes = depth == 16 ? 2 : 1;
  size_t row_bytes = (size_t)options->width * (size_t)channels * sample_bytes;
  if (row_bytes / sample_bytes / (size_t)channels != options->width ||
      row_bytes > CPNG_MAX_SAMPLE_BYTES / options->height)
    return refuse(message, message_capacity, "the image is too large to encode");

  cpng_context *context = calloc(1, sizeof *context);
  if (context == NULL) {
    say(message, message_capacity, "out of memory");
    return CPNG_NO_MEMORY;
  }
  context->status = CPNG_OK;
  context->error_status = CPNG_INVALID_ARGUMENT;
  context->message = message;
  context->capacity = message_capacity;
  context->out = png_out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, context, on_error,
                                            fail_on_warning);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info == NULL) {
    png_destroy_write_struct(png != NULL ? &png : NULL, NULL);
    free(context);
    say(message, message_capacity, "out of memory");
    return CPNG_NO_MEMORY;
  }
  unsigned char *volatile bytes = NULL;
  png_bytep *volatile rows = NULL;
  if (setjmp(png_jmpbuf(png))) {
    free(bytes);
    free(rows);
    png_destroy_write_struct(&png, &info);
    cpng_buffer_free(png_out);
    int status = context->status;
    free(context);
    return status;
  }
  uint32_t height = options->height;
  bytes = malloc(row_bytes * height);
  rows = malloc(sizeof(png_bytep) * height);
  if (bytes == NULL || rows == NULL) {
    context->status = CPNG_NO_MEMORY;
    png_error(png, "out of memory");
  }
  // Lay the samples out as PNG rows: one byte per sample (libpng packs depths below 8), or two
  // big-endian bytes per 16-bit sample.
  size_t sample_count = row_bytes / sample_bytes * height;
  if (depth == 16) {
    const uint16_t *source = (const uint16_t *)options->samples;
    for (size_t i = 0; i < sample_count; i++) {
      bytes[2 * i] = (unsigned char)(source[i] >> 8);
      bytes[2 * i + 1] = (unsigned char)(source[i] & 0xff);
    }
  } else {
    memcpy(bytes, options->samples, sample_count);
  }
  for (uint32_t y = 0; y < height; y++) rows[y] = bytes + (size_t)y * row_bytes;

  png_set_write_fn(png, context, write_to_memory, flush_nothing);
  png_set_IHDR(png, info, options->width, height, depth, options->color_type,
               options->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (options->color_type == PNG_COLOR_TYPE_PALETTE) {
    png_color colors[256];
    int entries = options->palette_entries;
    if (options->palette == NULL || entries == 0) png_error(png, "a palette image needs a palette");
    for (int i = 0; i < entries; i++) {
      colors[i].red = options->palette[3 * i];
      colors[i].green = options->palette[3 * i + 1];
      colors[i].blue = options->palette[3 * i + 2];
    }
    png_set_PLTE(png, info, colors, entries);
    if (options->palette_alpha != NULL && options->palette_alpha_entries > 0)
      png_set_tRNS(png, info, options->palette_alpha, options->palette_alpha_entries, NULL);
  } else if (options->has_transparent_color) {
    png_color_16 color;
    memset(&color, 0, sizeof color);
    color.gray = options->transparent_color[0];
    color.red = options->transparent_color[0];
    color.green = options->transparent_color[1];
    color.blue = options->transparent_color[2];
    png_set_tRNS(png, info, NULL, 0, &color);
  }
  png_write_info(png, info);
  if (depth < 8) png_set_packing(png);
  png_write_image(png, rows);
  png_write_end(png, info);

  free(bytes);
  free(rows);
  png_destroy_write_struct(&png, &info);
  free(context);
  return CPNG_OK;
}

void cpng_buffer_free(cpng_buffer *buffer) {
  free(buffer->data);
  buffer->data = NULL;
  buffer->size = 0;
  buffer->capacity = 0;
}
