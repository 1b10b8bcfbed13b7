// Stride-1 convolution as k·k GEMMs over shifted views of the padded input (no im2col).
//
// With the padded input P of one image stored as I planes of Hp × Wp, the output computed over
// the padded width Wp (Wp − Wo "junk" columns per row, discarded afterwards) is
//
//   out'[o, r·Wp + x] = Σ_{ky, kx} Σ_i W[o, i, ky, kx] · P[i, (r + ky)·Wp + x + kx]
//
// and, for a fixed tap (ky, kx), the inner sum is one GEMM of the tap's O × I matrix with P read as
// an I × (rows·Wp) matrix starting at offset ky·Wp + kx. Work is split into tiles of output rows
// small enough for the tile's accumulator (O × rows·Wp) to stay in L2; each tile pads just the
// band of input rows it reads into its worker's workspace (so no padded copy of the whole input
// exists), and each worker runs single-threaded GEMMs on its own tiles. The last tap reads k − 1
// floats past the band's last plane, so the workspace carries that much slack.

/// Which tap matrices a shifted convolution multiplies with.
enum ShiftedTaps {
  /// The forward convolution: tap t is `W[:, :, ky, kx]`, O × I.
  case forward(ConvolutionFilter)
  /// The input gradient: tap t is the flipped tap `(k−1−ky, k−1−kx)` transposed, I × O.
  case backward(ConvolutionFilter)

  var filter: ConvolutionFilter {
    switch self {
    case .forward(let filter), .backward(let filter): return filter
    }
  }

  /// Output channels of the GEMMs (M) and their reduction size (K).
  var outputChannels: Int {
    switch self {
    case .forward(let filter): return filter.outputChannels
    case .backward(let filter): return filter.inputChannels
    }
  }

  var reductionChannels: Int {
    switch self {
    case .forward(let filter): return filter.inputChannels
    case .backward(let filter): return filter.outputChannels
    }
  }
}

/// A stride-1 convolution of `input` `[N, K, H, W]` padded by `padding` with `mode`:
/// `[N, M, H + 2p − k + 1, W + 2q − k + 1]`, M and K as `taps` says.
///
/// Each tile pads only the band of input rows it reads (`rows + k − 1` padded rows of every
/// channel) into its worker's workspace: no padded copy of the whole input is ever made. With
/// `accumulatingInto` (a uniquely held tensor of the output's shape) the result is added into it
/// instead of being written to a new tensor.
@discardableResult
func shiftedConvolution(
  _ input: Tensor, taps: ShiftedTaps, bias: Tensor?, padding: PaddingAmount,
  paddingMode: PaddingMode, activation: FusedActivation, accumulatingInto target: Tensor? = nil
) -> Tensor {
  let (n, reduction, h, w) = input.shape.nchw
  precondition(reduction == taps.reductionChannels, "shiftedConvolution: channel mismatch")
  let filter = taps.filter
  let k = filter.kernelSize
  let m = taps.outputChannels
  let paddedHeight = h + 2 * padding.vertical
  let paddedWidth = w + 2 * padding.horizontal
  let outputHeight = paddedHeight - k + 1
  let outputWidth = paddedWidth - k + 1
  let output = target ?? Tensor(uninitialized: [n, m, outputHeight, outputWidth])
  precondition(
    output.shape == [n, m, outputHeight, outputWidth],
    "shiftedConvolution: accumulating into \(output.shape), output is \(Shape([n, m, outputHeight, outputWidth]))")
  // When accumulating, `output` shares the caller's uniquely held storage (it called
  // makeUnique), and the epilogue adds into it through the pointer.
  let accumulate = target != nil
  precondition(!accumulate || activation == .identity, "shiftedConvolution: accumulate with an activation")
  let tiling = RowTiling(
    images: n, rows: outputHeight, rowLength: paddedWidth, channels: m, threads: Parallel.threads)
  let bandRows = tiling.rowsPerTile + k - 1
  let outputPointer = output.storage.pointer
  let tapMatrix = filter.outputChannels * filter.inputChannels
  let biasValues = bias?.scalars
  input.withUnsafeBufferPointer { inputBuffer in
    filter.taps.withUnsafeBufferPointer { tapBuffer in
      let tapBase = tapBuffer.baseAddress!
      Parallel.forEach(tiling.tasks) { range in
        let accumulator = TensorStorage(count: m * tiling.rowsPerTile * paddedWidth)
        // The band of padded input rows a tile reads, plus k − 1 floats of slack: the last tap
        // reads that far past the last plane (into the junk columns).
        let band = TensorStorage(count: reduction * bandRows * paddedWidth + k)
        (band.pointer + reduction * bandRows * paddedWidth).update(repeating: 0, count: k)
        for task in range {
          let (image, firstRow, rowCount) = tiling.tile(task)
          let columns = rowCount * paddedWidth
          let plane = (rowCount + k - 1) * paddedWidth
          padBand(
            inputBuffer.baseAddress! + image * reduction * h * w, planes: reduction, height: h,
            width: w, amount: padding, mode: paddingMode, firstRow: firstRow,
            rowCount: rowCount + k - 1, into: band.pointer)
          if plane * reduction < reduction * bandRows * paddedWidth {
            (band.pointer + plane * reduction).update(repeating: 0, count: k)
          }
          for tap in 0..<(k * k) {
            let b = UnsafePointer(band.pointer + (tap / k) * paddedWidth + tap % k)
            switch taps {
            case .forward:
              BLAS.sgemm(
                m: m, n: columns, k: reduction, a: tapBase + tap * tapMatrix, lda: reduction,
                b: b, ldb: plane, beta: tap == 0 ? 0 : 1, c: accumulator.pointer, ldc: columns)
            case .backward:
              BLAS.sgemm(
                transposeA: true, m: m, n: columns, k: reduction,
                a: tapBase + (k * k - 1 - tap) * tapMatrix, lda: m, b: b, ldb: plane,
                beta: tap == 0 ? 0 : 1, c: accumulator.pointer, ldc: columns)
            }
          }
          // Epilogue: drop the junk columns, add the bias, apply the activation.
          let imageOutput = outputPointer + image * m * outputHeight * outputWidth
          for o in 0..<m {
            let shift = biasValues?[o] ?? 0
            for r in 0..<rowCount {
              let source = accumulator.pointer + o * columns + r * paddedWidth
              let destination = imageOutput + (o * outputHeight + firstRow + r) * outputWidth
              switch activation {
              case .identity where accumulate:
                for x in 0..<outputWidth { destination[x] += source[x] + shift }
              case .identity:
                for x in 0..<outputWidth { destination[x] = source[x] + shift }
              case .relu:
                for x in 0..<outputWidth { destination[x] = max(source[x] + shift, 0) }
              case .leakyReLU:
                for x in 0..<outputWidth { destination[x] = activation(source[x] + shift) }
              }
            }
          }
        }
      }
    }
  }
  return output
}

/// `dW` `[O, I, k, k]` of a stride-1 convolution by shifted GEMMs: for each tap,
/// `dW_t = dOut' · P_tᵀ` where dOut' is the output gradient laid over the padded width (zeros in
/// the junk columns) and P_t the padded input at the tap's offset. Split over input channels.
func shiftedConvolutionFilterGradient(
  _ outputGradient: Tensor, input: Tensor, outputChannels o: Int, geometry: ConvolutionGeometry
) -> Tensor {
  let (n, c, h, w) = input.shape.nchw
  let k = geometry.kernelSize
  let p = geometry.padding
  let paddedHeight = h + 2 * p
  let paddedWidth = w + 2 * p
  let plane = paddedHeight * paddedWidth
  let outputHeight = paddedHeight - k + 1
  let outputWidth = paddedWidth - k + 1
  let padded = TensorStorage(count: n * c * plane + k)
  input.withUnsafeBufferPointer { source in
    padPlanes(
      source.baseAddress!, planes: n * c, height: h, width: w, amount: PaddingAmount(p),
      mode: geometry.paddingMode, into: padded.pointer)
  }
  (padded.pointer + n * c * plane).update(repeating: 0, count: k)
  let taps = Tensor(zeros: [k * k, o, c])
  let widened = TensorStorage(count: o * outputHeight * paddedWidth)
  let columns = outputHeight * paddedWidth
  outputGradient.withUnsafeBufferPointer { gradient in
    for image in 0..<n {
      // dOut' : the output gradient over the padded width, zeros in the junk columns.
      let source = gradient.baseAddress! + image * o * outputHeight * outputWidth
      for row in 0..<(o * outputHeight) {
        let destination = widened.pointer + row * paddedWidth
        destination.update(from: source + row * outputWidth, count: outputWidth)
        (destination + outputWidth).update(repeating: 0, count: paddedWidth - outputWidth)
      }
      let imageBase = padded.pointer + image * c * plane
      Parallel.forEach(c) { channels in
        for tap in 0..<(k * k) {
          let offset = (tap / k) * paddedWidth + tap % k
          BLAS.sgemm(
            transposeB: true, m: o, n: channels.count, k: columns, a: widened.pointer,
            lda: columns, b: imageBase + channels.lowerBound * plane + offset, ldb: plane,
            beta: 1, c: taps.storage.pointer + tap * o * c + channels.lowerBound, ldc: c)
        }
      }
    }
  }
  return ConvolutionFilter(taps: taps, kernelSize: k).weight
}
