import Foundation
import Testing
import _TestSupport

@Suite struct CommandLineTests {
  @Test func helpListsTheCommands() throws {
    let output = try HarnessProcess.run(["--help"])
    #expect(output.status == 0)
    for command in ["info", "import-weights", "inspect", "bench"] {
      #expect(output.standardOutput.contains(command), "--help does not mention \(command)")
    }
  }

  @Test func infoReportsTheMachine() throws {
    let output = try HarnessProcess.run(["info", "--threads", "1"])
    #expect(output.status == 0)
    #expect(output.standardOutput.contains("blas kernel:"))
    #expect(output.standardOutput.contains("blas threads:  1"))
  }

  @Test func userCoreTypeIsRespected() throws {
    let output = try HarnessProcess.run(["info"], environment: ["OPENBLAS_CORETYPE": "Haswell"])
    #expect(output.standardOutput.contains("Haswell (chosen by: environment)"))
  }

  /// The dynamic loader finds a shared library that is not OpenBLAS under OpenBLAS's name first
  /// (the C library, which this process has loaded and the loader therefore
  /// returns as it is, via LD_LIBRARY_PATH): the harness stops at start-up
  /// with one line naming the library and what to install, and exit status 1.
  @Test func aLibraryThatIsNotOpenBLASIsOneErrorAtStartUp() throws {
    // Read to the end: /proc files report size 0.
    let mapsFile = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
    let maps = String(decoding: try mapsFile.readToEnd() ?? Data(), as: UTF8.self)
    try mapsFile.close()
    let cLibrary = try #require(
      maps.split(separator: "\n").compactMap { line in line.split(separator: " ").last.map(String.init) }
        .first { ($0 as NSString).lastPathComponent.hasPrefix("libc.so") },
      "the C library is not mapped into the test process")
    let directory = try TemporaryDirectory()
    try FileManager.default.createSymbolicLink(
      atPath: directory.file("libopenblas.so.0"), withDestinationPath: cLibrary)
    let output = try HarnessProcess.run(["info"], environment: ["LD_LIBRARY_PATH": directory.path])
    #expect(output.status == 1)
    #expect(output.standardOutput.isEmpty)
    #expect(
      output.standardError
        == "error: OpenBLAS: libopenblas.so.0 has no symbol cblas_sgemm, so it is not OpenBLAS 0.3; "
        + "install the Debian package libopenblas-dev (Scripts/setup does)\n")
  }

  @Test func unknownCommandsFail() throws {
    let output = try HarnessProcess.run(["frobnicate"])
    #expect(output.status != 0)
  }
}
