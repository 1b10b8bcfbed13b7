// The transforms of TensorCore's Winograd F(4x4, 3x3) convolution (ConvolutionWinograd.swift,
// where the matrices Bᵀ, G, Aᵀ and the data layout are described), 8 blocks at a time, one SIMD8
// lane per 4x4 block along a row of blocks.

/// The Winograd F(4x4, 3x3) transforms on raw pointers, compiled for AVX-512: callers check the
/// CPU first (TensorCore's `DirectConvolution.isAvailable`).
public enum WinogradKernels {
  /// Columns 0 … 3 of 8 consecutive 4-wide blocks starting at `row`: lane t holds `row[4t + j]`.
  @inline(__always)
  private static func blockColumns(_ row: UnsafePointer<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
  {
    let values = UnsafeRawPointer(row).loadUnaligned(as: SIMD32<Float>.self)
    let even = values.evenHalf
    let odd = values.oddHalf
    return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
  }

  /// The inverse of `blockColumns`: lane t of `c_j` goes to position 4t + j, as two halves
  /// (positions 0 … 15: blocks 0 … 3; positions 16 … 31: blocks 4 … 7). SIMD16, not SIMD32:
  /// Swift's arithmetic on SIMD32 lowers to a scalar loop through memory.
  @inline(__always)
  private static func interleaveBlocks(
    _ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>
  ) -> (SIMD16<Float>, SIMD16<Float>) {
    (
      SIMD16(
        c0[0], c1[0], c2[0], c3[0], c0[1], c1[1], c2[1], c3[1], c0[2], c1[2], c2[2], c3[2],
        c0[3], c1[3], c2[3], c3[3]),
      SIMD16(
        c0[4], c1[4], c2[4], c3[4], c0[5], c1[5], c2[5], c3[5], c0[6], c1[6], c2[6], c3[6],
        c0[7], c1[7], c2[7], c3[7])
    )
  }

  /// `row[0 ..< 32] += (low, high)`.
  @inline(__always)
  private static func add(_ halves: (SIMD16<Float>, SIMD16<Float>), to row: UnsafeMutableRawPointer) {
    let size = 16 * MemoryLayout<Float>.stride
    row.storeBytes(of: row.loadUnaligned(as: SIMD16<Float>.self) + halves.0, as: SIMD16<Float>.self)
    row.storeBytes(
      of: row.loadUnaligned(fromByteOffset: size, as: SIMD16<Float>.self) + halves.1,
      toByteOffset: size, as: SIMD16<Float>.self)
  }

  /// ReLU (slope 0) or LeakyReLU of `values`, or the values themselves (nil).
  @inline(__always)
  private static func activated(_ values: SIMD16<Float>, _ negativeSlope: Float?) -> SIMD16<Float> {
    guard let slope = negativeSlope else { return values }
    let negative = values .< 0
    return slope == 0
      ? values.replacing(with: 0, where: negative)
      : values.replacing(with: values * slope, where: negative)
  }

  /// Bᵀ applied to six values (one row or column of a 6x6 patch).
  @inline(__always)
  private static func inputRows(
    _ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>,
    _ d4: SIMD8<Float>, _ d5: SIMD8<Float>
  ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let a = d4 - 4 * d2  // shared by v1, v2
    let b = d3 - 4 * d1
    let c = d4 - d2  // shared by v3, v4
    let e = 2 * (d3 - d1)
    return (4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5)
  }

  /// Aᵀ applied to six values: four.
  @inline(__always)
  private static func outputRows(
    _ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>,
    _ m4: SIMD8<Float>, _ m5: SIMD8<Float>
  ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let sum12 = m1 + m2
    let difference12 = m1 - m2
    let sum34 = m3 + m4
    let difference34 = m3 - m4
    return (
      m0 + sum12 + sum34, difference12 + 2 * difference34, sum12 + 4 * sum34,
      difference12 + 8 * difference34 + m5
    )
  }

  /// A applied to four values (a row or column of a 4x4 output-gradient block): six.
  @inline(__always)
  private static func gradientRows(
    _ y0: SIMD8<Float>, _ y1: SIMD8<Float>, _ y2: SIMD8<Float>, _ y3: SIMD8<Float>
  ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let even = y0 + y2
    let odd = y1 + y3
    let evenScaled = y0 + 4 * y2
    let oddScaled = 2 * y1 + 8 * y3
    return (y0, even + odd, even - odd, evenScaled + oddScaled, evenScaled - oddScaled, y3)
  }

  /// B applied to six values (the adjoint of `inputRows`).
  @inline(__always)
  private static func patchRows(
    _ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>,
    _ m4: SIMD8<Float>, _ m5: SIMD8<Float>
  ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let difference21 = m2 - m1
    let difference34 = m3 - m4
    let sum12 = m1 + m2
    let sum34 = m3 + m4
    return (
      4 * m0, 4 * difference21 - 2 * difference34 + 4 * m5, -5 * m0 - 4 * sum12 - sum34,
      -difference21 + 2 * difference34 - 5 * m5, m0 + sum12 + sum34, m5
    )
  }

  /// Six transformed values, one row of a 6x6 block, at `row[0 …< 6]`.
  @inline(__always)
  private static func store(
    _ values: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>),
    into row: UnsafeMutablePointer<SIMD8<Float>>
  ) {
    row[0] = values.0
    row[1] = values.1
    row[2] = values.2
    row[3] = values.3
    row[4] = values.4
    row[5] = values.5
  }

  /// Column x of a block's 36 positions (positions x, 6 + x, …, 30 + x), lanes `0 ..< count`:
  /// `first` points at position x, the next is `6 · positionStride` further.
  @inline(__always)
  private static func storeColumn(
    _ values: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>),
    at first: UnsafeMutablePointer<Float>, positionStride: Int, count: Int
  ) {
    let step = 6 * positionStride
    storeBlocks(values.0, first, count: count)
    storeBlocks(values.1, first + step, count: count)
    storeBlocks(values.2, first + 2 * step, count: count)
    storeBlocks(values.3, first + 3 * step, count: count)
    storeBlocks(values.4, first + 4 * step, count: count)
    storeBlocks(values.5, first + 5 * step, count: count)
  }

  /// Loads lanes `0 ..< count` of 8 from `source` (zeros beyond).
  @inline(__always)
  private static func loadBlocks(_ source: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
    if count == 8 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self) }
    var value = SIMD8<Float>()
    for lane in 0..<count { value[lane] = source[lane] }
    return value
  }

  /// Stores lanes `0 ..< count` of 8 to `destination`.
  @inline(__always)
  private static func storeBlocks(_ value: SIMD8<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
    if count == 8 {
      UnsafeMutableRawPointer(destination).storeBytes(of: value, as: SIMD8<Float>.self)
      return
    }
    for lane in 0..<count { destination[lane] = value[lane] }
  }

  /// `V[ξ] = (Bᵀ d B)[ξ]` for the blocks of a band of padded rows of one channel: block (ty, tx)
  /// reads band rows 4ty … 4ty + 5, columns 4tx … 4tx + 5, and is written at
  /// `v[ξ · positionStride + ty · tilesX + tx]`.
  public static func inputTransform(
    _ band: UnsafePointer<Float>, bandWidth: Int, tileRows: Int, tilesX: Int, positionStride: Int,
    into v: UnsafeMutablePointer<Float>
  ) {
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { rows in
      for ty in 0..<tileRows {
        var tx = 0
        while tx < tilesX {
          let count = min(8, tilesX - tx)
          // Rows: Bᵀ along each of the patch's six rows.
          for k in 0..<6 {
            let row = band + (4 * ty + k) * bandWidth + 4 * tx
            let (d0, d1, d2, d3) = blockColumns(row)
            let (d4, d5, _, _) = blockColumns(row + 4)
            store(inputRows(d0, d1, d2, d3, d4, d5), into: rows.baseAddress! + 6 * k)
          }
          // Columns: Bᵀ down each of the six columns.
          let base = v + ty * tilesX + tx
          for x in 0..<6 {
            storeColumn(
              inputRows(rows[x], rows[6 + x], rows[12 + x], rows[18 + x], rows[24 + x], rows[30 + x]),
              at: base + x * positionStride, positionStride: positionStride, count: count)
          }
          tx += 8
        }
      }
    }
  }

  /// `Y = Aᵀ M A` of one output plane's blocks (`products[ξ · positionStride + ty · tilesX + tx]`,
  /// block rows `rows` of the plane), plus `bias`, then ReLU (`negativeSlope` 0) or LeakyReLU
  /// (nil: none); rows and columns past the output are dropped.
  public static func outputTransform(
    _ products: UnsafePointer<Float>, tileRows rows: Range<Int>, tilesX: Int, positionStride: Int,
    outputHeight: Int, outputWidth: Int, bias: Float, negativeSlope: Float?,
    into plane: UnsafeMutablePointer<Float>
  ) {
    let shift = SIMD8<Float>(repeating: bias)
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 24) { columns in
      for ty in rows {
        let base = products + (ty - rows.lowerBound) * tilesX
        var tx = 0
        while tx < tilesX {
          let count = min(8, tilesX - tx)
          // Columns: Aᵀ down each of the six columns of M.
          for x in 0..<6 {
            let (r0, r1, r2, r3) = outputRows(
              loadBlocks(base + x * positionStride + tx, count: count),
              loadBlocks(base + (6 + x) * positionStride + tx, count: count),
              loadBlocks(base + (12 + x) * positionStride + tx, count: count),
              loadBlocks(base + (18 + x) * positionStride + tx, count: count),
              loadBlocks(base + (24 + x) * positionStride + tx, count: count),
              loadBlocks(base + (30 + x) * positionStride + tx, count: count))
            columns[x] = r0
            columns[6 + x] = r1
            columns[12 + x] = r2
            columns[18 + x] = r3
          }
          let width = min(32, outputWidth - 4 * tx)
          for k in 0..<4 where 4 * ty + k < outputHeight {
            let (y0, y1, y2, y3) = outputRows(
              columns[6 * k], columns[6 * k + 1], columns[6 * k + 2], columns[6 * k + 3],
              columns[6 * k + 4], columns[6 * k + 5])
            let (low, high) = interleaveBlocks(y0 + shift, y1 + shift, y2 + shift, y3 + shift)
            let row = plane + (4 * ty + k) * outputWidth + 4 * tx
            if width == 32 {
              let raw = UnsafeMutableRawPointer(row)
              raw.storeBytes(of: activated(low, negativeSlope), as: SIMD16<Float>.self)
              raw.storeBytes(
                of: activated(high, negativeSlope), toByteOffset: 16 * MemoryLayout<Float>.stride,
                as: SIMD16<Float>.self)
            } else {
              for x in 0..<width {
                let value = x < 16 ? low[x] : high[x - 16]
                if let slope = negativeSlope, value < 0 {
                  row[x] = slope * value
                } else {
                  row[x] = value
                }
              }
            }
          }
          tx += 8
        }
      }
    }
  }

  /// `Ṽ[ξ] = (A ȳ Aᵀ)[ξ]` for the 4x4 blocks of a band of output-gradient rows of one channel
  /// (block (ty, tx) reads band rows 4ty … 4ty + 3, columns 4tx … 4tx + 3), written at
  /// `v[ξ · positionStride + ty · tilesX + tx]`.
  public static func gradientTransform(
    _ band: UnsafePointer<Float>, bandWidth: Int, tileRows: Int, tilesX: Int, positionStride: Int,
    into v: UnsafeMutablePointer<Float>
  ) {
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 24) { rows in
      for ty in 0..<tileRows {
        var tx = 0
        while tx < tilesX {
          let count = min(8, tilesX - tx)
          for k in 0..<4 {
            let (y0, y1, y2, y3) = blockColumns(band + (4 * ty + k) * bandWidth + 4 * tx)
            store(gradientRows(y0, y1, y2, y3), into: rows.baseAddress! + 6 * k)
          }
          let base = v + ty * tilesX + tx
          for x in 0..<6 {
            storeColumn(
              gradientRows(rows[x], rows[6 + x], rows[12 + x], rows[18 + x]),
              at: base + x * positionStride, positionStride: positionStride, count: count)
          }
          tx += 8
        }
      }
    }
  }

  /// `B M̃ Bᵀ` of one input-gradient plane's blocks (`products[ξ · positionStride + ty · tilesX +
  /// tx]`, `tileRows` rows of blocks), each 6x6 patch added onto a zeroed band at rows 4ty … 4ty + 5,
  /// columns 4tx … 4tx + 5 (neighbouring patches overlap by 2). Blocks past `tilesX` in a vector
  /// have zero products and add zeros inside the band's slack.
  public static func patchTransform(
    _ products: UnsafePointer<Float>, tileRows: Int, tilesX: Int, positionStride: Int,
    bandWidth: Int, into band: UnsafeMutablePointer<Float>
  ) {
    let zero = SIMD8<Float>()
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { columns in
      for ty in 0..<tileRows {
        let base = products + ty * tilesX
        var tx = 0
        while tx < tilesX {
          let count = min(8, tilesX - tx)
          for x in 0..<6 {
            let (s0, s1, s2, s3, s4, s5) = patchRows(
              loadBlocks(base + x * positionStride + tx, count: count),
              loadBlocks(base + (6 + x) * positionStride + tx, count: count),
              loadBlocks(base + (12 + x) * positionStride + tx, count: count),
              loadBlocks(base + (18 + x) * positionStride + tx, count: count),
              loadBlocks(base + (24 + x) * positionStride + tx, count: count),
              loadBlocks(base + (30 + x) * positionStride + tx, count: count))
            columns[x] = s0
            columns[6 + x] = s1
            columns[12 + x] = s2
            columns[18 + x] = s3
            columns[24 + x] = s4
            columns[30 + x] = s5
          }
          for j in 0..<6 {
            let (e0, e1, e2, e3, e4, e5) = patchRows(
              columns[6 * j], columns[6 * j + 1], columns[6 * j + 2], columns[6 * j + 3],
              columns[6 * j + 4], columns[6 * j + 5])
            let row = UnsafeMutableRawPointer(band + (4 * ty + j) * bandWidth + 4 * tx)
            // Columns 0 … 3 of each patch, then columns 4 and 5 onto the next block's 0 and 1.
            add(interleaveBlocks(e0, e1, e2, e3), to: row)
            add(interleaveBlocks(e4, e5, zero, zero), to: row + 4 * MemoryLayout<Float>.stride)
          }
          tx += 8
        }
      }
    }
  }
}
