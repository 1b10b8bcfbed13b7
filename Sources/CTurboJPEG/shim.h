// TurboJPEG for Swift. Its API reports errors by return code (no longjmp), so it is called directly.
#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
