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

/// libFuzzer's per-input entry point: one input to the selected parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  selectedTarget.run(bytes)
  return 0
}
