import Testing
import _TestSupport

@testable import TensorCore

/// The Winograd convolution's per-position products (`positionProduct`: `WinogradKernels.multiply`
/// for rows in blocks of 8, sgemm otherwise) against a naive Double twin: every column tail (32-
/// wide blocks, a 16-wide block, a zero-padded partial block), several column panels, both
/// operand layouts, and a leading dimension wider than the matrix.
@Suite struct WinogradMultiplyTests {
  /// `C[r][t] = Σ_k A(r, k) · B[k][t]` in Double, `A(r, k) = a[r · lda + k]` or `a[k · lda + r]`.
  static func naiveProduct(
    _ a: [Float], lda: Int, transposed: Bool, _ b: [Float], rows: Int, columns: Int, depth: Int
  ) -> [Float] {
    var c = [Float](repeating: 0, count: rows * columns)
    for r in 0..<rows {
      for t in 0..<columns {
        var sum = 0.0
        for k in 0..<depth {
          let element = transposed ? a[k * lda + r] : a[r * lda + k]
          sum += Double(element) * Double(b[k * columns + t])
        }
        c[r * columns + t] = Float(sum)
      }
    }
    return c
  }

  @Test(arguments: [1, 7, 64, 700])
  func productsMatchNaive(depth: Int) {
    #expect(DirectConvolution.isAvailable, "WinogradKernels need AVX-512; this machine kind has it")
    guard DirectConvolution.isAvailable else { return }
    for rows in [8, 24, 3, 5] {
      for columns in [1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 100, 250] {
        for transposed in [false, true] {
          let label = "\(rows) × \(depth) · \(depth) × \(columns), transposed \(transposed)"
          var random = RandomStream(seed: 11, name: "winograd product \(label)")
          let lda = (transposed ? rows : depth) + 2
          let a = random.uniformTensor([(transposed ? depth : rows) * lda], low: -1, high: 1).scalars
          let b = random.uniformTensor([depth * columns], low: -1, high: 1).scalars
          // Products are overwritten, not accumulated: start from NaN.
          var c = [Float](repeating: .nan, count: rows * columns)
          a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
              c.withUnsafeMutableBufferPointer { c in
                positionProduct(
                  transposed: transposed, rows: rows, columns: columns, depth: depth,
                  transform: a.baseAddress!, lda: lda, v: b.baseAddress!, products: c.baseAddress!)
              }
            }
          }
          let expected = Self.naiveProduct(
            a, lda: lda, transposed: transposed, b, rows: rows, columns: columns, depth: depth)
          let d = difference(Tensor(shape: [rows, columns], scalars: c), Tensor(shape: [rows, columns], scalars: expected))
          #expect(d.relativeToMax < 1e-5, "\(label): \(d)")
        }
      }
    }
  }
}
