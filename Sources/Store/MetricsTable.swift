@preconcurrency import CHDF5
import TensorCore

/// A table of metric rows appended one at a time (loss per step, per-layer terms, timings).
///
/// Layout on disk, for h5py users: one 2-D float64 dataset `[rows, columns]` (rows unlimited,
/// chunked, uncompressed, NaN fill) with a string-array attribute `columns` naming the columns:
///
///     pandas.DataFrame(f["metrics/train"][()], columns=f["metrics/train"].attrs["columns"])
///
/// A row is wholly present or absent after a crash, because:
/// - rows wait in memory until `flush()`, which extends the dataset, writes them and flushes;
/// - the chunk cache is off, so row values reach the file during the write, before the flush
///   writes the metadata that makes them visible;
/// - all columns of a row sit under one extent, stored in the dataset's header and rewritten in
///   one write (one dataset per column would have a moment with some columns longer than others);
/// - chunks are allocated NaN-filled, so a row made visible before its values arrived reads as
///   all-NaN, and opening a table drops all-NaN rows at its end;
/// - HDF5 writes the superblock last in a flush; data it left past the recorded end of the file
///   is made readable again when the file is opened (see `HDF5File.recoveredInterruptedWrite`).
///
/// StoreTests kills a writer (a separate process) at each of HDF5's first 300 writes and at random
/// moments, and finds every flushed row intact each time.
///
/// - Note: Limits. (1) Plain h5py does not do the last repair: after a kill inside a flush that
///   allocated a new chunk (one flush in `rowsPerChunk`), h5py reports "addr overflow" for the
///   table until the file is opened read-write once through the store (a resumed run does) or
///   `h5clear -i` runs. (2) The chunk index (a version-1 B-tree) holds 64 chunks in its root;
///   the flush that adds the 65th splits it, and a kill inside that one flush can lose the table.
///   With the default chunk of 256 KiB that is 16 MiB of rows (200,000 rows of 10 columns), far
///   beyond a training run's log; pass a larger `rowsPerChunk` for bigger tables.
public final class MetricsTable {
  /// The column names, in storage order.
  public let columns: [String]
  /// The file the table lives in.
  public var file: HDF5File { dataset.file }
  /// The table's absolute HDF5 path.
  public var path: String { dataset.path }
  private let dataset: HDF5Dataset
  private var storedRowCount: Int
  private var pendingValues: [Double] = []

  /// Creates an empty table at `path` (relative to `group`) with `columns` (unique, non-empty
  /// names; `/` is allowed, e.g. `loss/gram/relu1_1`). `rowsPerChunk` defaults to 256 KiB of
  /// rows (at least 64), so a typical run allocates its one chunk when the table is created.
  public init(
    creating path: String, in group: HDF5Group, columns: [String], rowsPerChunk: Int? = nil
  ) throws {
    let absolute = joinPath(group.path, path)
    try Self.validate(columns: columns, file: group.file.path, path: absolute)
    try group.file.requireWritable(absolute)
    if try group.kind(of: absolute) != nil {
      throw StoreError.alreadyExists(file: group.file.path, path: absolute)
    }
    let rows = rowsPerChunk ?? max(64, (256 << 10) / (8 * columns.count))
    precondition(rows > 0, "MetricsTable: rowsPerChunk must be positive, got \(rows)")
    try Self.createDataset(absolute, in: group, columnCount: columns.count, rowsPerChunk: rows)
    dataset = try HDF5Dataset(openingAbsolute: absolute, in: group.file, uncached: true)
    self.columns = columns
    storedRowCount = 0
    try dataset.setAttribute("columns", .strings(columns))
    try dataset.setAttribute(
      "layout",
      .string("rows x columns float64, one row per append; column names in attribute 'columns'"))
    group.file.register(self)
  }

  /// Opens the existing table at `path` (relative to `group`) to read it or, in a file opened
  /// read-write, to continue appending (a resumed run).
  public init(opening path: String, in group: HDF5Group) throws {
    let absolute = joinPath(group.path, path)
    try group.requireKind(.dataset, at: absolute)
    dataset = try HDF5Dataset(openingAbsolute: absolute, in: group.file, uncached: true)
    let info = try dataset.info()
    let where_ = dataset.location
    guard info.elementType == .float64, info.shape.rank == 2, info.maximumShape.first == .some(nil)
    else {
      throw StoreError.wrongKind(
        file: where_.file, path: where_.path,
        expected: "a metrics table (extendable float64 [rows, columns])",
        found: "\(info.elementType) \(info.shape)")
    }
    columns = try dataset.stringsAttribute("columns")
    guard columns.count == info.shape[1] else {
      throw StoreError.badRow(
        file: where_.file, path: where_.path,
        message:
          "attribute 'columns' names \(columns.count) columns, the dataset has \(info.shape[1])")
    }
    storedRowCount = info.shape[0]
    storedRowCount = try committedRowCount()
    if storedRowCount < info.shape[0] && file.isWritable { try setRowCount(storedRowCount) }
    group.file.register(self)
  }

  deinit { try? writePendingRows() }

  /// The number of rows, flushed or not.
  public var rowCount: Int { storedRowCount + pendingValues.count / columns.count }

  /// Appends one row with a value for every column, in `columns` order. The row reaches the
  /// file at the next `flush()` (of the table or its file) or `close()`.
  public func append(_ row: [Double]) throws {
    guard row.count == columns.count else {
      throw StoreError.badRow(
        file: file.path, path: path,
        message: "a row needs \(columns.count) values (\(columns.joined(separator: ", "))), "
          + "got \(row.count)")
    }
    try file.requireWritable(path)
    pendingValues += row
  }

  /// Appends one row given by column name; every column must be named exactly once.
  public func append(_ row: [String: Double]) throws {
    let unknown = row.keys.filter { !columns.contains($0) }.sorted()
    let missing = columns.filter { row[$0] == nil }
    guard unknown.isEmpty && missing.isEmpty else {
      var parts: [String] = []
      if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
      if !unknown.isEmpty { parts.append("unknown \(unknown.joined(separator: ", "))") }
      throw StoreError.badRow(
        file: file.path, path: path,
        message: "row does not match the columns: \(parts.joined(separator: "; "))")
    }
    try append(columns.map { row[$0] ?? .nan })
  }

  /// Writes pending rows and flushes the whole file (see `HDF5File.flush()`).
  public func flush() throws { try file.flush() }

  /// Every row, flushed or pending, in append order.
  public func rows() throws -> [[Double]] {
    let values = try readStoredValues(rows: 0..<storedRowCount) + pendingValues
    return stride(from: 0, to: values.count, by: columns.count).map {
      Array(values[$0..<$0 + columns.count])
    }
  }

  /// The number of stored rows without the all-NaN rows at the end, which a writer killed
  /// inside a flush can leave (the extent reached the file, the chunk index entry did not).
  private func committedRowCount() throws -> Int {
    var end = storedRowCount
    while end > 0 {
      let start = max(0, end - 1024)
      let values = try readStoredValues(rows: start..<end)
      for row in (start..<end).reversed() {
        let offset = (row - start) * columns.count
        if !values[offset..<offset + columns.count].allSatisfy(\.isNaN) { return row + 1 }
      }
      end = start
    }
    return 0
  }

  /// The stored values of `rows`, row-major.
  private func readStoredValues(rows: Range<Int>) throws -> [Double] {
    guard !rows.isEmpty else { return [] }
    let fileSpace = try hdf5Check("reading the table's dataspace", at: dataset.location) {
      H5Dget_space(dataset.id)
    }
    defer { H5Sclose(fileSpace) }
    var start = [hsize_t(rows.lowerBound), 0]
    var count = [hsize_t(rows.count), hsize_t(columns.count)]
    try hdf5Check("selecting rows \(rows)", at: dataset.location) {
      H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    }
    let memorySpace = try hdf5Check("creating the rows' dataspace", at: dataset.location) {
      H5Screate_simple(2, &count, nil)
    }
    defer { H5Sclose(memorySpace) }
    let total = rows.count * columns.count
    return try [Double](unsafeUninitializedCapacity: total) { buffer, initialized in
      try hdf5Check("reading rows \(rows)", at: dataset.location) {
        H5Dread(
          dataset.id, chdf5_native_double(), memorySpace, fileSpace, HDF5Library.defaultList,
          buffer.baseAddress)
      }
      initialized = total
    }
  }

  /// The values of column `name`, one per row.
  public func column(_ name: String) throws -> [Double] {
    guard let index = columns.firstIndex(of: name) else {
      throw StoreError.notFound(file: file.path, path: "\(path) column '\(name)'")
    }
    return try rows().map { $0[index] }
  }

  /// Drops every row after the first `rowCount` (a run resumed from a checkpoint taken at an
  /// earlier row). Pending rows are written first.
  public func truncate(rowCount newCount: Int) throws {
    precondition(newCount >= 0, "MetricsTable.truncate: negative row count \(newCount)")
    try writePendingRows()
    guard newCount < storedRowCount else { return }
    try setRowCount(newCount)
  }

  /// Extends the dataset over the pending rows and writes them (no file flush).
  func writePendingRows() throws {
    guard !pendingValues.isEmpty else { return }
    let newRows = pendingValues.count / columns.count
    let total = storedRowCount + newRows
    try setRowCount(total)
    let fileSpace = try hdf5Check("reading the table's dataspace", at: dataset.location) {
      H5Dget_space(dataset.id)
    }
    defer { H5Sclose(fileSpace) }
    var start = [hsize_t(storedRowCount), 0]
    var count = [hsize_t(newRows), hsize_t(columns.count)]
    try hdf5Check("selecting the new rows", at: dataset.location) {
      H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    }
    let memorySpace = try hdf5Check("creating the rows' dataspace", at: dataset.location) {
      H5Screate_simple(2, &count, nil)
    }
    defer { H5Sclose(memorySpace) }
    do {
      try hdf5Check("writing \(newRows) row(s)", at: dataset.location) {
        pendingValues.withUnsafeBufferPointer {
          H5Dwrite(
            dataset.id, chdf5_native_double(), memorySpace, fileSpace, HDF5Library.defaultList,
            $0.baseAddress)
        }
      }
    } catch {
      try? setRowCount(storedRowCount)
      throw error
    }
    storedRowCount = total
    pendingValues = []
  }

  private func setRowCount(_ rows: Int) throws {
    var dims = [hsize_t(rows), hsize_t(columns.count)]
    try hdf5Check("resizing the table to \(rows) rows", at: dataset.location) {
      H5Dset_extent(dataset.id, &dims)
    }
    if rows < storedRowCount { storedRowCount = rows }
  }

  private static func validate(columns: [String], file: String, path: String) throws {
    func problem(_ message: String) -> StoreError {
      .badRow(file: file, path: path, message: message)
    }
    guard !columns.isEmpty else { throw problem("a table needs at least one column") }
    if let empty = columns.firstIndex(of: "") { throw problem("column \(empty) has an empty name") }
    var seen = Set<String>()
    let duplicates = Set(columns.filter { !seen.insert($0).inserted }).sorted()
    if !duplicates.isEmpty {
      throw problem("duplicate column names: \(duplicates.joined(separator: ", "))")
    }
  }

  /// Creates the `[0, columnCount]` float64 dataset, rows unlimited, NaN fill, no filters.
  private static func createDataset(
    _ absolute: String, in group: HDF5Group, columnCount: Int, rowsPerChunk: Int
  ) throws {
    let where_ = HDF5Location(file: group.file.path, path: absolute)
    var dims = [hsize_t(1), hsize_t(columnCount)]
    var maximum = [chdf5_unlimited(), hsize_t(columnCount)]
    var chunk = [hsize_t(rowsPerChunk), hsize_t(columnCount)]
    let space = try hdf5Check("creating the table's dataspace", at: where_) {
      H5Screate_simple(2, &dims, &maximum)
    }
    defer { H5Sclose(space) }
    let creation = try hdf5Check("creating a dataset-creation list", at: where_) {
      H5Pcreate(chdf5_p_dataset_create())
    }
    defer { H5Pclose(creation) }
    try hdf5Check("setting the chunk shape", at: where_) { H5Pset_chunk(creation, 2, &chunk) }
    // Early allocation creates the chunk index with the dataset (not with the first row) and
    // allocates each chunk, NaN-filled, when the extent first reaches it.
    try hdf5Check("setting early allocation", at: where_) {
      H5Pset_alloc_time(creation, H5D_ALLOC_TIME_EARLY)
    }
    var fill = Double.nan
    try hdf5Check("setting the fill value", at: where_) {
      H5Pset_fill_value(creation, chdf5_native_double(), &fill)
    }
    try HDF5Layout.keepAttributesCompact(creation, at: where_)
    try group.createMissingGroups(through: group.parentPath(of: absolute))
    let id = try hdf5Check("creating the table", at: where_) {
      H5Dcreate2(
        group.file.id, absolute, chdf5_native_double(), space, HDF5Library.defaultList, creation,
        HDF5Library.defaultList)
    }
    defer { H5Dclose(id) }
    // Created with one row so that early allocation builds the chunk index now; emptied again
    // (the index stays). Otherwise the first row's flush would create the index, and a kill
    // inside that flush could leave the table pointing at an index that never reached the disk.
    var empty = [hsize_t(0), hsize_t(columnCount)]
    try hdf5Check("emptying the new table", at: where_) { H5Dset_extent(id, &empty) }
  }
}

extension HDF5File {
  /// Remembers `table` (weakly) so `flush()` and `close()` write its pending rows.
  func register(_ table: MetricsTable) {
    tables.removeAll { $0.table == nil }
    tables.append(WeakTable(table: table))
  }
}
