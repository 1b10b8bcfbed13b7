internal import COpenBLAS

/// OpenBLAS, loaded on first use with the right kernel for this CPU (see COpenBLAS/README.md).
///
/// `OPENBLAS_CORETYPE` set by the user wins; otherwise AVX-512 CPUs get `SkylakeX` and AVX2 CPUs
/// `Haswell`, because Debian's OpenBLAS 0.3.21 falls back to its SSE3 `Prescott` kernel on CPUs it
/// does not know (4.7x slower, PLATFORM.md). The thread count is all cores unless
/// `OPENBLAS_NUM_THREADS` / `OMP_NUM_THREADS` or `setThreads` (`--threads`) says otherwise; the
/// harness's own worker threads each call OpenBLAS single-threaded.
///
/// A program calls `try BLAS.load()` at start-up, so that a missing library is one clear error
/// (`BLASError`, naming the library and the package to install) before any work starts; every
/// kernel loads it lazily otherwise.
public enum BLAS {
  /// Loads OpenBLAS if needed (once per process, thread-safe). Call it at start-up: a failure is
  /// thrown here, naming the library and what to install, instead of stopping the process in the
  /// first kernel that needs a GEMM.
  public static func load() throws(BLASError) {
    guard tnblas_load() != 0 else { return }
    let library = String(cString: tnblas_library_name())
    let detail = String(cString: tnblas_error())
    if tnblas_failure() == 2 { throw .symbolNotFound(library: library, symbol: detail) }
    throw .libraryNotFound(library: library, reason: detail)
  }

  /// The load error `library` would give, or nil when it opens (without loading OpenBLAS).
  static func probe(library: String) -> BLASError? {
    var detail = [CChar](repeating: 0, count: 512)
    guard tnblas_probe(library, &detail, detail.count) != 0 else { return nil }
    let reason = String(
      decoding: detail.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return .libraryNotFound(library: library, reason: reason)
  }

  /// Loads OpenBLAS if needed. A failure here is a programmer error: the program did not call
  /// `load()` at start-up, which reports it as an error.
  static func requireLoaded() {
    do {
      try load()
    } catch {
      preconditionFailure("\(error) (call `try BLAS.load()` at start-up to report this as an error)")
    }
  }

  /// The kernel OpenBLAS runs, e.g. "SkylakeX".
  public static var kernel: String {
    requireLoaded()
    return String(cString: tnblas_corename())
  }

  /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...".
  public static var configuration: String {
    requireLoaded()
    return String(cString: tnblas_config())
  }

  /// Where the kernel choice came from: "environment", "cpu features" or "OpenBLAS default".
  public static var kernelSource: String {
    requireLoaded()
    return String(cString: tnblas_coretype_source())
  }

  /// The process's default thread count: what OpenBLAS chose at load from `OPENBLAS_NUM_THREADS`,
  /// `OMP_NUM_THREADS` or the core count. The harness's worker threads (`Parallel.threads`) start
  /// from it; each worker calls OpenBLAS single-threaded on its own tile.
  public static var defaultThreads: Int {
    requireLoaded()
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
    requireLoaded()
    tnblas_sgemm(
      transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
      b, Int32(ldb), beta, c, Int32(ldc))
  }
}

/// OpenBLAS could not be loaded: one line naming the library and what to install.
public enum BLASError: Error, CustomStringConvertible, Equatable {
  /// The shared library `library` did not open; `reason` is the dynamic loader's text.
  case libraryNotFound(library: String, reason: String)
  /// `library` opened but lacks `symbol` (not an OpenBLAS of the expected kind).
  case symbolNotFound(library: String, symbol: String)

  /// `OpenBLAS: cannot load libopenblas.so.0 (…: No such file or directory); install the Debian
  /// package libopenblas-dev (Scripts/setup does)`.
  public var description: String {
    let remedy = "install the Debian package libopenblas-dev (Scripts/setup does)"
    switch self {
    case .libraryNotFound(let library, let reason):
      return "OpenBLAS: cannot load \(library) (\(reason)); \(remedy)"
    case .symbolNotFound(let library, let symbol):
      return "OpenBLAS: \(library) has no symbol \(symbol), so it is not OpenBLAS 0.3; \(remedy)"
    }
  }
}
