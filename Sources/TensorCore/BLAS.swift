internal import COpenBLAS

/// OpenBLAS, loaded on first use with the right kernel for this CPU (see COpenBLAS/README.md).
///
/// `OPENBLAS_CORETYPE` set by the user wins; otherwise AVX-512 CPUs get `SkylakeX` and AVX2 CPUs
/// `Haswell`, because Debian's OpenBLAS 0.3.21 falls back to its SSE3 `Prescott` kernel on CPUs it
/// does not know (4.7x slower, PLATFORM.md). The thread count is all cores unless
/// `OPENBLAS_NUM_THREADS` / `OMP_NUM_THREADS` or `setThreads` (`--threads`) says otherwise; the
/// harness's own worker threads each call OpenBLAS single-threaded.
public enum BLAS {
  /// Loads OpenBLAS if needed; stops the process with a clear message when it is missing.
  public static func ensureLoaded() {
    if tnblas_load() != 0 {
      fatalError("OpenBLAS: \(String(cString: tnblas_error()))")
    }
  }

  /// Loads OpenBLAS if needed and reports a failure as an error instead of stopping.
  public static func load() throws(BLASError) {
    if tnblas_load() != 0 { throw BLASError(message: String(cString: tnblas_error())) }
  }

  /// The kernel OpenBLAS runs, e.g. "SkylakeX".
  public static var kernel: String {
    ensureLoaded()
    return String(cString: tnblas_corename())
  }

  /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...".
  public static var configuration: String {
    ensureLoaded()
    return String(cString: tnblas_config())
  }

  /// Where the kernel choice came from: "environment", "cpu features" or "OpenBLAS default".
  public static var kernelSource: String {
    ensureLoaded()
    return String(cString: tnblas_coretype_source())
  }

  /// The process's default thread count: what OpenBLAS chose at load from `OPENBLAS_NUM_THREADS`,
  /// `OMP_NUM_THREADS` or the core count. The harness's worker threads (`Parallel.threads`) start
  /// from it; each worker calls OpenBLAS single-threaded on its own tile.
  public static var defaultThreads: Int {
    ensureLoaded()
    return Int(tnblas_initial_threads())
  }

  /// The thread count of every kernel (GEMM tiles included); same as `Parallel.threads`.
  public static var threads: Int { Parallel.threads }

  /// Sets the thread count of every kernel (`--threads`).
  public static func setThreads(_ count: Int) {
    precondition(count >= 1, "BLAS.setThreads: thread count must be at least 1, got \(count)")
    Parallel.setThreads(count)
  }

  /// A warning when OpenBLAS runs a kernel slower than the CPU supports, else nil.
  ///
  /// On this machine kind an AVX-512 kernel (SkylakeX) runs sgemm about 2x faster than the AVX2
  /// one (Haswell) and 4.7x faster than the SSE3 fallback (Prescott), so a weaker kernel, whether
  /// OpenBLAS's own fallback or an `OPENBLAS_CORETYPE` from the environment, is worth a loud note.
  public static var kernelWarning: String? {
    let name = kernel.lowercased()
    let avx512Kernels = ["skylakex", "cooperlake", "sapphirerapids"]
    let avx2Kernels = avx512Kernels + ["haswell", "zen"]
    let best: String
    if tnblas_cpu_has_avx512() != 0 {
      if avx512Kernels.contains(name) { return nil }
      best = "SkylakeX"
    } else if tnblas_cpu_has_avx2() != 0 {
      if avx2Kernels.contains(name) { return nil }
      best = "Haswell"
    } else {
      return nil
    }
    let origin = kernelSource == "environment" ? "OPENBLAS_CORETYPE=\(kernel) from the environment" : "its own choice"
    return "OpenBLAS runs its '\(kernel)' kernel (\(origin)) on a CPU that supports '\(best)'; "
      + "GEMMs will be 2-5x slower. Unset OPENBLAS_CORETYPE to let the harness choose, or set it to \(best)."
  }

  /// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the row
  /// strides of the stored (untransposed) matrices.
  public static func sgemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    ensureLoaded()
    tnblas_sgemm(
      transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
      b, Int32(ldb), beta, c, Int32(ldc))
  }
}

/// OpenBLAS could not be loaded.
public struct BLASError: Error, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  /// `OpenBLAS: <message>`.
  public var description: String { "OpenBLAS: \(message)" }
}
