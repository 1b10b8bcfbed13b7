/// Work split into tiles of consecutive rows (output rows, or rows of Winograd 2x2 blocks) of
/// each image, for the convolution kernels' worker threads.
///
/// The tile size starts from the kernel's target (what keeps its per-tile workspace in cache) and
/// shrinks until every worker thread gets the same number of tiles (the split is static), then
/// the tiles are evened out (32 rows in 2 tiles are 16 + 16, not 30 + 2).
struct RowTiling {
  let images: Int
  let rows: Int
  let rowsPerTile: Int
  let tilesPerImage: Int

  /// Floats of a shifted-GEMM or im2col tile's accumulator: about 256K (1 MiB, L2) measured best
  /// on this machine kind for every VGG layer.
  static let accumulatorFloats = 1 << 18

  /// Tiles of at most `targetRowsPerTile` rows of `images` images of `rows` rows each.
  init(images: Int, rows: Int, targetRowsPerTile: Int, threads: Int) {
    self.images = images
    self.rows = rows
    var perTile = max(1, min(rows, targetRowsPerTile))
    var tiles = (rows + perTile - 1) / perTile
    while (images * tiles) % threads != 0 && perTile > 1 {
      perTile -= 1
      tiles = (rows + perTile - 1) / perTile
    }
    perTile = (rows + tiles - 1) / tiles
    tiles = (rows + perTile - 1) / perTile
    rowsPerTile = perTile
    tilesPerImage = tiles
  }

  /// Tiles whose accumulator (`channels × rows · rowLength` floats) fits `accumulatorFloats`.
  init(images: Int, rows: Int, rowLength: Int, channels: Int, threads: Int) {
    let columns = max(rowLength, Self.accumulatorFloats / max(channels, 1))
    self.init(
      images: images, rows: rows, targetRowsPerTile: columns / max(rowLength, 1), threads: threads)
  }

  var tasks: Int { images * tilesPerImage }

  /// The image, first row and row count of tile `task`.
  func tile(_ task: Int) -> (image: Int, firstRow: Int, rowCount: Int) {
    let image = task / tilesPerImage
    let firstRow = (task % tilesPerImage) * rowsPerTile
    return (image, firstRow, min(rowsPerTile, rows - firstRow))
  }
}
