// The inner loops of TensorCore's direct convolution (ConvolutionDirect.swift) for small channel
// counts: cross-correlation of a band of padded rows, vectorised along the width with AVX-512
// (SIMD32/SIMD16 of Float, fused multiply-adds) and register-blocked over 8 output channels.
//
// This module is compiled for the skylake-avx512 CPU (Package.swift), so its code must only run
// on a CPU with AVX-512 F/BW/DQ/VL: TensorCore calls it only after checking that at run time.
// It holds no state and knows nothing of tensors, padding or threads: the caller prepares padded
// bands in workspaces and splits the work.
//
// Band layout: `channels` planes, `planeStride` floats apart; each plane holds rows `rowStride`
// floats apart; row r, column c of a plane is padded position (first row + r, c). Reads go up to
// 31 floats past the last column a tile uses, inside the row stride (the caller sizes it).

/// The micro-kernels of the direct convolution; all pointers are raw float buffers.
public enum DirectConvolutionKernels {
  /// Output channels computed together (the register block).
  public static let outputBlock = 8

  /// The packed filter's size in floats for `outputChannels` blocks of `outputBlock`:
  /// `ceil(outputChannels / 8) · channels · k² · 8`.
  public static func packedCount(outputChannels: Int, channels: Int, kernelSize: Int) -> Int {
    (outputChannels + outputBlock - 1) / outputBlock * channels * kernelSize * kernelSize
      * outputBlock
  }

  /// `out[o, r, x] = (accumulate ? out[o, r, x] : 0) + bias[o]
  ///    + Σ_{c, ky, kx} w[o, c, ky, kx] · band[c, r + ky, x + kx]`, then, with a `negativeSlope` s,
  ///    the (leaky) ReLU `v > 0 ? v : s · v` (s = 0: `max(v, 0)`),
  /// for `o < outputChannels`, `r < rows`, `x < width`.
  ///
  /// `packed` holds the filter as blocks of 8 output channels, `[ceil(O/8), channels, k, k, 8]`
  /// (channels past O are zero), as `packFilter` writes it. `output` planes are
  /// `outputPlaneStride` floats apart and their rows `outputRowStride`. With `inDouble`, the
  /// sums are Double's (`correlateInDouble`).
  public static func correlate(
    band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    packed: UnsafePointer<Float>, outputChannels: Int, kernelSize: Int, rows: Int, width: Int,
    bias: UnsafePointer<Float>?, negativeSlope: Float?, accumulate: Bool,
    output: UnsafeMutablePointer<Float>, outputPlaneStride: Int, outputRowStride: Int,
    inDouble: Bool = false
  ) {
    if inDouble {
      correlateInDouble(
        band: band, channels: channels, planeStride: planeStride, rowStride: rowStride,
        packed: packed, outputChannels: outputChannels, kernelSize: kernelSize, rows: rows,
        width: width, bias: bias, negativeSlope: negativeSlope, accumulate: accumulate,
        output: output, outputPlaneStride: outputPlaneStride, outputRowStride: outputRowStride)
      return
    }
    switch kernelSize {
    case 3:
      correlate(
        k: 3, band: band, channels: channels, planeStride: planeStride, rowStride: rowStride,
        packed: packed, outputChannels: outputChannels, rows: rows, width: width, bias: bias,
        negativeSlope: negativeSlope, accumulate: accumulate, output: output,
        outputPlaneStride: outputPlaneStride, outputRowStride: outputRowStride)
    case 1:
      correlate(
        k: 1, band: band, channels: channels, planeStride: planeStride, rowStride: rowStride,
        packed: packed, outputChannels: outputChannels, rows: rows, width: width, bias: bias,
        negativeSlope: negativeSlope, accumulate: accumulate, output: output,
        outputPlaneStride: outputPlaneStride, outputRowStride: outputRowStride)
    default:
      preconditionFailure("DirectConvolutionKernels.correlate: kernel size \(kernelSize) is not 1 or 3")
    }
  }

  @inline(__always)
  static func correlate(
    k: Int, band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    packed: UnsafePointer<Float>, outputChannels: Int, rows: Int, width: Int,
    bias: UnsafePointer<Float>?, negativeSlope: Float?, accumulate: Bool,
    output: UnsafeMutablePointer<Float>, outputPlaneStride: Int, outputRowStride: Int
  ) {
    let blocks = (outputChannels + outputBlock - 1) / outputBlock
    let blockFloats = channels * k * k * outputBlock
    withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * outputBlock) { tile in
      let tile = tile.baseAddress!
      for block in 0..<blocks {
        let weights = packed + block * blockFloats
        let firstChannel = block * outputBlock
        let valid = min(outputBlock, outputChannels - firstChannel)
        let blockBias = bias.map { $0 + firstChannel }
        for r in 0..<rows {
          let bandRow = band + r * rowStride
          let outputRow = output + firstChannel * outputPlaneStride + r * outputRowStride
          var x = 0
          while x < width {
            let count = min(32, width - x)
            if count > 16 {
              wideTile(
                k: k, band: bandRow + x, channels: channels, planeStride: planeStride,
                rowStride: rowStride, weights: weights, into: tile)
            } else {
              narrowTile(
                k: k, band: bandRow + x, channels: channels, planeStride: planeStride,
                rowStride: rowStride, weights: weights, into: tile)
            }
            storeTile(
              tile, count: count, valid: valid, bias: blockBias, negativeSlope: negativeSlope,
              accumulate: accumulate, output: outputRow + x, planeStride: outputPlaneStride)
            x += 32
          }
        }
      }
    }
  }

  typealias V = SIMD16<Float>

  /// Eight output channels of 32 columns (16 accumulators): `tile[2q]`, `tile[2q + 1]` hold
  /// output channel q's columns 0-15 and 16-31.
  @inline(__always)
  static func wideTile(
    k: Int, band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    weights: UnsafePointer<Float>, into tile: UnsafeMutablePointer<V>
  ) {
    var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
    var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
    var w = weights
    for c in 0..<channels {
      let plane = band + c * planeStride
      for ky in 0..<k {
        let row = UnsafeRawPointer(plane + ky * rowStride)
        for kx in 0..<k {
          let u = row.loadUnaligned(fromByteOffset: kx * 4, as: V.self)
          let v = row.loadUnaligned(fromByteOffset: kx * 4 + 64, as: V.self)
          var s = V(repeating: w[0])
          a0.addProduct(u, s)
          b0.addProduct(v, s)
          s = V(repeating: w[1])
          a1.addProduct(u, s)
          b1.addProduct(v, s)
          s = V(repeating: w[2])
          a2.addProduct(u, s)
          b2.addProduct(v, s)
          s = V(repeating: w[3])
          a3.addProduct(u, s)
          b3.addProduct(v, s)
          s = V(repeating: w[4])
          a4.addProduct(u, s)
          b4.addProduct(v, s)
          s = V(repeating: w[5])
          a5.addProduct(u, s)
          b5.addProduct(v, s)
          s = V(repeating: w[6])
          a6.addProduct(u, s)
          b6.addProduct(v, s)
          s = V(repeating: w[7])
          a7.addProduct(u, s)
          b7.addProduct(v, s)
          w += outputBlock
        }
      }
    }
    tile[0] = a0
    tile[1] = b0
    tile[2] = a1
    tile[3] = b1
    tile[4] = a2
    tile[5] = b2
    tile[6] = a3
    tile[7] = b3
    tile[8] = a4
    tile[9] = b4
    tile[10] = a5
    tile[11] = b5
    tile[12] = a6
    tile[13] = b6
    tile[14] = a7
    tile[15] = b7
  }

  /// Eight output channels of 16 columns (8 accumulators), stored like `wideTile`'s first half.
  @inline(__always)
  static func narrowTile(
    k: Int, band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    weights: UnsafePointer<Float>, into tile: UnsafeMutablePointer<V>
  ) {
    var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
    var w = weights
    for c in 0..<channels {
      let plane = band + c * planeStride
      for ky in 0..<k {
        let row = UnsafeRawPointer(plane + ky * rowStride)
        for kx in 0..<k {
          let u = row.loadUnaligned(fromByteOffset: kx * 4, as: V.self)
          a0.addProduct(u, V(repeating: w[0]))
          a1.addProduct(u, V(repeating: w[1]))
          a2.addProduct(u, V(repeating: w[2]))
          a3.addProduct(u, V(repeating: w[3]))
          a4.addProduct(u, V(repeating: w[4]))
          a5.addProduct(u, V(repeating: w[5]))
          a6.addProduct(u, V(repeating: w[6]))
          a7.addProduct(u, V(repeating: w[7]))
          w += outputBlock
        }
      }
    }
    tile[0] = a0
    tile[2] = a1
    tile[4] = a2
    tile[6] = a3
    tile[8] = a4
    tile[10] = a5
    tile[12] = a6
    tile[14] = a7
  }

  /// `correlate` with every sum accumulated in Double, the bias included, and rounded to Float
  /// once (then the accumulation and the (leaky) ReLU in Float): for the generator's training
  /// forward pass, where float32 sums can flip the sign of a LeakyReLU input within a few 1e-6
  /// of its channel's spread from zero (TensorCore's `ConvolutionPrecision`). Tiles of 8 output
  /// channels × 16 columns, each column pair of accumulators `SIMD8<Double>`: half the columns
  /// of `correlate`'s per multiply-add, plus the conversions. Same layouts and reads as
  /// `correlate`.
  public static func correlateInDouble(
    band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    packed: UnsafePointer<Float>, outputChannels: Int, kernelSize: Int, rows: Int, width: Int,
    bias: UnsafePointer<Float>?, negativeSlope: Float?, accumulate: Bool,
    output: UnsafeMutablePointer<Float>, outputPlaneStride: Int, outputRowStride: Int
  ) {
    precondition(
      kernelSize == 1 || kernelSize == 3,
      "DirectConvolutionKernels.correlateInDouble: kernel size \(kernelSize) is not 1 or 3")
    let k = kernelSize
    let blocks = (outputChannels + outputBlock - 1) / outputBlock
    let blockFloats = channels * k * k * outputBlock
    withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * outputBlock) { tile in
      let tile = tile.baseAddress!
      // The block's weights converted once, so that each tap broadcasts a Double from memory.
      let weights = UnsafeMutablePointer<Double>.allocate(capacity: blockFloats)
      defer { weights.deallocate() }
      for block in 0..<blocks {
        let blockWeights = packed + block * blockFloats
        for index in 0..<blockFloats { weights[index] = Double(blockWeights[index]) }
        let firstChannel = block * outputBlock
        let valid = min(outputBlock, outputChannels - firstChannel)
        var start = SIMD8<Double>()
        if let bias {
          for q in 0..<valid { start[q] = Double(bias[firstChannel + q]) }
        }
        for r in 0..<rows {
          let bandRow = band + r * rowStride
          let outputRow = output + firstChannel * outputPlaneStride + r * outputRowStride
          var x = 0
          while x < width {
            if k == 3 {
              doubleTile(
                k: 3, band: bandRow + x, channels: channels, planeStride: planeStride,
                rowStride: rowStride, weights: weights, start: start, into: tile)
            } else {
              doubleTile(
                k: 1, band: bandRow + x, channels: channels, planeStride: planeStride,
                rowStride: rowStride, weights: weights, start: start, into: tile)
            }
            storeTile(
              tile, count: min(16, width - x), valid: valid, bias: nil,
              negativeSlope: negativeSlope, accumulate: accumulate, output: outputRow + x,
              planeStride: outputPlaneStride)
            x += 16
          }
        }
      }
    }
  }

  typealias D = SIMD8<Double>

  /// Eight output channels of 16 columns summed in Double from `start[q]` (channel q's bias),
  /// rounded into `tile[2q]` (columns 0-15), as `narrowTile` stores them.
  @inline(__always)
  static func doubleTile(
    k: Int, band: UnsafePointer<Float>, channels: Int, planeStride: Int, rowStride: Int,
    weights: UnsafePointer<Double>, start: D, into tile: UnsafeMutablePointer<V>
  ) {
    var a0 = D(repeating: start[0]), b0 = D(repeating: start[0])
    var a1 = D(repeating: start[1]), b1 = D(repeating: start[1])
    var a2 = D(repeating: start[2]), b2 = D(repeating: start[2])
    var a3 = D(repeating: start[3]), b3 = D(repeating: start[3])
    var a4 = D(repeating: start[4]), b4 = D(repeating: start[4])
    var a5 = D(repeating: start[5]), b5 = D(repeating: start[5])
    var a6 = D(repeating: start[6]), b6 = D(repeating: start[6])
    var a7 = D(repeating: start[7]), b7 = D(repeating: start[7])
    var w = weights
    for c in 0..<channels {
      let plane = band + c * planeStride
      for ky in 0..<k {
        let row = UnsafeRawPointer(plane + ky * rowStride)
        for kx in 0..<k {
          let u = D(row.loadUnaligned(fromByteOffset: kx * 4, as: SIMD8<Float>.self))
          let v = D(row.loadUnaligned(fromByteOffset: kx * 4 + 32, as: SIMD8<Float>.self))
          var s = D(repeating: w[0])
          a0.addProduct(u, s)
          b0.addProduct(v, s)
          s = D(repeating: w[1])
          a1.addProduct(u, s)
          b1.addProduct(v, s)
          s = D(repeating: w[2])
          a2.addProduct(u, s)
          b2.addProduct(v, s)
          s = D(repeating: w[3])
          a3.addProduct(u, s)
          b3.addProduct(v, s)
          s = D(repeating: w[4])
          a4.addProduct(u, s)
          b4.addProduct(v, s)
          s = D(repeating: w[5])
          a5.addProduct(u, s)
          b5.addProduct(v, s)
          s = D(repeating: w[6])
          a6.addProduct(u, s)
          b6.addProduct(v, s)
          s = D(repeating: w[7])
          a7.addProduct(u, s)
          b7.addProduct(v, s)
          w += outputBlock
        }
      }
    }
    tile[0] = V(lowHalf: SIMD8<Float>(a0), highHalf: SIMD8<Float>(b0))
    tile[2] = V(lowHalf: SIMD8<Float>(a1), highHalf: SIMD8<Float>(b1))
    tile[4] = V(lowHalf: SIMD8<Float>(a2), highHalf: SIMD8<Float>(b2))
    tile[6] = V(lowHalf: SIMD8<Float>(a3), highHalf: SIMD8<Float>(b3))
    tile[8] = V(lowHalf: SIMD8<Float>(a4), highHalf: SIMD8<Float>(b4))
    tile[10] = V(lowHalf: SIMD8<Float>(a5), highHalf: SIMD8<Float>(b5))
    tile[12] = V(lowHalf: SIMD8<Float>(a6), highHalf: SIMD8<Float>(b6))
    tile[14] = V(lowHalf: SIMD8<Float>(a7), highHalf: SIMD8<Float>(b7))
  }

  /// Writes `valid` channels of a tile's first `count` (≤ 32) columns: bias, accumulation, (leaky) ReLU.
  @inline(__always)
  static func storeTile(
    _ tile: UnsafeMutablePointer<V>, count: Int, valid: Int, bias: UnsafePointer<Float>?,
    negativeSlope: Float?, accumulate: Bool, output: UnsafeMutablePointer<Float>, planeStride: Int
  ) {
    for q in 0..<valid {
      let shift = V(repeating: bias?[q] ?? 0)
      for half in 0..<2 {
        let first = half * 16
        if first >= count { break }
        let destination = output + q * planeStride + first
        var value = tile[2 * q + half] + shift
        let lanes = min(16, count - first)
        if lanes == 16 {
          let raw = UnsafeMutableRawPointer(destination)
          if accumulate { value += UnsafeRawPointer(raw).loadUnaligned(as: V.self) }
          if let slope = negativeSlope {
            if slope == 0 {
              value.replace(with: 0, where: value .< 0)
            } else {
              value.replace(with: value * slope, where: value .< 0)
            }
          }
          raw.storeBytes(of: value, as: V.self)
        } else {
          for lane in 0..<lanes {
            var scalar = value[lane]
            if accumulate { scalar += destination[lane] }
            if let slope = negativeSlope, !(scalar > 0) { scalar = slope == 0 ? 0 : slope * scalar }
            destination[lane] = scalar
          }
        }
      }
    }
  }

  /// Adds the filter gradient of one band to `partial`:
  /// `partial[o, c, ky, kx] += Σ_{r, x} gradient[o, r, x] · input[c, r + ky, x + kx]`
  /// over `r < rows`, `x < width`. `partial` is `[outputChannels, inputChannels, k, k]`.
  ///
  /// `gradient` has `outputChannels` planes rounded up to a multiple of 4 (the extra planes zero),
  /// every row zero from column `width` to the next multiple of 16; `input` has `inputChannels`
  /// planes, rounded up to a multiple of 3 for k = 1 (extra planes zero), with finite values in
  /// every column a 16-wide vector at `x + kx` reads.
  public static func filterGradient(
    input: UnsafePointer<Float>, inputChannels: Int, inputPlaneStride: Int,
    gradient: UnsafePointer<Float>, outputChannels: Int, gradientPlaneStride: Int,
    rowStride: Int, rows: Int, width: Int, kernelSize k: Int,
    partial: UnsafeMutablePointer<Float>
  ) {
    precondition(k == 1 || k == 3, "DirectConvolutionKernels.filterGradient: kernel size \(k) is not 1 or 3")
    let chunks = (width + 15) / 16
    let taps = k * k
    for firstOutput in stride(from: 0, to: outputChannels, by: 4) {
      let g = gradient + firstOutput * gradientPlaneStride
      let validOutputs = min(4, outputChannels - firstOutput)
      if k == 3 {
        for c in 0..<inputChannels {
          for ky in 0..<3 {
            let sums = gradientTile(
              gradient: g, gradientPlaneStride: gradientPlaneStride,
              input: input + c * inputPlaneStride + ky * rowStride, inputStep: 1,
              rowStride: rowStride, rows: rows, chunks: chunks)
            for q in 0..<validOutputs {
              let target = partial + ((firstOutput + q) * inputChannels + c) * taps + ky * 3
              for t in 0..<3 { target[t] += sums[q * 3 + t] }
            }
          }
        }
      } else {
        for c in stride(from: 0, to: inputChannels, by: 3) {
          let sums = gradientTile(
            gradient: g, gradientPlaneStride: gradientPlaneStride,
            input: input + c * inputPlaneStride, inputStep: inputPlaneStride,
            rowStride: rowStride, rows: rows, chunks: chunks)
          for q in 0..<validOutputs {
            for t in 0..<min(3, inputChannels - c) {
              partial[(firstOutput + q) * inputChannels + c + t] += sums[q * 3 + t]
            }
          }
        }
      }
    }
  }

  /// The 4 × 3 sums `Σ_{r, chunk} gradient[q, r, ·] · input[t·inputStep + r·rowStride + ·]`
  /// over 16-wide chunks: 12 vector accumulators, reduced at the end. Element `q·3 + t`.
  @inline(__always)
  static func gradientTile(
    gradient: UnsafePointer<Float>, gradientPlaneStride: Int, input: UnsafePointer<Float>,
    inputStep: Int, rowStride: Int, rows: Int, chunks: Int
  ) -> [12 of Float] {
    var a00 = V(), a01 = V(), a02 = V(), a10 = V(), a11 = V(), a12 = V()
    var a20 = V(), a21 = V(), a22 = V(), a30 = V(), a31 = V(), a32 = V()
    for r in 0..<rows {
      let g0 = UnsafeRawPointer(gradient + r * rowStride)
      let g1 = UnsafeRawPointer(gradient + gradientPlaneStride + r * rowStride)
      let g2 = UnsafeRawPointer(gradient + 2 * gradientPlaneStride + r * rowStride)
      let g3 = UnsafeRawPointer(gradient + 3 * gradientPlaneStride + r * rowStride)
      let p0 = UnsafeRawPointer(input + r * rowStride)
      let p1 = UnsafeRawPointer(input + inputStep + r * rowStride)
      let p2 = UnsafeRawPointer(input + 2 * inputStep + r * rowStride)
      for chunk in 0..<chunks {
        let offset = chunk * 64
        let x0 = p0.loadUnaligned(fromByteOffset: offset, as: V.self)
        let x1 = p1.loadUnaligned(fromByteOffset: offset, as: V.self)
        let x2 = p2.loadUnaligned(fromByteOffset: offset, as: V.self)
        let d0 = g0.loadUnaligned(fromByteOffset: offset, as: V.self)
        a00.addProduct(d0, x0)
        a01.addProduct(d0, x1)
        a02.addProduct(d0, x2)
        let d1 = g1.loadUnaligned(fromByteOffset: offset, as: V.self)
        a10.addProduct(d1, x0)
        a11.addProduct(d1, x1)
        a12.addProduct(d1, x2)
        let d2 = g2.loadUnaligned(fromByteOffset: offset, as: V.self)
        a20.addProduct(d2, x0)
        a21.addProduct(d2, x1)
        a22.addProduct(d2, x2)
        let d3 = g3.loadUnaligned(fromByteOffset: offset, as: V.self)
        a30.addProduct(d3, x0)
        a31.addProduct(d3, x1)
        a32.addProduct(d3, x2)
      }
    }
    return [
      a00.sum(), a01.sum(), a02.sum(), a10.sum(), a11.sum(), a12.sum(),
      a20.sum(), a21.sum(), a22.sum(), a30.sum(), a31.sum(), a32.sum(),
    ]
  }
}
