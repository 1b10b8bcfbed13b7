import Foundation
import FuzzTargets

/// The target named by `$HARNESS_FUZZ_TARGET` (Scripts/fuzz sets it); exits with a usage line
/// when it names none.
let selectedTarget: FuzzTarget = {
  let name = ProcessInfo.processInfo.environment["HARNESS_FUZZ_TARGET"] ?? ""
  guard let target = FuzzTarget(rawValue: name) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("HARNESS_FUZZ_TARGET must be one of \(names)\n".utf8))
    exit(2)
  }
  return target
}()

/// libFuzzer's driver (libclang_rt.fuzzer): parses the libFuzzer options in `argv` and calls
/// `callback` once per input. Called from `main` because SwiftPM gives every executable its own
/// `main`, which would shadow libFuzzer's.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The fuzzer binary: libFuzzer's driver over the selected target.
@main
enum HarnessFuzz {
  /// Runs libFuzzer with this process's arguments.
  static func main() {
    _ = selectedTarget
    var count = CommandLine.argc
    var arguments = CommandLine.unsafeArgv
    let status = runFuzzerDriver(&count, &arguments) { data, size in
      let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
      selectedTarget.run(bytes)
      return 0
    }
    exit(status)
  }
}
