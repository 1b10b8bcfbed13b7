import Foundation
import ImageArguments
import Store
import TensorCore

/// The samples figure: one row per point, its exemplar, its Gatys result (the image when Gatys
/// reached the generator's loss) and its first evaluation samples, side by side at one cell
/// size. The grid is assembled here (`NAME-images.png`, exact pixels: small images are enlarged
/// by whole factors, nearest neighbour; large ones shrunk by area averaging) and gnuplot draws
/// it with the row and column labels.
enum SampleMontage {
  /// One row: its label and its images (nil: missing, drawn grey).
  struct Row {
    var label: String
    var images: [Tensor?]
  }

  /// The montage of `rows` under `columns`, named `name`; `cell` is the side each image gets.
  static func figure(
    name: String, columns: [String], rows: [Row], cell: Int, caption: String
  ) -> Figure? {
    guard !rows.isEmpty, !columns.isEmpty else { return nil }
    let gap = 6
    let width = columns.count * cell + (columns.count - 1) * gap
    let height = rows.count * cell + (rows.count - 1) * gap
    var grid = Tensor(shape: [1, 3, height, width], repeating: 1)
    for (rowIndex, row) in rows.enumerated() {
      for (columnIndex, image) in row.images.prefix(columns.count).enumerated() {
        let cellImage =
          image.map { fit($0, side: cell) } ?? Tensor(shape: [1, 3, cell, cell], repeating: 0.8)
        place(cellImage, in: &grid, top: rowIndex * (cell + gap), left: columnIndex * (cell + gap))
      }
    }
    let characters = rows.map(\.label.count).max() ?? 0
    // About 12 pixels per character of the labels' font at this size, plus the offset.
    let left = 30 + 12 * characters
    let top = 50
    let bottom = 12
    let right = 12
    let canvasWidth = left + width + right
    let canvasHeight = top + height + bottom
    var labels: [String] = []
    for (index, title) in columns.enumerated() {
      let x = Double(index * (cell + gap)) + Double(cell - 1) / 2
      labels.append(
        "set label \(GnuplotScript.quoted(title)) at first \(GnuplotScript.number(x)), graph 1 center offset 0,1"
      )
    }
    for (index, row) in rows.enumerated() {
      let y = Double(height - 1) - (Double(index * (cell + gap)) + Double(cell - 1) / 2)
      labels.append(
        "set label \(GnuplotScript.quoted(row.label)) at graph 0, first \(GnuplotScript.number(y)) right offset -1,0"
      )
    }
    func screen(_ pixels: Int, of total: Int) -> String {
      GnuplotScript.number(Double(pixels) / Double(total))
    }
    let script =
      GnuplotScript.header(
        name, dataFile: "\(name)-images.png", width: canvasWidth, height: canvasHeight)
        + """
        unset key
        unset border
        unset tics
        set lmargin at screen \(screen(left, of: canvasWidth))
        set rmargin at screen \(screen(left + width, of: canvasWidth))
        set bmargin at screen \(screen(bottom, of: canvasHeight))
        set tmargin at screen \(screen(bottom + height, of: canvasHeight))
        set xrange [-0.5:\(width) - 0.5]
        set yrange [-0.5:\(height) - 0.5]
        \(labels.joined(separator: "\n"))
        plot '\(name)-images.png' binary filetype=png with rgbimage

        """
    return Figure(
      name: name, data: .image(grid), script: script, caption: caption, title: "samples")
  }

  /// The cell side for images of side `size`: at least 96 pixels (whole-factor enlargement),
  /// at most 256.
  static func cellSide(for size: Int) -> Int {
    if size >= 96 { return min(size, 256) }
    return size * Int((96.0 / Double(size)).rounded(.up))
  }

  /// `image` `[1, 3, h, w]` as a `side × side` cell: centre-cropped to a square, then enlarged
  /// by a whole factor (nearest) when that fits exactly, else resized (area or bilinear).
  static func fit(_ image: Tensor, side: Int) -> Tensor {
    let dimensions = image.shape.dimensions
    let (height, width) = (dimensions[2], dimensions[3])
    let square = min(height, width)
    let cropped =
      height == width ? image : centreCrop(image, height: square, width: square)
    if square == side { return cropped }
    guard side % square == 0 else { return resizeImage(cropped, height: side, width: side) }
    let factor = side / square
    var result = Tensor(zeros: [1, 3, side, side])
    cropped.withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        for channel in 0..<3 {
          for y in 0..<side {
            for x in 0..<side {
              target[(channel * side + y) * side + x] =
                source[(channel * square + y / factor) * square + x / factor]
            }
          }
        }
      }
    }
    return result
  }

  /// Copies `cell` `[1, 3, s, s]` into `grid` `[1, 3, H, W]` with its corner at (`top`, `left`).
  static func place(_ cell: Tensor, in grid: inout Tensor, top: Int, left: Int) {
    let side = cell.shape.dimensions[2]
    let height = grid.shape.dimensions[2]
    let width = grid.shape.dimensions[3]
    cell.withUnsafeBufferPointer { source in
      grid.withUnsafeMutableBufferPointer { target in
        for channel in 0..<3 {
          for y in 0..<side {
            for x in 0..<side {
              target[(channel * height + top + y) * width + left + x] =
                source[(channel * side + y) * side + x]
            }
          }
        }
      }
    }
  }

  /// The image at `path` (a PNG or JPEG, or `FILE.h5:/dataset`), nil when it cannot be read.
  static func load(_ argument: String) -> Tensor? {
    guard let parsed = try? ImageArgument(parsing: argument) else { return nil }
    return try? parsed.load().image
  }
}
