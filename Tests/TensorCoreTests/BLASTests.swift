import Dispatch
import Testing
import TensorCore
import _TestSupport

@Suite struct BLASTests {
  @Test func reportsAKernelAndThreads() {
    #expect(!BLAS.kernel.isEmpty)
    #expect(BLAS.threads >= 1)
    #expect(["environment", "cpu features", "OpenBLAS default"].contains(BLAS.kernelSource))
  }

  /// The harness calls OpenBLAS from several threads at once (one GEMM per tile per worker);
  /// every concurrent result must equal the sequential one.
  @Test func concurrentGEMMsAgreeWithSequentialOnes() {
    var stream = RandomStream(seed: 9, name: "gemm")
    let a = stream.uniformTensor([96, 200])
    let b = stream.uniformTensor([200, 150])
    let expected = matrixMultiply(a, b).scalars
    let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 8)
    results.initialize(repeating: [])
    defer { results.deallocate() }
    nonisolated(unsafe) let shared = results
    DispatchQueue.concurrentPerform(iterations: 8) { i in shared[i] = matrixMultiply(a, b).scalars }
    for i in 0..<8 { #expect(results[i] == expected) }
  }

  @Test func bufferPoolReusesLargeBuffers() {
    // An element count no other test uses, so concurrent tests cannot take the pooled buffer.
    let count = (1 << 20) + 17
    var first: UnsafeMutablePointer<Float>?
    do {
      let t = Tensor(zeros: [count])
      first = t.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress) }
    }
    #expect(BufferPool.shared.pooledBytes >= 4 * count)
    let again = Tensor(zeros: [count])
    let second = again.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress) }
    #expect(first == second)
  }
}
