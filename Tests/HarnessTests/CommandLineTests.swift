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

  @Test func unknownCommandsFail() throws {
    let output = try HarnessProcess.run(["frobnicate"])
    #expect(output.status != 0)
  }
}
