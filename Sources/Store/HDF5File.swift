@preconcurrency import CHDF5

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open HDF5 file: the root of the run store (`store.h5`, checkpoints, imported weights).
///
/// ```swift
/// let file = try HDF5File.create("run.h5")
/// try file.root.write(weight, to: "weights/conv1_1/weight")
/// try file.root.setAttribute("experiment", .string(json))
/// try file.close()
/// ```
///
/// Files are written in HDF5's default (oldest compatible) format, which h5py and every HDF5
/// since 1.8 read, and which has no "open for writing" flag that a killed process would leave set.
/// Closing is strong: `close()` closes every group and dataset of the file too, so the file is
/// complete on disk when `close()` returns. Keep a single writer per file.
public final class HDF5File {
  /// How an existing file is opened.
  public enum Mode: Sendable {
    /// Read only. The file lock is not taken, so the store of a running job can be inspected;
    /// what is read is the state at the writer's last flush.
    case readOnly
    /// Read and write, holding HDF5's file lock.
    case readWrite
  }

  /// The file's path as given by the caller (used in every error message).
  public let path: String
  /// Whether the file was opened for writing.
  public let isWritable: Bool
  /// The open metric tables, flushed before the file is.
  var tables: [WeakTable] = []
  private(set) var id: hid_t
  private var isClosed = false

  private init(id: hid_t, path: String, isWritable: Bool) {
    self.id = id
    self.path = path
    self.isWritable = isWritable
  }

  deinit {
    if !isClosed {
      for table in tables { try? table.table?.writePendingRows() }
      hdf5CloseQuietly(id, H5Fclose)
    }
  }

  /// Creates a new, empty file at `path`. Throws `alreadyExists` if a file is there, unless
  /// `overwrite` is true (then the old file is truncated).
  public static func create(_ path: String, overwrite: Bool = false) throws -> HDF5File {
    let location = HDF5Location(file: path, path: "/")
    if !overwrite && fileExists(path) { throw StoreError.alreadyExists(file: path, path: "/") }
    let access = try makeAccessList(lockingFile: true, writing: true, at: location)
    defer { H5Pclose(access) }
    let creation = try hdf5Check("creating a file-creation list", at: location) {
      H5Pcreate(chdf5_p_file_create())
    }
    defer { H5Pclose(creation) }
    try HDF5Layout.sizeGroup(creation, children: HDF5Layout.rootChildren, at: location)
    let flags = overwrite ? chdf5_acc_trunc() : chdf5_acc_excl()
    let id = try hdf5Check("creating the file", at: location) {
      H5Fcreate(path, flags, creation, access)
    }
    return HDF5File(id: id, path: path, isWritable: true)
  }

  /// Opens the existing HDF5 file at `path`. Throws `fileNotFound` if there is none, `notHDF5`
  /// if it lacks the HDF5 signature (empty, truncated at the start, another format) and `damaged`
  /// if a global heap collection would crash or hang libhdf5 (`HDF5GlobalHeapCheck`).
  public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
    let location = HDF5Location(file: path, path: "/")
    guard fileExists(path) else { throw StoreError.fileNotFound(file: path) }
    if let reason = notHDF5Reason(path) { throw StoreError.notHDF5(file: path, reason: reason) }
    if let problem = HDF5GlobalHeapCheck.problem(inFileAt: path) {
      throw StoreError.damaged(file: path, detail: problem)
    }
    let access = try makeAccessList(
      lockingFile: mode == .readWrite, writing: mode == .readWrite, at: location)
    defer { H5Pclose(access) }
    let flags = mode == .readWrite ? chdf5_acc_rdwr() : chdf5_acc_rdonly()
    let id = try hdf5Check("opening the file", at: location) { H5Fopen(path, flags, access) }
    let file = HDF5File(id: id, path: path, isWritable: mode == .readWrite)
    try file.recoverInterruptedWrite()
    return file
  }

  /// Whether the file's last writer was killed inside a flush, after writing data past the end
  /// recorded in the superblock. Opening such a file extends the recorded end to the real one
  /// (in memory when read-only, on disk when read-write), so everything on disk is readable.
  public private(set) var recoveredInterruptedWrite = false

  /// HDF5 writes the superblock (with the end-of-allocation address) last in every flush, so a
  /// SIGKILL inside a flush that grew the file leaves blocks beyond the recorded end, which HDF5
  /// then refuses to read ("addr overflow"). The remedy is h5clear's `--increment`: move the
  /// recorded end to the real end of the file.
  private func recoverInterruptedWrite() throws {
    let location = HDF5Location(file: path, path: "/")
    var end: haddr_t = 0
    var size: hsize_t = 0
    try hdf5Check("reading the end of allocation", at: location) { H5Fget_eoa(id, &end) }
    try hdf5Check("reading the file size", at: location) { H5Fget_filesize(id, &size) }
    guard size > end else { return }
    try hdf5Check("extending the end of allocation to the end of the file", at: location) {
      H5Fincrement_filesize(id, 0)
    }
    recoveredInterruptedWrite = true
  }

  /// The root group `/`.
  public var root: HDF5Group {
    get throws { try HDF5Group(openingAbsolute: "/", in: self) }
  }

  /// Writes every pending metric row, then all of HDF5's cached data and metadata, to the file.
  ///
  /// After `flush()` returns, a process killed with SIGKILL leaves a file that opens and holds
  /// everything written so far (see `MetricsTable` for why rows are all-or-nothing).
  public func flush() throws {
    try requireOpen()
    for table in tables { try table.table?.writePendingRows() }
    try hdf5Check("flushing the file", at: HDF5Location(file: path, path: "/")) {
      H5Fflush(id, H5F_SCOPE_GLOBAL)
    }
  }

  /// Writes pending rows and closes the file and every object opened from it. Idempotent.
  public func close() throws {
    guard !isClosed else { return }
    var firstError: Error?
    for table in tables {
      do { try table.table?.writePendingRows() } catch { firstError = firstError ?? error }
    }
    tables = []
    isClosed = true
    try hdf5Check("closing the file", at: HDF5Location(file: path, path: "/")) { H5Fclose(id) }
    if let firstError { throw firstError }
  }

  /// Throws if the file was closed.
  func requireOpen() throws {
    if isClosed {
      throw StoreError.hdf5(
        file: path, path: "/", operation: "using the file", detail: "the file was closed")
    }
  }

  /// Throws unless the file was opened for writing.
  func requireWritable(_ objectPath: String) throws {
    try requireOpen()
    if !isWritable {
      throw StoreError.hdf5(
        file: path, path: objectPath, operation: "writing", detail: "the file is open read-only")
    }
  }

  /// A file-access property list: strong close degree; file locking on or off; the 1.8 format
  /// for new objects when `writing`.
  private static func makeAccessList(
    lockingFile: Bool, writing: Bool, at location: HDF5Location
  ) throws -> hid_t {
    let access = try hdf5Check("creating a file-access list", at: location) {
      H5Pcreate(chdf5_p_file_access())
    }
    do {
      try hdf5Check("setting the close degree", at: location) {
        H5Pset_fclose_degree(access, H5F_CLOSE_STRONG)
      }
      try hdf5Check("setting file locking", at: location) {
        H5Pset_file_locking(access, lockingFile, true)
      }
      if writing { try HDF5Layout.setFormat(on: access, at: location) }
    } catch {
      H5Pclose(access)
      throw error
    }
    return access
  }

  private static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// Why the file at `path` is not HDF5, or nil if it has the signature.
  private static func notHDF5Reason(_ path: String) -> String? {
    HDF5Library.prepareThread()
    let answer = H5Fis_hdf5(path)
    if answer > 0 { return nil }
    _ = HDF5Library.takeErrorText()
    var status = stat()
    guard stat(path, &status) == 0, access(path, R_OK) == 0 else {
      return "cannot read it: \(String(cString: strerror(errno)))"
    }
    if (status.st_mode & S_IFMT) == S_IFDIR { return "it is a directory" }
    if status.st_size == 0 { return "the file is empty" }
    return "no HDF5 signature in its \(status.st_size) bytes"
  }
}

/// A weak reference from a file to one of its open metric tables.
struct WeakTable {
  weak var table: MetricsTable?
}
