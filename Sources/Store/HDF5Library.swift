@preconcurrency import CHDF5
import Foundation

/// Process-wide HDF5 setup, and the one place where C return values become thrown errors.
///
/// HDF5 1.10 (Debian's thread-safe build) keeps its error stack and its automatic error printer
/// per thread, so every checked call first silences the printer on the calling thread: errors
/// reach the user once, as a `StoreError`, never as HDF5's stack dump on stderr.
enum HDF5Library {
  /// `H5open()` once: the library's `*_g` type globals read -1 before it.
  ///
  /// `H5dont_atexit()` first: HDF5's exit handler closes the files still open, and on a file
  /// whose write failed (a full disk: the failed flush leaves the file half-closed) HDF5 1.10.8
  /// dereferences a null pointer in `H5F__close_cb`, turning one clear error into a segfault at
  /// exit. The handler is not needed: every file is closed explicitly (or by `HDF5File`'s
  /// deinit), and the stores are safe against exits without any handler (kill -9, tested).
  private static let isOpen: Bool = {
    _ = H5dont_atexit()
    return H5open() >= 0
  }()

  /// Opens the library (once) and turns off HDF5's error printer on the calling thread.
  static func prepareThread() {
    _ = isOpen
    _ = chdf5_silence_errors()
  }

  /// The innermost (most specific) entry of HDF5's error stack on this thread, e.g.
  /// `truncated file: eof = 2048, ... (File accessibility)`; clears the stack.
  static func takeErrorText() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    chdf5_error_stack_text(&buffer, buffer.count)
    let entries = string(fromNullTerminated: buffer).components(separatedBy: "; ")
    return concise(entries.last ?? "")
  }

  /// A failed system call's entry reduced to its cause: HDF5's `file write failed: time = ...,
  /// filename = ..., errno = 28, error message = 'No space left on device', buf = ...` (several
  /// lines) becomes `file write failed: No space left on device`; other entries are kept, on one
  /// line.
  static func concise(_ entry: String) -> String {
    let line = entry.split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    guard let start = line.range(of: "error message = '"),
      let end = line[start.upperBound...].firstIndex(of: "'")
    else { return line }
    let what = line.components(separatedBy: ": time = ").first.flatMap {
      $0.count < line.count ? $0 : nil
    }
    let cause = String(line[start.upperBound..<end])
    return what.map { "\($0): \(cause)" } ?? cause
  }

  /// The `H5P_DEFAULT` property list.
  static var defaultList: hid_t { chdf5_default() }
}

/// The text before the first NUL of a C character buffer, decoded as UTF-8.
func string(fromNullTerminated buffer: [CChar]) -> String {
  let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}

/// Where an HDF5 call operates, for error messages: the file's name and the path inside it.
struct HDF5Location {
  /// The file name as the user gave it.
  var file: String
  /// The absolute HDF5 path (`/metrics/train`).
  var path: String
}

/// Runs the HDF5 call `body` with the printer silenced, and throws `StoreError.hdf5` naming
/// `operation` and `location` (with HDF5's own error stack) when it returns a negative value.
@discardableResult
func hdf5Check<Result: BinaryInteger>(
  _ operation: @autoclosure () -> String, at location: HDF5Location, _ body: () -> Result
) throws -> Result {
  HDF5Library.prepareThread()
  let result = body()
  if result < 0 {
    throw StoreError.hdf5(
      file: location.file, path: location.path, operation: operation(),
      detail: HDF5Library.takeErrorText())
  }
  return result
}

/// Closes an HDF5 identifier whose error, if any, can no longer be reported (deinit, cleanup).
func hdf5CloseQuietly(_ id: hid_t, _ close: (hid_t) -> herr_t) {
  HDF5Library.prepareThread()
  if close(id) < 0 { _ = HDF5Library.takeErrorText() }
}

/// Joins `path` onto the absolute path `base`; a `path` starting with `/` is already absolute.
/// Empty components and `.` are dropped: `join("/a", "b/./c/")` is `/a/b/c`.
func joinPath(_ base: String, _ path: String) -> String {
  let start = path.hasPrefix("/") ? [] : base.split(separator: "/")
  let parts = (start + path.split(separator: "/")).filter { $0 != "." }
  return "/" + parts.joined(separator: "/")
}
