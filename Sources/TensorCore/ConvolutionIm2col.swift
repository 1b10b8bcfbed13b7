// Convolution by im2col + GEMM, for any stride and kernel: used where the shifted-GEMM kernels
// are not (few input channels, stride 2). Work is tiled over output rows so the column buffer
// stays small (about 4096 output positions per tile).
//
//   col[(i·k + ky)·k + kx, r·Wo + x] = P[i, s·(y0 + r) + ky, s·x + kx]
//   out[o, y0·Wo : ...] = W[o, :] · col                     (W as O × I·k·k)
//   dcol = Wᵀ · dOut[:, tile];  dP[i, s·y + ky, s·x + kx] += dcol[...]   (col2im)
//   dW[o, :] += dOut[o, tile] · colᵀ

/// Fills `col` for output rows `firstRow ..< firstRow + rowCount` and input channels `channels`
/// (row `(i − channels.lowerBound)·k·k + ky·k + kx`).
private func im2col(
  _ padded: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int, channels: Range<Int>,
  geometry: ConvolutionGeometry, outputWidth: Int, firstRow: Int, rowCount: Int,
  into col: UnsafeMutablePointer<Float>
) {
  let k = geometry.kernelSize
  let s = geometry.stride
  let columns = rowCount * outputWidth
  var row = 0
  for i in channels {
    let planeBase = padded + i * paddedHeight * paddedWidth
    for ky in 0..<k {
      for kx in 0..<k {
        let destination = col + row * columns
        for r in 0..<rowCount {
          let source = planeBase + (s * (firstRow + r) + ky) * paddedWidth + kx
          let target = destination + r * outputWidth
          if s == 1 {
            target.update(from: source, count: outputWidth)
          } else {
            for x in 0..<outputWidth { target[x] = source[s * x] }
          }
        }
        row += 1
      }
    }
  }
}

/// Adds `dcol` back onto the padded-input gradient (the adjoint of `im2col`).
private func col2im(
  _ col: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int, channels: Range<Int>,
  geometry: ConvolutionGeometry, outputWidth: Int, firstRow: Int, rowCount: Int,
  into padded: UnsafeMutablePointer<Float>
) {
  let k = geometry.kernelSize
  let s = geometry.stride
  let columns = rowCount * outputWidth
  var row = 0
  for i in channels {
    let planeBase = padded + i * paddedHeight * paddedWidth
    for ky in 0..<k {
      for kx in 0..<k {
        let source = col + row * columns
        for r in 0..<rowCount {
          let target = planeBase + (s * (firstRow + r) + ky) * paddedWidth + kx
          let values = source + r * outputWidth
          for x in 0..<outputWidth { target[s * x] += values[x] }
        }
        row += 1
      }
    }
  }
}

private func paddedInput(_ input: Tensor, geometry: ConvolutionGeometry) -> Tensor {
  geometry.padding == 0
    ? input : pad(input, PaddingAmount(geometry.padding), mode: geometry.paddingMode)
}

/// The forward convolution by im2col + GEMM. `[N, O, Ho, Wo]`.
func im2colConvolutionForward(
  _ input: Tensor, filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry,
  activation: FusedActivation, batch n: Int
) -> Tensor {
  let (_, c, h, w) = input.shape.nchw
  let padded = paddedInput(input, geometry: geometry)
  let paddedHeight = h + 2 * geometry.padding
  let paddedWidth = w + 2 * geometry.padding
  let outputHeight = geometry.outputSize(h)
  let outputWidth = geometry.outputSize(w)
  let o = filter.outputChannels
  let reduction = c * geometry.kernelSize * geometry.kernelSize
  let weight = filter.weight
  let output = Tensor(uninitialized: [n, o, outputHeight, outputWidth])
  let tiling = RowTiling(
    images: n, rows: outputHeight, rowLength: outputWidth, channels: reduction,
    threads: Parallel.threads)
  let biasValues = bias?.scalars
  let outputPointer = output.storage.pointer
  padded.withUnsafeBufferPointer { paddedBuffer in
    weight.withUnsafeBufferPointer { weightBuffer in
      Parallel.forEach(tiling.tasks) { range in
        let col = TensorStorage(count: reduction * tiling.rowsPerTile * outputWidth)
        for task in range {
          let (image, firstRow, rowCount) = tiling.tile(task)
          let columns = rowCount * outputWidth
          im2col(
            paddedBuffer.baseAddress! + image * c * paddedHeight * paddedWidth,
            paddedHeight: paddedHeight, paddedWidth: paddedWidth, channels: 0..<c,
            geometry: geometry, outputWidth: outputWidth, firstRow: firstRow, rowCount: rowCount,
            into: col.pointer)
          let destination =
            outputPointer + image * o * outputHeight * outputWidth + firstRow * outputWidth
          BLAS.sgemm(
            m: o, n: columns, k: reduction, a: weightBuffer.baseAddress!, lda: reduction,
            b: col.pointer, ldb: columns, c: destination, ldc: outputHeight * outputWidth)
          for channel in 0..<o {
            let values = destination + channel * outputHeight * outputWidth
            let shift = biasValues?[channel] ?? 0
            switch activation {
            case .identity:
              for x in 0..<columns { values[x] += shift }
            case .relu:
              for x in 0..<columns { values[x] = max(values[x] + shift, 0) }
            case .leakyReLU:
              for x in 0..<columns { values[x] = activation(values[x] + shift) }
            }
          }
        }
      }
    }
  }
  return output
}

/// The input gradient by GEMM + col2im, split over input channels (each worker owns whole planes
/// of the padded gradient, so the overlapping windows never race). `[N, I, H, W]`.
func im2colConvolutionBackwardInput(
  _ outputGradient: Tensor, filter: ConvolutionFilter, inputShape: Shape,
  geometry: ConvolutionGeometry
) -> Tensor {
  let (n, c, h, w) = inputShape.nchw
  let k = geometry.kernelSize
  let paddedHeight = h + 2 * geometry.padding
  let paddedWidth = w + 2 * geometry.padding
  let outputHeight = geometry.outputSize(h)
  let outputWidth = geometry.outputSize(w)
  let o = filter.outputChannels
  let reduction = c * k * k
  let weight = filter.weight
  let paddedGradient = Tensor(zeros: [n, c, paddedHeight, paddedWidth])
  let tiling = RowTiling(
    images: 1, rows: outputHeight, rowLength: outputWidth, channels: reduction, threads: 1)
  let gradientPointer = paddedGradient.storage.pointer
  outputGradient.withUnsafeBufferPointer { outputBuffer in
    weight.withUnsafeBufferPointer { weightBuffer in
      Parallel.forEach(c) { channels in
        let rows = channels.count * k * k
        let col = TensorStorage(count: rows * tiling.rowsPerTile * outputWidth)
        for image in 0..<n {
          for task in 0..<tiling.tasks {
            let (_, firstRow, rowCount) = tiling.tile(task)
            let columns = rowCount * outputWidth
            let source =
              outputBuffer.baseAddress! + image * o * outputHeight * outputWidth
              + firstRow * outputWidth
            BLAS.sgemm(
              transposeA: true, m: rows, n: columns, k: o,
              a: weightBuffer.baseAddress! + channels.lowerBound * k * k, lda: reduction,
              b: source, ldb: outputHeight * outputWidth, c: col.pointer, ldc: columns)
            col2im(
              col.pointer, paddedHeight: paddedHeight, paddedWidth: paddedWidth,
              channels: channels, geometry: geometry, outputWidth: outputWidth,
              firstRow: firstRow, rowCount: rowCount,
              into: gradientPointer + image * c * paddedHeight * paddedWidth)
          }
        }
      }
    }
  }
  if geometry.padding == 0 { return paddedGradient }
  return padAdjoint(paddedGradient, PaddingAmount(geometry.padding), mode: geometry.paddingMode)
}

/// The filter gradient by im2col + GEMM, split over input channels. `[O, I, k, k]`.
func im2colConvolutionBackwardFilter(
  _ outputGradient: Tensor, input: Tensor, filterShape: Shape, geometry: ConvolutionGeometry
) -> Tensor {
  let (n, c, h, w) = input.shape.nchw
  let k = geometry.kernelSize
  let padded = paddedInput(input, geometry: geometry)
  let paddedHeight = h + 2 * geometry.padding
  let paddedWidth = w + 2 * geometry.padding
  let outputHeight = geometry.outputSize(h)
  let outputWidth = geometry.outputSize(w)
  let o = filterShape[0]
  let reduction = c * k * k
  let filterGradient = Tensor(zeros: filterShape)
  let tiling = RowTiling(
    images: 1, rows: outputHeight, rowLength: outputWidth, channels: reduction, threads: 1)
  let gradientPointer = filterGradient.storage.pointer
  outputGradient.withUnsafeBufferPointer { outputBuffer in
    padded.withUnsafeBufferPointer { paddedBuffer in
      Parallel.forEach(c) { channels in
        let rows = channels.count * k * k
        let col = TensorStorage(count: rows * tiling.rowsPerTile * outputWidth)
        for image in 0..<n {
          for task in 0..<tiling.tasks {
            let (_, firstRow, rowCount) = tiling.tile(task)
            let columns = rowCount * outputWidth
            im2col(
              paddedBuffer.baseAddress! + image * c * paddedHeight * paddedWidth,
              paddedHeight: paddedHeight, paddedWidth: paddedWidth, channels: channels,
              geometry: geometry, outputWidth: outputWidth, firstRow: firstRow,
              rowCount: rowCount, into: col.pointer)
            let source =
              outputBuffer.baseAddress! + image * o * outputHeight * outputWidth
              + firstRow * outputWidth
            BLAS.sgemm(
              transposeB: true, m: o, n: rows, k: columns, a: source,
              lda: outputHeight * outputWidth, b: col.pointer, ldb: columns, beta: 1,
              c: gradientPointer + channels.lowerBound * k * k, ldc: reduction)
          }
        }
      }
    }
  }
  return filterGradient
}
