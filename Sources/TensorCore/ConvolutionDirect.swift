internal import COpenBLAS
internal import DirectConvolutionKernels

// Direct convolution for small channel counts (the Texture Networks generator: 3 to 48 channels),
// where a GEMM starves: its M (output channels) and K (input channels · k²) are too small to
// amortise packing. Stride 1, kernel 1 or 3 with "same" padding (p = k / 2), every padding mode.
//
// Work is split into tiles of output rows of each image (RowTiling). A tile pads the band of
// input rows it reads into its worker's workspace, with a row stride that leaves room for the
// 32-wide vector reads, and the micro-kernels (module DirectConvolutionKernels, AVX-512) compute
//
//   out[o, y, x] = b[o] + Σ_{i, ky, kx} W[o, i, ky, kx] · P[i, y + ky, x + kx]
//
// for 8 output channels × 32 columns at a time (16 vector accumulators).
//
// Input gradient. With zero padding it is the same correlation of the zero-padded output
// gradient with the flipped, transposed filter W'[i, o, a, b] = W[o, i, k−1−a, k−1−b]; circular
// padding is a permutation, so its adjoint is the same correlation of the circularly padded output
// gradient. Reflect and replicate padding copy some image rows and columns twice: the tile
// computes the gradient of its rows of the padded input P (columns 0 ..< W + 2), then folds the
// two border columns onto the columns they copied, and the tile holding row src(−1) (src(H)) also
// computes padded row 0 (H + 1) and adds it there. No gradient-sized intermediate is made.
//
// Weight gradient. dW[o, i, ky, kx] = Σ_{n, y, x} dOut[n, o, y, x] · P[n, i, y + ky, x + kx]:
// each worker sums its tiles into its own partial filter (4 output channels × 3 taps of vector
// accumulators per pass over a tile, reduced once per tile); the partials are added in Double.

/// The choice of convolution kernels, for benchmarks and ablations.
public enum ConvolutionDispatch {
  /// Whether the direct small-channel kernels may be used (default true). Task-local: set it for
  /// a scope with `ConvolutionDispatch.$allowsDirectKernels.withValue(false) { ... }`; inside,
  /// every convolution takes the GEMM-based kernels it took before the direct ones existed.
  @TaskLocal public static var allowsDirectKernels = true

  /// Whether this CPU can run the direct kernels (they need AVX-512).
  public static var directKernelsAvailable: Bool { DirectConvolution.isAvailable }
}

/// When the direct kernels are used, and their tiling.
enum DirectConvolution {
  /// Whether this CPU runs the AVX-512 micro-kernels.
  static let isAvailable: Bool = tnblas_cpu_has_avx512() != 0

  /// The largest input or output channel count routed to the direct kernels. Measured on this
  /// machine kind (GeneratorConvolutionBenchmark in Experiments, on a busy machine): they beat
  /// the GEMM kernels on every generator shape from 8 to 48 channels at 32² and above (up to
  /// 3-10x for 3 to 8 channels); at 64 → 64 (3x3, 256²) the gradients are faster and the
  /// forward about even. Above 64 the GEMMs' blocking wins.
  static let maximumChannels = 64

  /// Whether the direct kernels compute a convolution with these channel counts and geometry.
  static func applies(inputChannels: Int, outputChannels: Int, geometry: ConvolutionGeometry)
    -> Bool
  {
    isAvailable && ConvolutionDispatch.allowsDirectKernels && geometry.stride == 1
      && (geometry.kernelSize == 1 || geometry.kernelSize == 3)
      && geometry.padding == geometry.kernelSize / 2
      && inputChannels <= maximumChannels && outputChannels <= maximumChannels
  }

  /// Whether the direct kernels compute the filter gradient: as `applies`, except 1x1 filters
  /// with fewer than 2²² multiply-adds per image (I·O·H·W), where the per-tile reductions cost
  /// more than the GEMM (measured: 8→8 at 64², 16→16 at 32² are faster by GEMM; 8→8 at 256²,
  /// 32→32 at 64² by the direct kernel).
  static func appliesToFilterGradient(
    inputChannels: Int, outputChannels: Int, plane: Int, geometry: ConvolutionGeometry
  ) -> Bool {
    applies(inputChannels: inputChannels, outputChannels: outputChannels, geometry: geometry)
      && (geometry.kernelSize != 1 || inputChannels * outputChannels * plane >= 1 << 22)
  }

  /// Pixels of a 1x1 tile (its planes are read in place).
  static let pointwisePixels = 4096

  /// Floats of a forward tile's band of padded input rows: about 512 KiB (L2).
  static let bandFloats = 1 << 17

  /// Floats a weight-gradient tile sweeps per pass (4 gradient rows and 1 input row per tile row),
  /// kept within the 48 KiB L1 data cache.
  static let gradientPassFloats = 10_000

  /// The row stride of a band whose tiles write `outputWidth` columns with a k-wide kernel: every
  /// 32-wide read of the last tile (up to `k − 1 + 31` floats past its first column) stays inside.
  static func rowStride(outputWidth: Int, kernelSize k: Int) -> Int {
    let tiles = (outputWidth + 31) / 32 * 32
    return (tiles + k + 15) / 16 * 16
  }

  /// The filter taps `[k², O, I]` packed for `DirectConvolutionKernels.correlate`: forward (8
  /// output channels per block) or, `transposed`, the input gradient's flipped filter W' with
  /// the I input channels as its outputs.
  static func pack(_ filter: ConvolutionFilter, transposed: Bool) -> [Float] {
    let o = filter.outputChannels
    let i = filter.inputChannels
    let taps = filter.kernelSize * filter.kernelSize
    let block = DirectConvolutionKernels.outputBlock
    let (outputs, channels) = transposed ? (i, o) : (o, i)
    var packed = [Float](
      repeating: 0,
      count: DirectConvolutionKernels.packedCount(
        outputChannels: outputs, channels: channels, kernelSize: filter.kernelSize))
    filter.taps.withUnsafeBufferPointer { source in
      for output in 0..<outputs {
        let (b, q) = output.quotientAndRemainder(dividingBy: block)
        for channel in 0..<channels {
          for t in 0..<taps {
            let value =
              transposed
              ? source[(taps - 1 - t) * o * i + channel * i + output]
              : source[t * o * i + output * i + channel]
            packed[((b * channels + channel) * taps + t) * block + q] = value
          }
        }
      }
    }
    return packed
  }
}

/// Copies rows `firstRow ..< firstRow + rows` (padded coordinates) of `channels` planes of
/// `h × w`, padded by `p` with `mode`, into `destination`: plane c at `c · planeStride`, row r at
/// `r · rowStride`, padded columns `0 ..< w + 2p`. The columns past them are left as they are.
private func fillBand(
  _ source: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, padding p: Int,
  mode: PaddingMode, firstRow: Int, rows: Int, rowStride: Int, planeStride: Int,
  into destination: UnsafeMutablePointer<Float>
) {
  let paddedWidth = w + 2 * p
  withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * max(p, 1)) { borders in
    for x in 0..<p {
      borders[x] = mode.sourceIndex(x - p, size: w) ?? -1
      borders[p + x] = mode.sourceIndex(w + x, size: w) ?? -1
    }
    for channel in 0..<channels {
      let plane = source + channel * h * w
      for r in 0..<rows {
        let row = destination + channel * planeStride + r * rowStride
        guard let sourceRow = mode.sourceIndex(firstRow + r - p, size: h) else {
          row.update(repeating: 0, count: paddedWidth)
          continue
        }
        let input = plane + sourceRow * w
        (row + p).update(from: input, count: w)
        for x in 0..<p {
          row[x] = borders[x] < 0 ? 0 : input[borders[x]]
          row[p + w + x] = borders[p + x] < 0 ? 0 : input[borders[p + x]]
        }
      }
    }
  }
}

/// A zeroed workspace of `count` floats (the slack columns must hold finite values).
private func zeroedWorkspace(_ count: Int) -> TensorStorage {
  let storage = TensorStorage(count: count)
  storage.pointer.update(repeating: 0, count: count)
  return storage
}

/// The correlation `[N, I, H, W]` → `[N, M, H, W]` of `input` padded by `p` (k = 2p + 1) with
/// `mode` and the packed filter, written to (or, `accumulate`, added into) `output`.
private func directCorrelation(
  _ input: Tensor, packed: [Float], outputChannels m: Int, kernelSize k: Int, mode: PaddingMode,
  bias: Tensor?, negativeSlope: Float?, accumulate: Bool, inDouble: Bool = false,
  into output: UnsafeMutablePointer<Float>
) {
  let (n, c, h, w) = input.shape.nchw
  if k == 1 && (h * w) % 32 == 0 {
    pointwiseCorrelation(
      input, packed: packed, outputChannels: m, bias: bias, negativeSlope: negativeSlope, accumulate: accumulate,
      inDouble: inDouble, into: output)
    return
  }
  let p = k / 2
  let rowStride = DirectConvolution.rowStride(outputWidth: w, kernelSize: k)
  let target = max(1, DirectConvolution.bandFloats / max(1, c * rowStride) - (k - 1))
  let tiling = RowTiling(images: n, rows: h, targetRowsPerTile: target, threads: Parallel.threads)
  let planeStride = (tiling.rowsPerTile + k - 1) * rowStride
  let biasValues = bias?.scalars
  input.withUnsafeBufferPointer { source in
    packed.withUnsafeBufferPointer { weights in
      Parallel.forEach(tiling.tasks) { range in
        let band = zeroedWorkspace(c * planeStride)
        for task in range {
          let (image, firstRow, rowCount) = tiling.tile(task)
          fillBand(
            source.baseAddress! + image * c * h * w, channels: c, height: h, width: w,
            padding: p, mode: mode, firstRow: firstRow, rows: rowCount + k - 1,
            rowStride: rowStride, planeStride: planeStride, into: band.pointer)
          let run = { (bias: UnsafePointer<Float>?) in
            DirectConvolutionKernels.correlate(
              band: band.pointer, channels: c, planeStride: planeStride, rowStride: rowStride,
              packed: weights.baseAddress!, outputChannels: m, kernelSize: k, rows: rowCount,
              width: w, bias: bias, negativeSlope: negativeSlope, accumulate: accumulate,
              output: output + image * m * h * w + firstRow * w, outputPlaneStride: h * w,
              outputRowStride: w, inDouble: inDouble)
          }
          if let biasValues {
            biasValues.withUnsafeBufferPointer { run($0.baseAddress!) }
          } else {
            run(nil)
          }
        }
      }
    }
  }
}

/// A 1x1 correlation needs no padding: each image's planes are read in place as rows of H·W
/// pixels, split into tiles of `pointwisePixels` (a multiple of 32, so no read passes a plane).
private func pointwiseCorrelation(
  _ input: Tensor, packed: [Float], outputChannels m: Int, bias: Tensor?, negativeSlope: Float?,
  accumulate: Bool, inDouble: Bool, into output: UnsafeMutablePointer<Float>
) {
  let (n, c, h, w) = input.shape.nchw
  let plane = h * w
  let tiling = RowTiling(
    images: n, rows: plane / 32, targetRowsPerTile: DirectConvolution.pointwisePixels / 32,
    threads: Parallel.threads)
  let biasValues = bias?.scalars ?? []
  input.withUnsafeBufferPointer { source in
    packed.withUnsafeBufferPointer { weights in
      biasValues.withUnsafeBufferPointer { biasBuffer in
        Parallel.forEach(tiling.tasks) { range in
          for task in range {
            let (image, first, count) = tiling.tile(task)
            DirectConvolutionKernels.correlate(
              band: source.baseAddress! + image * c * plane + first * 32, channels: c,
              planeStride: plane, rowStride: 0, packed: weights.baseAddress!,
              outputChannels: m, kernelSize: 1, rows: 1, width: count * 32,
              bias: bias == nil ? nil : biasBuffer.baseAddress, negativeSlope: negativeSlope,
              accumulate: accumulate, output: output + image * m * plane + first * 32,
              outputPlaneStride: plane, outputRowStride: 0, inDouble: inDouble)
          }
        }
      }
    }
  }
}

/// The forward convolution by the direct kernels (see `DirectConvolution.applies`), its sums in
/// Double with `inDouble` (`ConvolutionPrecision`). `[N, I, H, W]` → `[N, O, H, W]`.
func directConvolutionForward(
  _ input: Tensor, filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry,
  activation: FusedActivation, inDouble: Bool = false
) -> Tensor {
  let (n, _, h, w) = input.shape.nchw
  let output = Tensor(uninitialized: [n, filter.outputChannels, h, w])
  directCorrelation(
    input, packed: DirectConvolution.pack(filter, transposed: false),
    outputChannels: filter.outputChannels, kernelSize: filter.kernelSize,
    mode: geometry.paddingMode, bias: bias, negativeSlope: activation.negativeSlope, accumulate: false,
    inDouble: inDouble, into: output.storage.pointer)
  return output
}

/// The input gradient by the direct kernels, `[N, I, H, W]`; with `target` (uniquely held, of
/// the input's shape) it is added into that tensor's storage.
func directConvolutionBackwardInput(
  _ outputGradient: Tensor, filter: ConvolutionFilter, inputShape: Shape,
  geometry: ConvolutionGeometry, accumulatingInto target: Tensor?
) -> Tensor {
  let result = target ?? Tensor(uninitialized: inputShape)
  let packed = DirectConvolution.pack(filter, transposed: true)
  let k = filter.kernelSize
  let mode = geometry.paddingMode
  switch mode {
  case _ where k == 1, .zero, .circular:
    directCorrelation(
      outputGradient, packed: packed, outputChannels: filter.inputChannels, kernelSize: k,
      mode: mode, bias: nil, negativeSlope: nil, accumulate: target != nil,
      into: result.storage.pointer)
  case .reflect, .replicate:
    foldedBackwardInput(
      outputGradient, packed: packed, inputChannels: filter.inputChannels, mode: mode,
      accumulate: target != nil, into: result.storage.pointer)
  }
  return result
}

/// The 3x3 input gradient for reflect and replicate padding: per tile, the gradient of the padded
/// input's rows (`dP[j, l] = Σ W' · dOut` zero-padded by 2, columns `0 ..< W + 2`), folded onto
/// the image: `dX[y, x] += dP[y + 1, x + 1]`, border columns onto `src(−1)` and `src(W)`, border
/// rows 0 and H + 1 onto rows `src(−1)` and `src(H)` by the tile holding those rows.
private func foldedBackwardInput(
  _ outputGradient: Tensor, packed: [Float], inputChannels ci: Int, mode: PaddingMode,
  accumulate: Bool, into output: UnsafeMutablePointer<Float>
) {
  let (n, o, h, w) = outputGradient.shape.nchw
  let paddedWidth = w + 2
  let rowStride = DirectConvolution.rowStride(outputWidth: paddedWidth, kernelSize: 3)
  let target = max(1, DirectConvolution.bandFloats / max(1, o * rowStride) - 2)
  let tiling = RowTiling(images: n, rows: h, targetRowsPerTile: target, threads: Parallel.threads)
  let planeStride = (tiling.rowsPerTile + 2) * rowStride
  let bufferPlane = tiling.rowsPerTile * rowStride
  let leftColumn = mode.sourceIndex(-1, size: w)!
  let rightColumn = mode.sourceIndex(w, size: w)!
  let topRow = mode.sourceIndex(-1, size: h)!
  let bottomRow = mode.sourceIndex(h, size: h)!
  outputGradient.withUnsafeBufferPointer { source in
    packed.withUnsafeBufferPointer { weights in
      Parallel.forEach(tiling.tasks) { range in
        let band = zeroedWorkspace(o * planeStride)
        let buffer = TensorStorage(count: ci * bufferPlane)
        for task in range {
          let (image, firstRow, rowCount) = tiling.tile(task)
          let gradient = source.baseAddress! + image * o * h * w
          let imageOutput = output + image * ci * h * w
          // Padded rows j = firstRow + 1 ... firstRow + rowCount read zero-padded rows j − 2 ... j
          // (padded by 2: band row 0 is padded row j − 2 + 2 − (firstRow + 1) = 0).
          let rowsOfDP: [(first: Int, count: Int, target: Int)] =
            [(firstRow + 1, rowCount, firstRow)]
            + (firstRow <= topRow && topRow < firstRow + rowCount ? [(0, 1, topRow)] : [])
            + (firstRow <= bottomRow && bottomRow < firstRow + rowCount
              ? [(h + 1, 1, bottomRow)] : [])
          for (index, part) in rowsOfDP.enumerated() {
            fillBand(
              gradient, channels: o, height: h, width: w, padding: 2, mode: .zero,
              firstRow: part.first, rows: part.count + 2, rowStride: rowStride,
              planeStride: planeStride, into: band.pointer)
            DirectConvolutionKernels.correlate(
              band: band.pointer, channels: o, planeStride: planeStride, rowStride: rowStride,
              packed: weights.baseAddress!, outputChannels: ci, kernelSize: 3, rows: part.count,
              width: paddedWidth, bias: nil, negativeSlope: nil, accumulate: false,
              output: buffer.pointer, outputPlaneStride: bufferPlane, outputRowStride: rowStride)
            let add = accumulate || index > 0
            for channel in 0..<ci {
              for r in 0..<part.count {
                let dP = buffer.pointer + channel * bufferPlane + r * rowStride
                let row = imageOutput + (channel * h + part.target + r) * w
                if add {
                  for x in 0..<w { row[x] += dP[x + 1] }
                } else {
                  (row).update(from: dP + 1, count: w)
                }
                row[leftColumn] += dP[0]
                row[rightColumn] += dP[w + 1]
              }
            }
          }
        }
      }
    }
  }
}

/// The filter gradient `[O, I, k, k]` by the direct kernels (see the file comment).
func directConvolutionFilterGradient(
  _ outputGradient: Tensor, input: Tensor, outputChannels o: Int, geometry: ConvolutionGeometry
) -> Tensor {
  let (n, c, h, w) = input.shape.nchw
  let k = geometry.kernelSize
  let p = k / 2
  let taps = k * k
  let roundedInputs = k == 1 ? (c + 2) / 3 * 3 : c
  let roundedOutputs = (o + 3) / 4 * 4
  let rowStride = ((w + 15) / 16 * 16 + k - 1 + 15) / 16 * 16
  let target = max(1, DirectConvolution.gradientPassFloats / (5 * rowStride))
  let tiling = RowTiling(images: n, rows: h, targetRowsPerTile: target, threads: Parallel.threads)
  let inputPlane = (tiling.rowsPerTile + k - 1) * rowStride
  let gradientPlane = tiling.rowsPerTile * rowStride
  let filterCount = o * c * taps
  let workers = min(Parallel.threads, tiling.tasks)
  let partials = zeroedWorkspace(workers * filterCount)
  input.withUnsafeBufferPointer { source in
    outputGradient.withUnsafeBufferPointer { gradient in
      Parallel.forEach(workers) { range in
        let inputBand = zeroedWorkspace(roundedInputs * inputPlane)
        let gradientBand = zeroedWorkspace(roundedOutputs * gradientPlane)
        for worker in range {
          let partial = partials.pointer + worker * filterCount
          let tasks = (tiling.tasks * worker / workers)..<(tiling.tasks * (worker + 1) / workers)
          for task in tasks {
            let (image, firstRow, rowCount) = tiling.tile(task)
            fillBand(
              source.baseAddress! + image * c * h * w, channels: c, height: h, width: w,
              padding: p, mode: geometry.paddingMode, firstRow: firstRow, rows: rowCount + k - 1,
              rowStride: rowStride, planeStride: inputPlane, into: inputBand.pointer)
            let imageGradient = gradient.baseAddress! + image * o * h * w + firstRow * w
            for channel in 0..<o {
              for r in 0..<rowCount {
                (gradientBand.pointer + channel * gradientPlane + r * rowStride).update(
                  from: imageGradient + channel * h * w + r * w, count: w)
              }
            }
            DirectConvolutionKernels.filterGradient(
              input: inputBand.pointer, inputChannels: c, inputPlaneStride: inputPlane,
              gradient: gradientBand.pointer, outputChannels: o,
              gradientPlaneStride: gradientPlane, rowStride: rowStride, rows: rowCount,
              width: w, kernelSize: k, partial: partial)
          }
        }
      }
    }
  }
  let result = Tensor(uninitialized: [o, c, k, k])
  for index in 0..<filterCount {
    var total = 0.0
    for worker in 0..<workers { total += Double(partials.pointer[worker * filterCount + index]) }
    result.storage.pointer[index] = Float(total)
  }
  return result
}
