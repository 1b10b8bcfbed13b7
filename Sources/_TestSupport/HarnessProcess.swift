import Foundation
import Runs

/// Runs the `harness` executable (built beside the test binary: the test target depends on it)
/// and captures what it printed.
public enum HarnessProcess {
  /// The result of one run.
  public typealias Output = CapturedProcess.Output

  /// Where the reports of the tests' `harness run` processes go unless a test says otherwise
  /// (`TEXTURE_NETS_NOTEBOOKS`, the `--notebooks` default): a folder of this test process under
  /// the system's temporary folder, never the checkout's notebooks-md.
  public static let notebooks: String = FileManager.default.temporaryDirectory
    .appendingPathComponent("harness-tests-notebooks-\(getpid())").path

  /// The harness executable next to the running test binary.
  public static var executable: URL? {
    var places: [URL] = []
    if let main = Bundle.main.executableURL { places.append(main.deletingLastPathComponent()) }
    places.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for place in places {
      for candidate in [place, place.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("harness")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
      }
    }
    return nil
  }

  /// Runs `harness arguments...` with `environment` laid over this process's (and over
  /// `TEXTURE_NETS_NOTEBOOKS`=`notebooks`), in `directory`.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil
  ) throws -> Output {
    guard let executable else { throw HarnessProcessError.notBuilt }
    return try CapturedProcess.run(
      executable, arguments, environment: childEnvironment(environment), directory: directory)
  }

  /// `environment` over `TEXTURE_NETS_NOTEBOOKS`=`notebooks`: what a test's `harness` child gets
  /// on top of this process's environment (for tests that start it themselves).
  public static func childEnvironment(_ environment: [String: String] = [:]) -> [String: String] {
    ["TEXTURE_NETS_NOTEBOOKS": notebooks].merging(environment) { $1 }
  }
}

/// The harness executable could not be found.
public enum HarnessProcessError: Error, CustomStringConvertible {
  /// Not built beside the tests.
  case notBuilt
  /// Explains where it was looked for.
  public var description: String { "the harness executable is not built beside the test binary" }
}

extension CapturedProcess.Output {
  /// `standardError` without the harness's warning that the environment forces a fallback
  /// OpenBLAS kernel (`OPENBLAS_CORETYPE`, which some machines set: `BLAS.swift`). That line
  /// describes the machine, not the command a test checks: tests that count a command's
  /// messages count the lines of this.
  public var standardErrorWithoutKernelWarning: String {
    standardError.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("warning: OpenBLAS runs its '") }
      .joined(separator: "\n")
  }
}
