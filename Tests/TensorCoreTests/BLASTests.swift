import Dispatch
import Testing
import _TestSupport

@testable import TensorCore

@Suite struct BLASTests {
  @Test func reportsAKernelAndThreads() {
    #expect(!BLAS.kernel.isEmpty)
    #expect(BLAS.threads >= 1)
    #expect(["environment", "cpu features", "OpenBLAS default"].contains(BLAS.kernelSource))
  }

  /// Start-up loading reports a failure as an error; the message is one line naming the library
  /// and what to install. The failure is a real one: the dynamic loader's, for a missing library.
  @Test func aMissingLibraryIsOneLineNamingItAndWhatToInstall() throws {
    try BLAS.load()
    #expect(BLAS.probe(library: "libopenblas.so.0") == nil)
    let error = try #require(BLAS.probe(library: "libopenblas-absent.so.0"))
    let text = "\(error)"
    #expect(!text.contains("\n"))
    #expect(
      text.hasPrefix(
        "OpenBLAS: cannot load libopenblas-absent.so.0 (libopenblas-absent.so.0: cannot open "))
    #expect(text.hasSuffix("); install the Debian package libopenblas-dev (Scripts/setup does)"))
    #expect(
      "\(BLASError.symbolNotFound(library: "libopenblas.so.0", symbol: "cblas_sgemm"))"
        == "OpenBLAS: libopenblas.so.0 has no symbol cblas_sgemm, so it is not OpenBLAS 0.3; "
        + "install the Debian package libopenblas-dev (Scripts/setup does)")
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
