// The per-position products of TensorCore's Winograd convolution (ConvolutionWinograd.swift):
// for each of the 36 positions ξ, M[ξ] = U[ξ] · V[ξ] (forward) or M̃[ξ] = U[ξ]ᵀ · Ṽ[ξ] (input
// gradient), U[ξ] being the transformed filter `[O, I]` as stored and V[ξ] the chunk's
// transformed patches `[channels, blocks]`.
//
// A general sgemm packs both operands into panels first. Here U is read in place (eight rows at
// a time for the forward, eight consecutive columns for the gradient), and only V is copied, 32
// blocks (columns) at a time, into a contiguous slice that every block of rows then reads from
// cache. For the late VGG layers (few blocks, many channels) OpenBLAS spent as long repacking U
// on every call as multiplying.

extension WinogradKernels {
  /// Rows of the product computed together; `multiply`'s `rows` must be a multiple of it.
  public static let multiplyRowBlock = 8

  private typealias Lanes = SIMD16<Float>

  /// `C[r][t] = Σ_k A(r, k) · B[k][t]` for `r < rows`, `t < columns`, with `A(r, k) = a[r · lda
  /// + k]`, or `a[k · lda + r]` when `transposed`; `B[k][t] = b[k · ldb + t]`, `C[r][t] = c[r ·
  /// ldc + t]` (overwritten). `rows` is a multiple of `multiplyRowBlock`. Sums run in k order,
  /// in Float.
  public static func multiply(
    a: UnsafePointer<Float>, lda: Int, transposed: Bool, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, depth: Int
  ) {
    precondition(
      rows % multiplyRowBlock == 0,
      "WinogradKernels.multiply: \(rows) rows, expected a multiple of \(multiplyRowBlock)")
    if transposed {
      multiply(
        a: a, rowStride: 1, depthStride: lda, b: b, ldb: ldb, c: c, ldc: ldc, rows: rows,
        columns: columns, depth: depth)
    } else {
      multiply(
        a: a, rowStride: lda, depthStride: 1, b: b, ldb: ldb, c: c, ldc: ldc, rows: rows,
        columns: columns, depth: depth)
    }
  }

  /// `multiply` with `A(r, k) = a[r · rowStride + k · depthStride]`, by blocks of 32 columns:
  /// each block's columns of B are copied into a contiguous `[depth, 32]` slice (zero-padded
  /// past the last column; 16 wide when at most 16 columns are left), then every block of 8 rows
  /// multiplies it, the slice staying in cache.
  @inline(__always)
  private static func multiply(
    a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, depth: Int
  ) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: depth * 32 + multiplyRowBlock * 32) {
      scratch in
      let slice = scratch.baseAddress!
      let partial = slice + depth * 32
      var start = 0
      while start < columns {
        let count = min(32, columns - start)
        let width = count > 16 ? 32 : 16
        for k in 0..<depth {
          let source = UnsafeRawPointer(b + k * ldb + start)
          let destination = UnsafeMutableRawPointer(slice + k * width)
          if count == 32 {
            destination.storeBytes(of: source.loadUnaligned(as: Lanes.self), as: Lanes.self)
            destination.storeBytes(
              of: source.loadUnaligned(fromByteOffset: 64, as: Lanes.self), toByteOffset: 64,
              as: Lanes.self)
          } else {
            let floats = destination.assumingMemoryBound(to: Float.self)
            floats.update(from: source.assumingMemoryBound(to: Float.self), count: count)
            (floats + count).update(repeating: 0, count: width - count)
          }
        }
        for first in stride(from: 0, to: rows, by: multiplyRowBlock) {
          let block = a + first * rowStride
          let complete = count == width
          let target = complete ? c + first * ldc + start : partial
          let targetStride = complete ? ldc : width
          if width == 32 {
            wideBlock(
              a: block, rowStride: rowStride, depthStride: depthStride, b: slice, depth: depth,
              c: target, ldc: targetStride)
          } else {
            narrowBlock(
              a: block, rowStride: rowStride, depthStride: depthStride, b: slice, depth: depth,
              c: target, ldc: targetStride)
          }
          if !complete {
            for r in 0..<multiplyRowBlock {
              (c + (first + r) * ldc + start).update(from: partial + r * width, count: count)
            }
          }
        }
        start += count
      }
    }
  }

  /// Eight rows of 32 columns of the product (16 accumulators), B a `[depth, 32]` slice.
  @inline(__always)
  private static func wideBlock(
    a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
    depth: Int, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    var l0 = Lanes(), l1 = Lanes(), l2 = Lanes(), l3 = Lanes()
    var l4 = Lanes(), l5 = Lanes(), l6 = Lanes(), l7 = Lanes()
    var h0 = Lanes(), h1 = Lanes(), h2 = Lanes(), h3 = Lanes()
    var h4 = Lanes(), h5 = Lanes(), h6 = Lanes(), h7 = Lanes()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let low = pb.loadUnaligned(as: Lanes.self)
      let high = pb.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
      var s = Lanes(repeating: pa[0])
      l0.addProduct(low, s)
      h0.addProduct(high, s)
      s = Lanes(repeating: pa[rowStride])
      l1.addProduct(low, s)
      h1.addProduct(high, s)
      s = Lanes(repeating: pa[2 * rowStride])
      l2.addProduct(low, s)
      h2.addProduct(high, s)
      s = Lanes(repeating: pa[3 * rowStride])
      l3.addProduct(low, s)
      h3.addProduct(high, s)
      s = Lanes(repeating: pa[4 * rowStride])
      l4.addProduct(low, s)
      h4.addProduct(high, s)
      s = Lanes(repeating: pa[5 * rowStride])
      l5.addProduct(low, s)
      h5.addProduct(high, s)
      s = Lanes(repeating: pa[6 * rowStride])
      l6.addProduct(low, s)
      h6.addProduct(high, s)
      s = Lanes(repeating: pa[7 * rowStride])
      l7.addProduct(low, s)
      h7.addProduct(high, s)
      pa += depthStride
      pb += 128
    }
    storeRow(l0, h0, c)
    storeRow(l1, h1, c + ldc)
    storeRow(l2, h2, c + 2 * ldc)
    storeRow(l3, h3, c + 3 * ldc)
    storeRow(l4, h4, c + 4 * ldc)
    storeRow(l5, h5, c + 5 * ldc)
    storeRow(l6, h6, c + 6 * ldc)
    storeRow(l7, h7, c + 7 * ldc)
  }

  /// Eight rows of 16 columns of the product (8 accumulators), B a `[depth, 16]` slice: for the
  /// last 16 or fewer columns (all of them in the late layers of small images: conv4 and conv5
  /// at 128², batch 1, have 16 and 4 blocks), where `wideBlock` would do twice the work.
  @inline(__always)
  private static func narrowBlock(
    a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
    depth: Int, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    var l0 = Lanes(), l1 = Lanes(), l2 = Lanes(), l3 = Lanes()
    var l4 = Lanes(), l5 = Lanes(), l6 = Lanes(), l7 = Lanes()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let low = pb.loadUnaligned(as: Lanes.self)
      l0.addProduct(low, Lanes(repeating: pa[0]))
      l1.addProduct(low, Lanes(repeating: pa[rowStride]))
      l2.addProduct(low, Lanes(repeating: pa[2 * rowStride]))
      l3.addProduct(low, Lanes(repeating: pa[3 * rowStride]))
      l4.addProduct(low, Lanes(repeating: pa[4 * rowStride]))
      l5.addProduct(low, Lanes(repeating: pa[5 * rowStride]))
      l6.addProduct(low, Lanes(repeating: pa[6 * rowStride]))
      l7.addProduct(low, Lanes(repeating: pa[7 * rowStride]))
      pa += depthStride
      pb += 64
    }
    let raw = UnsafeMutableRawPointer(c)
    let rowBytes = ldc * MemoryLayout<Float>.stride
    raw.storeBytes(of: l0, as: Lanes.self)
    raw.storeBytes(of: l1, toByteOffset: rowBytes, as: Lanes.self)
    raw.storeBytes(of: l2, toByteOffset: 2 * rowBytes, as: Lanes.self)
    raw.storeBytes(of: l3, toByteOffset: 3 * rowBytes, as: Lanes.self)
    raw.storeBytes(of: l4, toByteOffset: 4 * rowBytes, as: Lanes.self)
    raw.storeBytes(of: l5, toByteOffset: 5 * rowBytes, as: Lanes.self)
    raw.storeBytes(of: l6, toByteOffset: 6 * rowBytes, as: Lanes.self)
    raw.storeBytes(of: l7, toByteOffset: 7 * rowBytes, as: Lanes.self)
  }

  /// `row[0 ..< 32] = (low, high)`.
  @inline(__always)
  private static func storeRow(_ low: Lanes, _ high: Lanes, _ row: UnsafeMutablePointer<Float>) {
    let raw = UnsafeMutableRawPointer(row)
    raw.storeBytes(of: low, as: Lanes.self)
    raw.storeBytes(of: high, toByteOffset: 64, as: Lanes.self)
  }
}
