// Stride-1 3x3 convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, "Fast
// algorithms for convolutional neural networks", CVPR 2016, interpolation points 0, ±1, ±2, ∞):
// each 4x4 output block comes from a 6x6 input patch d with 36 multiplications per channel pair
// instead of 144,
//
//   Y = Aᵀ [ Σ_i (G g_{o,i} Gᵀ) ⊙ (Bᵀ d_i B) ] A,
//
//        ⎡4  0 −5  0 1 0⎤        ⎡ 1/4     0    0 ⎤
//        ⎢0 −4 −4  1 1 0⎥        ⎢−1/6  −1/6 −1/6 ⎥        ⎡1 1  1 1  1 0⎤
//   Bᵀ = ⎢0  4 −4 −1 1 0⎥,   G = ⎢−1/6   1/6 −1/6 ⎥,  Aᵀ = ⎢0 1 −1 2 −2 0⎥.
//        ⎢0 −2 −1  2 1 0⎥        ⎢1/24  1/12  1/6 ⎥        ⎢0 1  1 4  4 0⎥
//        ⎢0  2 −1 −2 1 0⎥        ⎢1/24 −1/12  1/6 ⎥        ⎣0 1 −1 8 −8 1⎦
//        ⎣0  4  0 −5 0 1⎦        ⎣  0     0    1  ⎦
//
// The patches of every input channel are transformed into V[ξ][i][t] (ξ the 36 positions, t the
// 4x4 blocks), then for each ξ one GEMM M[ξ] = U[ξ] · V[ξ] (O × I times I × T), then M is
// transformed back into outputs. The GEMMs do 4x fewer multiply-adds than the direct convolution
// (F(2x2, 3x3): 2.25x). The input gradient is the adjoint of the same computation with the same
// U: per block Ṽ = A Ȳ Aᵀ of the output gradient, M̃[ξ] = U[ξ]ᵀ · Ṽ[ξ], and B M̃ Bᵀ added onto
// the 6x6 patch it came from (patches overlap by 2 rows and columns). So one set of transforms
// serves both directions, at 4x the weights' memory.
//
// Float32 error: the transforms' large coefficients make it about 5x the F(2x2, 3x3) kernel's
// and 10x a direct convolution's (relative L2 ≈ 2e-6 for 256 channels against 2e-7); the
// descriptor fixtures and the generator's gradient fixtures check it end to end.
//
// Work is split in chunks of blocks (whole images, or rows of blocks of one image) sized by
// `winogradCacheBytes` (patches and products stay in cache between the phases) but at least the
// filter transforms' size (so that the late layers' large U is not re-read for many small
// chunks); per chunk, three parallel phases: the input transform (per image and channel), the
// 36 products (per ξ, each over every block of the chunk, by `WinogradKernels.multiply`, which
// reads U in place where sgemm repacked it on every call) and the output transform (per image
// and channel).

import WinogradKernels

/// `U = G g Gᵀ` of every 3x3 kernel of `weight` `[O, I, 3, 3]`: `[36, O, I]` (computed in Double,
/// rounded once).
func winogradTransform3x3(_ weight: Tensor) -> Tensor {
  let (o, i, kh, kw) = weight.shape.nchw
  precondition(
    kh == 3 && kw == 3, "winogradTransform3x3: weight is \(weight.shape), expected [O, I, 3, 3]")
  let matrix = o * i
  let result = Tensor(uninitialized: [36, o, i])
  /// G applied to one column (a, b, c) of a kernel: six values.
  @inline(__always)
  func interpolate(_ a: Double, _ b: Double, _ c: Double) -> SIMD8<Double> {
    SIMD8(a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a / 24 + b / 12 + c / 6, a / 24 - b / 12 + c / 6, c, 0, 0)
  }
  weight.withUnsafeBufferPointer { source in
    let destination = result.storage.pointer
    for index in 0..<matrix {
      let g = source.baseAddress! + index * 9
      // t = G g (6 x 3, by columns), then U = t Gᵀ (6 x 6, by rows).
      let t0 = interpolate(Double(g[0]), Double(g[3]), Double(g[6]))
      let t1 = interpolate(Double(g[1]), Double(g[4]), Double(g[7]))
      let t2 = interpolate(Double(g[2]), Double(g[5]), Double(g[8]))
      for row in 0..<6 {
        let u = interpolate(t0[row], t1[row], t2[row])
        for column in 0..<6 { destination[(row * 6 + column) * matrix + index] = Float(u[column]) }
      }
    }
  }
  return result
}

/// The taps `[9, O, I]` of a filter stored as Winograd transforms `[36, O, I]`:
/// `g = G⁺ U G⁺ᵀ` with the left inverse `G⁺ = [4 0 0 0 0 0; 0 −3 3 0 0 0; 0 0 0 0 0 1]`
/// (`G⁺G = I`; exact up to the transforms' rounding).
func winogradInverse(_ transform: Tensor, outputChannels o: Int, inputChannels i: Int) -> Tensor {
  precondition(
    transform.shape == [36, o, i],
    "winogradInverse: transform is \(transform.shape), expected \(Shape([36, o, i]))")
  let matrix = o * i
  let taps = Tensor(uninitialized: [9, o, i])
  // Each tap row of G⁺: (position, coefficient) pairs.
  let rows: [[(Int, Double)]] = [[(0, 4)], [(1, -3), (2, 3)], [(5, 1)]]
  transform.withUnsafeBufferPointer { source in
    let u = source.baseAddress!
    let destination = taps.storage.pointer
    for index in 0..<matrix {
      for (ky, vertical) in rows.enumerated() {
        for (kx, horizontal) in rows.enumerated() {
          var value = 0.0
          for (r, a) in vertical {
            for (c, b) in horizontal { value += a * b * Double(u[(r * 6 + c) * matrix + index]) }
          }
          destination[(ky * 3 + kx) * matrix + index] = Float(value)
        }
      }
    }
  }
  return taps
}

/// A Winograd convolution's workspace for transformed patches and products: chunks of 4x4 blocks
/// never hold more than 36 · (K + M) · blocks floats of it (see `winogradCacheBytes`).
let winogradWorkspaceBytes = 32 << 20

/// The size a Winograd chunk's patches and products aim at (both cores' L2 caches): the
/// transforms then read what the products wrote, and the products what the transforms wrote,
/// from cache instead of memory. A chunk is made larger when the filter's transforms are larger
/// than that (late layers, few blocks and many channels), so that re-reading them for every
/// chunk costs no more than the chunk's own traffic; never larger than the workspace. Measured
/// on VGG-19 at 256², batch 1 (AMD EPYC, 2026-12-02): conv1_2 forward 27 → 14 ms and input
/// gradient 30 → 15 ms against 32 MiB chunks, later layers unchanged within the noise.
let winogradCacheBytes = 2 << 20

/// How a Winograd convolution splits `images` images of `tileRows × tilesX` blocks into chunks of
/// at most `maximumTiles` blocks: groups of whole images when one image fits, else rows of blocks
/// of one image. Chunk sizes are balanced (no short last chunk when avoidable).
struct WinogradPlan: Equatable {
  /// One chunk: `images`, and of each of them the block rows `rows`.
  struct Chunk: Equatable {
    var images: Range<Int>
    var rows: Range<Int>
  }

  let chunks: [Chunk]

  init(images: Int, tileRows: Int, tilesX: Int, maximumTiles: Int) {
    let perImage = tileRows * tilesX
    var chunks: [Chunk] = []
    if perImage <= maximumTiles {
      let imagesPerChunk = maximumTiles / max(perImage, 1)
      let count = (images + imagesPerChunk - 1) / imagesPerChunk
      for index in 0..<count {
        let range = images * index / count..<images * (index + 1) / count
        if !range.isEmpty { chunks.append(Chunk(images: range, rows: 0..<tileRows)) }
      }
    } else {
      let rowsPerChunk = max(1, maximumTiles / max(tilesX, 1))
      let count = (tileRows + rowsPerChunk - 1) / rowsPerChunk
      for image in 0..<images {
        for index in 0..<count {
          let rows = tileRows * index / count..<tileRows * (index + 1) / count
          if !rows.isEmpty { chunks.append(Chunk(images: image..<image + 1, rows: rows)) }
        }
      }
    }
    self.chunks = chunks
  }
}

/// The geometry shared by both directions: the forward convolution's output size, its blocks,
/// and the band width every transform reads and writes (wide enough for whole 8-block vectors).
private struct WinogradGeometry {
  let outputHeight: Int
  let outputWidth: Int
  let tileRows: Int
  let tilesX: Int
  let bandWidth: Int

  init(outputHeight: Int, outputWidth: Int) {
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
    tileRows = (outputHeight + 3) / 4
    tilesX = (outputWidth + 3) / 4
    // Vectors of 8 blocks read 4·tx … 4·tx + 35.
    bandWidth = 4 * ((tilesX + 7) / 8 * 8) + 8
  }
}

/// A stride-1 3x3 convolution of `input` `[N, I, H, W]` padded by `padding` with `mode`, by
/// Winograd F(4x4, 3x3) with the transforms `transform` `[36, O, I]`, plus `bias` `[O]`, then
/// `activation`: `[N, O, H + 2p − 2, W + 2q − 2]`. `maximumTiles` overrides the chunk size
/// (tests).
func winogradConvolutionForward(
  _ input: Tensor, transform: Tensor, outputChannels o: Int, bias: Tensor?,
  padding: PaddingAmount, paddingMode: PaddingMode, activation: FusedActivation,
  maximumTiles: Int? = nil
) -> Tensor {
  let (n, i, h, w) = input.shape.nchw
  precondition(
    transform.shape == [36, o, i],
    "winogradConvolutionForward: transform is \(transform.shape), input \(input.shape) has \(i) channels: expected \(Shape([36, o, i]))")
  let paddedHeight = h + 2 * padding.vertical
  let paddedWidth = w + 2 * padding.horizontal
  let geometry = WinogradGeometry(outputHeight: paddedHeight - 2, outputWidth: paddedWidth - 2)
  let outputShape: Shape = [n, o, geometry.outputHeight, geometry.outputWidth]
  let output = Tensor(uninitialized: outputShape)
  let biasValues = bias?.scalars
  let outputPointer = output.storage.pointer
  input.withUnsafeBufferPointer { inputBuffer in
    transform.withUnsafeBufferPointer { transformBuffer in
      winogradChunks(
        images: n, reduction: i, result: o, geometry: geometry, maximumTiles: maximumTiles,
        gemm: { xi, tiles, v, products in
          positionProduct(
            transposed: false, rows: o, columns: tiles, depth: i,
            transform: transformBuffer.baseAddress! + xi * o * i, lda: i, v: v, products: products)
        },
        transformIn: { image, channel, rows, band, v, positionStride in
          let plane = inputBuffer.baseAddress! + (image * i + channel) * h * w
          fillWinogradBand(
            plane, height: h, width: w, padding: padding, mode: paddingMode,
            firstRow: 4 * rows.lowerBound, rowCount: 4 * rows.count + 2,
            bandWidth: geometry.bandWidth, into: band)
          WinogradKernels.inputTransform(
            band, bandWidth: geometry.bandWidth, tileRows: rows.count, tilesX: geometry.tilesX,
            positionStride: positionStride, into: v)
        },
        transformOut: { image, channel, rows, _, products, positionStride in
          WinogradKernels.outputTransform(
            products, tileRows: rows, tilesX: geometry.tilesX, positionStride: positionStride,
            outputHeight: geometry.outputHeight, outputWidth: geometry.outputWidth,
            bias: biasValues?[channel] ?? 0, negativeSlope: activation.negativeSlope,
            into: outputPointer + (image * o + channel) * geometry.outputHeight * geometry.outputWidth)
        })
    }
  }
  return output
}

/// The gradient of `winogradConvolutionForward` with respect to its padded input, from
/// `outputGradient` `[N, O, OH, OW]` and the same transforms `[36, O, I]`: the padded input's
/// gradient `[N, I, OH + 2, OW + 2]` with `crop` rows and columns dropped on each side
/// (`[N, I, OH + 2 − 2c, OW + 2 − 2c]`; c = p gives the input's gradient under zero padding).
/// With `accumulatingInto` (uniquely held, of that shape) it is added into that tensor.
/// `maximumTiles` overrides the chunk size (tests).
@discardableResult
func winogradConvolutionBackwardInput(
  _ outputGradient: Tensor, transform: Tensor, inputChannels i: Int, crop: PaddingAmount,
  accumulatingInto target: Tensor? = nil, maximumTiles: Int? = nil
) -> Tensor {
  let (n, o, outputHeight, outputWidth) = outputGradient.shape.nchw
  precondition(
    transform.shape == [36, o, i],
    "winogradConvolutionBackwardInput: transform is \(transform.shape), gradient \(outputGradient.shape) has \(o) channels: expected \(Shape([36, o, i]))")
  let geometry = WinogradGeometry(outputHeight: outputHeight, outputWidth: outputWidth)
  let resultHeight = outputHeight + 2 - 2 * crop.vertical
  let resultWidth = outputWidth + 2 - 2 * crop.horizontal
  let resultShape: Shape = [n, i, resultHeight, resultWidth]
  // Every result row is covered by some chunk's band: a chunk stores its rows, except the 2 it
  // shares with the previous chunk of rows (and every row when accumulating), which it adds.
  let accumulate = target != nil
  let result = target ?? Tensor(uninitialized: resultShape)
  precondition(
    result.shape == resultShape,
    "winogradConvolutionBackwardInput: accumulating into \(result.shape), gradient is \(resultShape)")
  let resultPointer = result.storage.pointer
  outputGradient.withUnsafeBufferPointer { gradientBuffer in
    transform.withUnsafeBufferPointer { transformBuffer in
      winogradChunks(
        images: n, reduction: o, result: i, geometry: geometry, maximumTiles: maximumTiles,
        gemm: { xi, tiles, v, products in
          positionProduct(
            transposed: true, rows: i, columns: tiles, depth: o,
            transform: transformBuffer.baseAddress! + xi * o * i, lda: i, v: v, products: products)
        },
        transformIn: { image, channel, rows, band, v, positionStride in
          let plane = gradientBuffer.baseAddress! + (image * o + channel) * outputHeight * outputWidth
          fillWinogradBand(
            plane, height: outputHeight, width: outputWidth, padding: PaddingAmount(0),
            mode: .zero, firstRow: 4 * rows.lowerBound, rowCount: 4 * rows.count,
            bandWidth: geometry.bandWidth, into: band)
          WinogradKernels.gradientTransform(
            band, bandWidth: geometry.bandWidth, tileRows: rows.count, tilesX: geometry.tilesX,
            positionStride: positionStride, into: v)
        },
        transformOut: { image, channel, rows, band, products, positionStride in
          let bandRows = 4 * rows.count + 2
          band.update(repeating: 0, count: bandRows * geometry.bandWidth)
          WinogradKernels.patchTransform(
            products, tileRows: rows.count, tilesX: geometry.tilesX, positionStride: positionStride,
            bandWidth: geometry.bandWidth, into: band)
          // Band row r is padded-input row 4·rows.lowerBound + r; drop the cropped border.
          let plane = resultPointer + (image * i + channel) * resultHeight * resultWidth
          for r in 0..<bandRows {
            let y = 4 * rows.lowerBound + r - crop.vertical
            guard y >= 0 && y < resultHeight else { continue }
            let source = band + r * geometry.bandWidth + crop.horizontal
            let destination = plane + y * resultWidth
            if !accumulate && (rows.lowerBound == 0 || r >= 2) {
              destination.update(from: source, count: resultWidth)
              continue
            }
            var x = 0
            while x + 16 <= resultWidth {
              let sum = UnsafeRawPointer(destination + x).loadUnaligned(as: SIMD16<Float>.self)
                + UnsafeRawPointer(source + x).loadUnaligned(as: SIMD16<Float>.self)
              UnsafeMutableRawPointer(destination + x).storeBytes(of: sum, as: SIMD16<Float>.self)
              x += 16
            }
            while x < resultWidth {
              destination[x] += source[x]
              x += 1
            }
          }
        })
    }
  }
  return result
}

/// One position's product `M = U · V` (`rows × depth` times `depth × columns`), or `Uᵀ · V` when
/// `transposed` (U stored `depth × rows`), U's rows `lda` floats apart, V's and M's `columns`:
/// by `WinogradKernels.multiply`, which reads both in place, when the rows come in blocks of 8
/// (every VGG layer but conv1_1's input gradient), else by sgemm.
func positionProduct(
  transposed: Bool, rows: Int, columns: Int, depth: Int, transform: UnsafePointer<Float>,
  lda: Int, v: UnsafePointer<Float>, products: UnsafeMutablePointer<Float>
) {
  if rows % WinogradKernels.multiplyRowBlock == 0 {
    WinogradKernels.multiply(
      a: transform, lda: lda, transposed: transposed, b: v, ldb: columns, c: products,
      ldc: columns, rows: rows, columns: columns, depth: depth)
  } else {
    BLAS.sgemm(
      transposeA: transposed, m: rows, n: columns, k: depth, a: transform, lda: lda, b: v,
      ldb: columns, c: products, ldc: columns)
  }
}

/// The chunked three-phase schedule shared by both directions. The chunk's transformed patches
/// are laid out `[36][reduction][tiles]` and its products `[36][result][tiles]`, a plane's
/// blocks row-major from the chunk's first block row. `transformIn(image, channel, blockRows,
/// band, v, positionStride)` writes one plane's blocks at `v` (its position 0; position ξ is
/// `ξ · positionStride` further); `gemm(ξ, tiles, v, p)` multiplies position ξ;
/// `transformOut(image, channel, blockRows, band, p, positionStride)` consumes one result plane's
/// products. `band` is a worker's scratch of (4·rows + 2) × bandWidth floats.
private func winogradChunks(
  images n: Int, reduction: Int, result: Int, geometry: WinogradGeometry, maximumTiles: Int?,
  gemm: (Int, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
  transformIn: (Int, Int, Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
  transformOut: (Int, Int, Range<Int>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void
) {
  let perTile = 36 * (reduction + result) * MemoryLayout<Float>.stride
  let filterTiles = 36 * reduction * result * MemoryLayout<Float>.stride / perTile
  let limit = maximumTiles
    ?? max(8, min(winogradWorkspaceBytes / perTile, max(winogradCacheBytes / perTile, filterTiles)))
  let plan = WinogradPlan(
    images: n, tileRows: geometry.tileRows, tilesX: geometry.tilesX, maximumTiles: limit)
  let largest = plan.chunks.map { $0.images.count * $0.rows.count * geometry.tilesX }.max() ?? 0
  let largestRows = plan.chunks.map(\.rows.count).max() ?? 0
  // One workspace of a fixed size for every layer (a single size class of the buffer pool, so
  // layers reuse it instead of evicting each other's), the products after the patches.
  let transformedFloats = 36 * reduction * max(largest, 1)
  let workspace = TensorStorage(
    count: max(winogradWorkspaceBytes / MemoryLayout<Float>.stride, transformedFloats + 36 * result * max(largest, 1)))
  let transformed = workspace.pointer
  let products = workspace.pointer + transformedFloats
  let bandFloats = (4 * largestRows + 2) * geometry.bandWidth
  withExtendedLifetime(workspace) {
    for chunk in plan.chunks {
      let perImage = chunk.rows.count * geometry.tilesX
      let tiles = chunk.images.count * perImage
      forEachPlane(images: chunk.images.count, channels: reduction, bandFloats: bandFloats) {
        slot, channel, band in
        transformIn(
          chunk.images.lowerBound + slot, channel, chunk.rows, band,
          transformed + channel * tiles + slot * perImage, reduction * tiles)
      }
      Parallel.forEach(36) { range in
        for xi in range {
          gemm(
            xi, tiles, transformed + xi * reduction * tiles,
            products + xi * result * tiles)
        }
      }
      forEachPlane(images: chunk.images.count, channels: result, bandFloats: bandFloats) {
        slot, channel, band in
        transformOut(
          chunk.images.lowerBound + slot, channel, chunk.rows, band,
          products + channel * tiles + slot * perImage, result * tiles)
      }
    }
  }
}

/// `body(image slot, channel, band)` for every plane of `images × channels`, split over the
/// workers, each worker with its own band scratch of `bandFloats` floats.
private func forEachPlane(
  images: Int, channels: Int, bandFloats: Int,
  _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void
) {
  Parallel.forEach(images * channels) { range in
    let band = TensorStorage(count: bandFloats)
    withExtendedLifetime(band) {
      for index in range { body(index / channels, index % channels, band.pointer) }
    }
  }
}

/// Rows `firstRow ..< firstRow + rowCount` of one plane padded by `padding` with `mode` (padded
/// coordinates), each written as `bandWidth` floats: zeros beyond the padded plane's width and
/// below its last row.
private func fillWinogradBand(
  _ plane: UnsafePointer<Float>, height h: Int, width w: Int, padding: PaddingAmount,
  mode: PaddingMode, firstRow: Int, rowCount: Int, bandWidth: Int,
  into band: UnsafeMutablePointer<Float>
) {
  let p = padding.vertical
  let q = padding.horizontal
  let paddedHeight = h + 2 * p
  let paddedWidth = w + 2 * q
  for r in 0..<rowCount {
    let row = band + r * bandWidth
    let paddedRow = firstRow + r
    guard paddedRow < paddedHeight, let source = mode.sourceIndex(paddedRow - p, size: h) else {
      row.update(repeating: 0, count: bandWidth)
      continue
    }
    let input = plane + source * w
    for x in 0..<q {
      row[x] = mode.sourceIndex(x - q, size: w).map { input[$0] } ?? 0
      row[q + w + x] = mode.sourceIndex(w + x, size: w).map { input[$0] } ?? 0
    }
    (row + q).update(from: input, count: w)
    (row + paddedWidth).update(repeating: 0, count: bandWidth - paddedWidth)
  }
}
