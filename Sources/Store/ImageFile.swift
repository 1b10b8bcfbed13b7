#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// File access for image I/O, in POSIX terms so that each failure maps to a precise `ImageError`
// (missing file vs permission vs directory) and a write can be made atomic.

/// The largest image file `readImageFile` reads: 1 GiB.
let maximumImageFileBytes = 1 << 30

/// The text of an `errno` value, e.g. "Permission denied".
func systemMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}

/// Reads the whole regular file at `path`; every failure is an `ImageError` naming `path`.
func readImageFile(path: String) throws(ImageError) -> [UInt8] {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else {
    let code = errno
    switch code {
    case ENOENT: throw .missingFile(path: path)
    case ENOTDIR:
      throw .unreadable(path: path, reason: "a component of the path is not a directory")
    case EACCES, EPERM: throw .unreadable(path: path, reason: "permission denied")
    default: throw .unreadable(path: path, reason: systemMessage(code))
    }
  }
  defer { close(descriptor) }
  var status = stat()
  guard fstat(descriptor, &status) == 0 else {
    throw .unreadable(path: path, reason: systemMessage(errno))
  }
  switch status.st_mode & S_IFMT {
  case S_IFREG: break
  case S_IFDIR: throw .unreadable(path: path, reason: "it is a directory, not a file")
  default: throw .unreadable(path: path, reason: "it is not a regular file")
  }
  let size = Int(status.st_size)
  if size == 0 { throw .emptyFile(path: path) }
  if size > maximumImageFileBytes {
    throw .unsupported(
      path: path, detail: "the file is too large (\(size) bytes; the limit is 1 GiB)")
  }
  var bytes = [UInt8](repeating: 0, count: size)
  var filled = 0
  var failure: Int32 = 0
  bytes.withUnsafeMutableBytes { buffer in
    guard let base = buffer.baseAddress else { return }
    while filled < size {
      let count = read(descriptor, base + filled, size - filled)
      if count > 0 {
        filled += count
      } else if count == 0 {
        return  // the file shrank while being read: decode what is there
      } else if errno != EINTR {
        failure = errno
        return
      }
    }
  }
  if failure != 0 { throw .unreadable(path: path, reason: systemMessage(failure)) }
  if filled == 0 { throw .emptyFile(path: path) }
  return filled < size ? Array(bytes[..<filled]) : bytes
}

/// `path` split into its directory ("." when it has none) and its last component.
func splitPath(_ path: String) -> (directory: String, name: String) {
  guard let slash = path.lastIndex(of: "/") else { return (".", path) }
  let directory = slash == path.startIndex ? "/" : String(path[..<slash])
  return (directory, String(path[path.index(after: slash)...]))
}

/// Why a file cannot be created in `directory`, from the `errno` of the failed creation.
private func creationFailure(_ code: Int32, directory: String) -> String {
  switch code {
  case ENOENT: return "the directory \(directory) does not exist"
  case ENOTDIR: return "\(directory) is not a directory"
  case EACCES, EPERM: return "permission denied in the directory \(directory)"
  case EROFS: return "the directory \(directory) is on a read-only file system"
  default: return systemMessage(code)
  }
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. A crash leaves either the old file or the new one, never a
/// partial image (at worst a stray `.NAME.tmp-XXXXXX` file). The new file has mode 0644.
func writeFileAtomically(_ bytes: [UInt8], path: String) throws(ImageError) {
  let (directory, name) = splitPath(path)
  if name.isEmpty || name == "." || name == ".." {
    throw .unwritable(path: path, reason: "the path names a directory, not a file")
  }
  var existing = stat()
  if stat(path, &existing) == 0 && existing.st_mode & S_IFMT == S_IFDIR {
    throw .unwritable(path: path, reason: "it is a directory")
  }
  var template = Array("\(directory)/.\(name).tmp-XXXXXX".utf8CString)
  let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
    guard let base = buffer.baseAddress else { return -1 }
    return mkstemp(base)
  }
  guard descriptor >= 0 else {
    throw .unwritable(path: path, reason: creationFailure(errno, directory: directory))
  }
  let temporaryPath = String(
    decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  var renamed = false
  defer { if !renamed { unlink(temporaryPath) } }

  var failure: Int32 = 0
  bytes.withUnsafeBytes { buffer in
    guard let base = buffer.baseAddress else { return }
    var written = 0
    while written < buffer.count {
      let count = write(descriptor, base + written, buffer.count - written)
      if count >= 0 {
        written += count
      } else if errno != EINTR {
        failure = errno
        return
      }
    }
  }
  if failure == 0 && fchmod(descriptor, 0o644) != 0 { failure = errno }
  if failure == 0 && fsync(descriptor) != 0 { failure = errno }
  if close(descriptor) != 0 && failure == 0 { failure = errno }
  if failure != 0 {
    throw .unwritable(path: path, reason: systemMessage(failure))
  }
  guard rename(temporaryPath, path) == 0 else {
    throw .unwritable(path: path, reason: systemMessage(errno))
  }
  renamed = true
  // Make the rename itself durable; a failure here loses nothing already written.
  let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
  if directoryDescriptor >= 0 {
    _ = fsync(directoryDescriptor)
    close(directoryDescriptor)
  }
}
