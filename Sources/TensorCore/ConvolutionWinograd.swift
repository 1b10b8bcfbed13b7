// Stride-1 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
// algorithms for convolutional neural networks", CVPR 2016): each 2x2 output block comes from a
// 4x4 input patch d with 16 multiplications per channel pair instead of 36,
//
//   Y = Aᵀ [ Σ_i (G g_{o,i} Gᵀ) ⊙ (Bᵀ d_i B) ] A,
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
//
// For a tile of output rows, the patches of every input channel are transformed into
// V[ξ][i][t] (ξ the 16 positions, t the 2x2 blocks), then for each ξ one GEMM
// M[ξ] = U[ξ] · V[ξ] (O × I times I × T), then M is transformed back into outputs. The GEMMs
// do 2.25x fewer multiply-adds than the direct convolution; the transforms are cheap next to
// them from 64 channels up. The input gradient is the same convolution with the flipped,
// transposed filter, whose transform is U with positions 0 and 3 of each axis swapped
// (G·J = P·G for the reversal J and that swap P): the GEMMs then read U transposed.
// Float32 error is a few units in the last place above the direct convolution's (tested).

/// `U = G g Gᵀ` of every 3x3 kernel of `weight` `[O, I, 3, 3]`: `[16, O, I]`.
func winogradTransform3x3(_ weight: Tensor) -> Tensor {
  let (o, i, kh, kw) = weight.shape.nchw
  precondition(
    kh == 3 && kw == 3, "winogradTransform3x3: weight is \(weight.shape), expected [O, I, 3, 3]")
  let matrix = o * i
  let result = Tensor(uninitialized: [16, o, i])
  weight.withUnsafeBufferPointer { source in
    let destination = result.storage.pointer
    for index in 0..<matrix {
      let g = source.baseAddress! + index * 9
      // t = G g (4 x 3), then U = t Gᵀ (4 x 4).
      var t = [Float](repeating: 0, count: 12)
      for column in 0..<3 {
        let a = g[column]
        let b = g[3 + column]
        let c = g[6 + column]
        t[column] = a
        t[3 + column] = 0.5 * (a + b + c)
        t[6 + column] = 0.5 * (a - b + c)
        t[9 + column] = c
      }
      for row in 0..<4 {
        let a = t[row * 3]
        let b = t[row * 3 + 1]
        let c = t[row * 3 + 2]
        let u = [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c]
        for column in 0..<4 { destination[(row * 4 + column) * matrix + index] = u[column] }
      }
    }
  }
  return result
}

/// The taps `[9, O, I]` of a filter stored as Winograd transforms `[16, O, I]`:
/// `g = G⁺ U G⁺ᵀ` with the left inverse `G⁺ = [1 0 0 0; 0 1 −1 0; 0 0 0 1]` (`G⁺G = I`).
func winogradInverse(_ transform: Tensor, outputChannels o: Int, inputChannels i: Int) -> Tensor {
  precondition(
    transform.shape == [16, o, i],
    "winogradInverse: transform is \(transform.shape), expected \(Shape([16, o, i]))")
  let matrix = o * i
  let taps = Tensor(uninitialized: [9, o, i])
  transform.withUnsafeBufferPointer { source in
    let u = source.baseAddress!
    let destination = taps.storage.pointer
    func at(_ row: Int, _ column: Int, _ index: Int) -> Float { u[(row * 4 + column) * matrix + index] }
    for index in 0..<matrix {
      // Rows of G⁺ U: u0, u1 − u2, u3; then the same on columns.
      for (ky, rows) in [[0], [1, 2], [3]].enumerated() {
        for (kx, columns) in [[0], [1, 2], [3]].enumerated() {
          var value: Float = 0
          for (ri, r) in rows.enumerated() {
            for (ci, c) in columns.enumerated() {
              let sign: Float = (ri == 1 ? -1 : 1) * (ci == 1 ? -1 : 1)
              value += sign * at(r, c, index)
            }
          }
          destination[(ky * 3 + kx) * matrix + index] = value
        }
      }
    }
  }
  return taps
}

/// The position of U read for position `xi` by the input gradient: 0 and 3 swapped on each axis.
@inline(__always)
private func flippedPosition(_ xi: Int) -> Int {
  let swap = [3, 1, 2, 0]
  return swap[xi / 4] * 4 + swap[xi % 4]
}

/// A stride-1 3x3 convolution of `input` `[N, K, H, W]` padded by `padding` with `mode`, by
/// Winograd F(2x2, 3x3) with the transforms of `transform` `[16, O, I]`: forward (K = I, output
/// O channels) or, with `backward`, the input gradient's convolution (K = O, output I channels).
/// `[N, M, H + 2p − 2, W + 2q − 2]`; with `accumulatingInto` (a uniquely held tensor of that
/// shape) the result is added into it.
@discardableResult
func winogradConvolution(
  _ input: Tensor, transform: Tensor, outputChannels o: Int, inputChannels i: Int, backward: Bool,
  bias: Tensor?, padding: PaddingAmount, paddingMode: PaddingMode, activation: FusedActivation,
  accumulatingInto target: Tensor? = nil
) -> Tensor {
  let (n, reduction, h, w) = input.shape.nchw
  let m = backward ? i : o
  precondition(
    transform.shape == [16, o, i],
    "winogradConvolution: transform is \(transform.shape), expected \(Shape([16, o, i]))")
  precondition(
    reduction == (backward ? o : i),
    "winogradConvolution: input \(input.shape) has \(reduction) channels; the filter "
      + "[O \(o), I \(i)] expects \(backward ? "O (input gradient)" : "I") = \(backward ? o : i)")
  let paddedHeight = h + 2 * padding.vertical
  let paddedWidth = w + 2 * padding.horizontal
  let outputHeight = paddedHeight - 2
  let outputWidth = paddedWidth - 2
  let output = target ?? Tensor(uninitialized: [n, m, outputHeight, outputWidth])
  precondition(
    output.shape == [n, m, outputHeight, outputWidth],
    "winogradConvolution: accumulating into \(output.shape), output is "
      + "\(Shape([n, m, outputHeight, outputWidth]))")
  let accumulate = target != nil
  precondition(
    !accumulate || activation == .identity,
    "winogradConvolution: accumulating into \(output.shape) with activation \(activation); "
      + "only .identity can accumulate")
  let tilesX = (outputWidth + 1) / 2
  let tileRows = (outputHeight + 1) / 2
  let blocks = max(32, min(512, winogradWorkspaceBytes / (16 * 2 * max(m, reduction) * 4)))
  let blocksPerImage = tileRows * tilesX
  let group = winogradImagesPerTask(
    images: n, blocksPerImage: blocksPerImage, maximumBlocks: blocks, threads: Parallel.threads)
  let plan = RowTiling(
    images: n, rows: tileRows, targetRowsPerTile: blocks / max(tilesX, 1), threads: Parallel.threads)
  let taskCount = group > 1 ? (n + group - 1) / group : plan.tasks
  let rowsPerTask = group > 1 ? tileRows : plan.rowsPerTile
  let biasValues = bias?.scalars
  let outputPointer = output.storage.pointer
  input.withUnsafeBufferPointer { inputBuffer in
    transform.withUnsafeBufferPointer { transformBuffer in
      let u = transformBuffer.baseAddress!
      Parallel.forEach(taskCount) { range in
        let maximumTiles = group * rowsPerTask * tilesX
        let bandRows = 2 * rowsPerTask + 2
        let band = TensorStorage(count: reduction * bandRows * paddedWidth)
        let transformed = TensorStorage(count: 16 * reduction * maximumTiles)
        let products = TensorStorage(count: 16 * m * maximumTiles)
        for task in range {
          // A task is a tile of rows of one image, or (group > 1) several whole images side by
          // side in the blocks dimension, so that its GEMMs are wider.
          let images: Range<Int>
          let firstTileRow: Int
          let tileRowCount: Int
          if group > 1 {
            images = task * group..<min(n, task * group + group)
            firstTileRow = 0
            tileRowCount = tileRows
          } else {
            let tile = plan.tile(task)
            images = tile.image..<tile.image + 1
            firstTileRow = tile.firstRow
            tileRowCount = tile.rowCount
          }
          let tilesPerImage = tileRowCount * tilesX
          let tiles = images.count * tilesPerImage
          let rows = 2 * tileRowCount + 2
          for (slot, image) in images.enumerated() {
            padBand(
              inputBuffer.baseAddress! + image * reduction * h * w, planes: reduction, height: h,
              width: w, amount: padding, mode: paddingMode, firstRow: 2 * firstTileRow,
              rowCount: rows, into: band.pointer)
            winogradInputTransform(
              band.pointer, channels: reduction, rows: rows, width: paddedWidth,
              tileRows: tileRowCount, tilesX: tilesX, tileStride: tiles,
              into: transformed.pointer + slot * tilesPerImage)
          }
          for xi in 0..<16 {
            if backward {
              BLAS.sgemm(
                transposeA: true, m: m, n: tiles, k: reduction,
                a: u + flippedPosition(xi) * o * i, lda: i,
                b: transformed.pointer + xi * reduction * tiles, ldb: tiles,
                c: products.pointer + xi * m * tiles, ldc: tiles)
            } else {
              BLAS.sgemm(
                m: m, n: tiles, k: reduction, a: u + xi * o * i, lda: i,
                b: transformed.pointer + xi * reduction * tiles, ldb: tiles,
                c: products.pointer + xi * m * tiles, ldc: tiles)
            }
          }
          for (slot, image) in images.enumerated() {
            winogradOutputTransform(
              products.pointer + slot * tilesPerImage, channels: m, tileRows: tileRowCount,
              tilesX: tilesX, tileStride: tiles, firstOutputRow: 2 * firstTileRow,
              outputHeight: outputHeight, outputWidth: outputWidth, bias: biasValues,
              activation: activation, accumulate: accumulate,
              into: outputPointer + image * m * outputHeight * outputWidth)
          }
        }
      }
    }
  }
  return output
}

/// A Winograd worker's workspace for transformed patches and products: tiles of rows of 2x2
/// blocks are sized so that 16 · (K + M) · blocks floats fit it (at most 512 blocks).
let winogradWorkspaceBytes = 8 << 20

/// Whole images per Winograd task: 1 when an image's `blocksPerImage` 2x2 blocks are more than
/// half of `maximumBlocks`; otherwise as many images as fit, at most `images / threads` and with
/// the task count a multiple of `threads`, so that small late layers (VGG's conv4 and conv5 at
/// 128², 64 and 16 blocks per image) make GEMMs of N = images · blocks instead of one image's.
func winogradImagesPerTask(images n: Int, blocksPerImage: Int, maximumBlocks: Int, threads: Int)
  -> Int
{
  guard blocksPerImage > 0, 2 * blocksPerImage <= maximumBlocks else { return 1 }
  var group = min(maximumBlocks / blocksPerImage, max(1, n / max(threads, 1)))
  while group > 1 && ((n + group - 1) / group) % max(threads, 1) != 0 { group -= 1 }
  return max(1, group)
}

/// `V[ξ][c][t] = (Bᵀ d B)[ξ]` for every channel c and 2x2-output tile t of a band of padded rows
/// (`rows × width` per channel; tile (ty, tx) reads rows 2ty … 2ty + 3, columns 2tx … 2tx + 3,
/// zeros beyond the band). Eight tiles at a time along a row. `v` is laid out `[16][channels]
/// [tileStride]` (tileStride ≥ tileRows · tilesX: other images' tiles may share its rows).
private func winogradInputTransform(
  _ band: UnsafePointer<Float>, channels: Int, rows: Int, width: Int, tileRows: Int,
  tilesX: Int, tileStride tiles: Int, into v: UnsafeMutablePointer<Float>
) {
  let stride = channels * tiles
  for c in 0..<channels {
    let plane = band + c * rows * width
    for ty in 0..<tileRows {
      var tx = 0
      // Vector path: 8 tiles read columns 2tx … 2tx + 17, all inside the band, and 4 rows.
      while tx + 8 <= tilesX && 2 * tx + 18 <= width && 2 * ty + 4 <= rows {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 16) { t in
        for k in 0..<4 {
          let row = UnsafeRawPointer(plane + (2 * ty + k) * width + 2 * tx)
          let a = row.loadUnaligned(as: SIMD16<Float>.self)
          let b = row.loadUnaligned(fromByteOffset: 8, as: SIMD16<Float>.self)
          let d0 = a.evenHalf
          let d1 = a.oddHalf
          let d2 = b.evenHalf
          let d3 = b.oddHalf
          t[k * 4] = d0 - d2
          t[k * 4 + 1] = d1 + d2
          t[k * 4 + 2] = d2 - d1
          t[k * 4 + 3] = d1 - d3
        }
        let base = UnsafeMutableRawPointer(v + c * tiles + ty * tilesX + tx)
        let bytes = stride * MemoryLayout<Float>.stride
        for q in 0..<4 {
          base.storeBytes(of: t[q] - t[8 + q], toByteOffset: q * bytes, as: SIMD8<Float>.self)
          base.storeBytes(of: t[4 + q] + t[8 + q], toByteOffset: (4 + q) * bytes, as: SIMD8<Float>.self)
          base.storeBytes(of: t[8 + q] - t[4 + q], toByteOffset: (8 + q) * bytes, as: SIMD8<Float>.self)
          base.storeBytes(of: t[4 + q] - t[12 + q], toByteOffset: (12 + q) * bytes, as: SIMD8<Float>.self)
        }
        }
        tx += 8
      }
      // Scalar path for the remaining tiles, reading zeros beyond the band.
      while tx < tilesX {
        // SIMD16 values live in registers: no allocation per tile.
        var d = SIMD16<Float>()
        for k in 0..<4 where 2 * ty + k < rows {
          for column in 0..<4 where 2 * tx + column < width {
            d[k * 4 + column] = plane[(2 * ty + k) * width + 2 * tx + column]
          }
        }
        var t = SIMD16<Float>()
        for k in 0..<4 {
          t[k * 4] = d[k * 4] - d[k * 4 + 2]
          t[k * 4 + 1] = d[k * 4 + 1] + d[k * 4 + 2]
          t[k * 4 + 2] = d[k * 4 + 2] - d[k * 4 + 1]
          t[k * 4 + 3] = d[k * 4 + 1] - d[k * 4 + 3]
        }
        let base = v + c * tiles + ty * tilesX + tx
        for q in 0..<4 {
          base[q * stride] = t[q] - t[8 + q]
          base[(4 + q) * stride] = t[4 + q] + t[8 + q]
          base[(8 + q) * stride] = t[8 + q] - t[4 + q]
          base[(12 + q) * stride] = t[4 + q] - t[12 + q]
        }
        tx += 1
      }
    }
  }
}

/// `Y = Aᵀ M A` for every channel and tile, with the bias, the activation or the accumulation,
/// written to the output rows `firstOutputRow …` (rows and columns past the output dropped).
/// `products` is laid out `[16][channels][tileStride]`, as `winogradInputTransform`'s output.
private func winogradOutputTransform(
  _ products: UnsafePointer<Float>, channels: Int, tileRows: Int, tilesX: Int, tileStride tiles: Int,
  firstOutputRow: Int, outputHeight: Int, outputWidth: Int, bias: [Float]?,
  activation: FusedActivation, accumulate: Bool, into output: UnsafeMutablePointer<Float>
) {
  let stride = channels * tiles
  let negativeSlope = activation.negativeSlope
  @inline(__always)
  func store(_ value: Float, _ row: UnsafeMutablePointer<Float>, _ x: Int) {
    if accumulate {
      row[x] += value
    } else {
      row[x] = activation(value)
    }
  }
  for c in 0..<channels {
    let shift = bias?[c] ?? 0
    let plane = output + c * outputHeight * outputWidth
    for ty in 0..<tileRows {
      let y = firstOutputRow + 2 * ty
      let base = products + c * tiles + ty * tilesX
      var tx = 0
      while tx + 8 <= tilesX && 2 * tx + 16 <= outputWidth && y + 1 < outputHeight {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 16) { m in
          for xi in 0..<16 {
            m[xi] = UnsafeRawPointer(base + xi * stride + tx).loadUnaligned(as: SIMD8<Float>.self)
          }
          for r in 0..<2 {
            let s0 = r == 0 ? m[0] + m[4] + m[8] : m[4] - m[8] - m[12]
            let s1 = r == 0 ? m[1] + m[5] + m[9] : m[5] - m[9] - m[13]
            let s2 = r == 0 ? m[2] + m[6] + m[10] : m[6] - m[10] - m[14]
            let s3 = r == 0 ? m[3] + m[7] + m[11] : m[7] - m[11] - m[15]
            let even = s0 + s1 + s2 + SIMD8(repeating: shift)
            let odd = s1 - s2 - s3 + SIMD8(repeating: shift)
            // Columns 2tx … 2tx + 15 interleaved (one shuffle) and stored as one vector.
            var values = SIMD16<Float>(
              even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
              even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7])
            let row = UnsafeMutableRawPointer(plane + (y + r) * outputWidth + 2 * tx)
            if accumulate {
              values += row.loadUnaligned(as: SIMD16<Float>.self)
            } else if let slope = negativeSlope {
              let negative = values .< 0
              values = slope == 0
                ? values.replacing(with: 0, where: negative)
                : values.replacing(with: values * slope, where: negative)
            }
            row.storeBytes(of: values, as: SIMD16<Float>.self)
          }
        }
        tx += 8
      }
      while tx < tilesX {
        var m = SIMD16<Float>()
        for xi in 0..<16 { m[xi] = base[xi * stride + tx] }
        for r in 0..<2 where y + r < outputHeight {
          var s = SIMD4<Float>()
          for q in 0..<4 {
            s[q] = r == 0 ? m[q] + m[4 + q] + m[8 + q] : m[4 + q] - m[8 + q] - m[12 + q]
          }
          let row = plane + (y + r) * outputWidth
          store(s[0] + s[1] + s[2] + shift, row, 2 * tx)
          if 2 * tx + 1 < outputWidth { store(s[1] - s[2] - s[3] + shift, row, 2 * tx + 1) }
        }
        tx += 1
      }
    }
  }
}
