import Store

/// A metrics table read back from a store (`/metrics/iterations` of a training or Gatys run):
/// the column names and every row, as `MetricsTable` wrote them (`[rows, columns]` float64).
public struct StoredTable: Sendable {
  /// The column names, in storage order.
  public var columns: [String]
  /// The rows, each with one value per column.
  public var rows: [[Double]]

  /// A table of `rows` under `columns`.
  public init(columns: [String], rows: [[Double]]) {
    self.columns = columns
    self.rows = rows
  }

  /// The table at `path` in the HDF5 file `file`, opened read-only.
  ///
  /// - Throws: `StoreError` naming the file (missing, not a store, no such table).
  public init(file: String, path: String = "metrics/iterations") throws {
    let store = try HDF5File.open(file)
    defer { try? store.close() }
    let table = try MetricsTable(opening: path, in: try store.root)
    columns = table.columns
    rows = try table.rows()
  }

  /// The values of column `name`, one per row (nil when there is no such column).
  public func column(_ name: String) -> [Double]? {
    guard let index = columns.firstIndex(of: name) else { return nil }
    return rows.map { $0[index] }
  }

  /// The loss terms (`style/gram/relu1_1`, `content/content/relu4_2`, ...): every column that
  /// is not an iteration count, a time, a learning rate, the total, a norm or a memory figure.
  public var termColumns: [String] {
    let other: Set<String> = [
      "iteration", "wall_seconds", "iteration_seconds", "evaluations", "learning_rate", "total",
      "gradient_norm", "peak_rss_mib",
    ]
    return columns.filter { !other.contains($0) }
  }
}
