// HDF5 for Swift: the C API plus static inline wrappers for the macros that do not import
// (they expand through H5open() or casts). See ../../../shared/PLATFORM.md.
#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H
#include <hdf5.h>
#include <stdio.h>

static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hsize_t chdf5_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
static inline herr_t chdf5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }

/// Collects the descriptions on the current thread's HDF5 error stack, outermost first.
typedef struct chdf5_error_text {
  char *buffer;
  size_t size;
  size_t used;
} chdf5_error_text;

static inline herr_t chdf5_error_walker(unsigned n, const H5E_error2_t *entry, void *data) {
  chdf5_error_text *text = (chdf5_error_text *)data;
  char minor[160] = "";
  (void)n;
  if (text->used + 1 >= text->size) return 0;
  H5Eget_msg(entry->min_num, NULL, minor, sizeof minor);
  int written = snprintf(text->buffer + text->used, text->size - text->used, "%s%s%s%s%s",
                         text->used > 0 ? "; " : "", entry->desc ? entry->desc : "",
                         minor[0] ? " (" : "", minor, minor[0] ? ")" : "");
  if (written > 0) text->used += (size_t)written;
  if (text->used >= text->size) text->used = text->size - 1;
  return 0;
}

/// Writes the current thread's HDF5 error stack into `buffer` ("" when empty) and clears it.
static inline void chdf5_error_stack_text(char *buffer, size_t size) {
  chdf5_error_text text = {buffer, size, 0};
  if (size == 0) return;
  buffer[0] = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, chdf5_error_walker, &text);
  H5Eclear2(H5E_DEFAULT);
}
#endif
