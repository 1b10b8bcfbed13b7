import Foundation
import Testing
import _TestSupport

@testable import Reports

/// Without gnuplot the report is still written, without figures, saying why, and the scripts
/// and data are there to run later; `harness report` warns and succeeds.
@Suite(.serialized) struct MissingGnuplotTests {
  @Test func aNamedBinaryThatIsNotThereIsAClearMessage() {
    guard
      case .failure(let reason) = Gnuplot.locate(environment: [
        "TEXTURE_NETS_GNUPLOT": "/nonexistent"
      ])
    else {
      Issue.record("a missing TEXTURE_NETS_GNUPLOT was accepted")
      return
    }
    #expect(
      reason.message
        == "TEXTURE_NETS_GNUPLOT=/nonexistent is not an executable file, so no figure was drawn")
  }

  @Test func aPathWithoutGnuplotIsAClearMessage() {
    guard case .failure(let reason) = Gnuplot.locate(environment: ["PATH": "/nonexistent/bin"])
    else {
      Issue.record("found a gnuplot in /nonexistent/bin")
      return
    }
    #expect(reason.message.hasPrefix("gnuplot is not on the PATH (/nonexistent/bin)"))
    #expect(reason.message.contains("gnuplot-nox"))
  }

  @Test func theMarkdownIsWrittenWithoutFigures() throws {
    let run = try TinyExperimentRun.shared()
    let notebooks = run.freshNotebooks("nognuplot")
    let missing = Gnuplot.locate(environment: ["TEXTURE_NETS_GNUPLOT": "/nonexistent"])
    let outcome = try ExperimentReport.write(
      try run.folder(), notebooks: notebooks, gnuplot: missing)
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    #expect(imageLinks(text).isEmpty)
    #expect(outcome.figures.isEmpty)
    #expect(text.contains("**No figures were drawn:** TEXTURE_NETS_GNUPLOT=/nonexistent"))
    #expect(text.contains("| 1 | 955 |"))
    #expect(outcome.warnings.contains { $0.contains("TEXTURE_NETS_GNUPLOT=/nonexistent") })
    let files = try FileManager.default.contentsOfDirectory(atPath: outcome.figureFolder.path)
    #expect(!files.contains { $0.hasSuffix(".png") && $0 != "samples-images.png" })
    #expect(files.contains("training-total.gp") && files.contains("training-total.dat"))
  }

  @Test func harnessReportWarnsAndWritesToNotebooksMdByDefault() throws {
    let run = try TinyExperimentRun.shared()
    let directory = run.freshNotebooks("command")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let output = try HarnessProcess.run(
      ["report", run.results.path, "--experiment", run.experimentFile],
      environment: ["TEXTURE_NETS_GNUPLOT": "/nonexistent", "TEXTURE_NETS_NOTEBOOKS": ""],
      directory: directory)
    #expect(output.status == 0, "\(output.standardError)")
    #expect(
      output.standardError.contains(
        "warning: TEXTURE_NETS_GNUPLOT=/nonexistent is not an executable file, so no figure was drawn"
      ))
    let markdown = directory.appendingPathComponent("notebooks-md/tiny.md")
    #expect(FileManager.default.fileExists(atPath: markdown.path))
    #expect(imageLinks(try String(contentsOf: markdown, encoding: .utf8)).isEmpty)
  }

  @Test func theNotebooksVariableIsTheDefaultFolder() throws {
    let run = try TinyExperimentRun.shared()
    let directory = run.freshNotebooks("variable")
    let chosen = run.freshNotebooks("chosen")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let output = try HarnessProcess.run(
      ["report", run.results.path, "--experiment", run.experimentFile],
      environment: ["TEXTURE_NETS_GNUPLOT": "/nonexistent", "TEXTURE_NETS_NOTEBOOKS": chosen.path],
      directory: directory)
    #expect(output.status == 0, "\(output.standardError)")
    #expect(FileManager.default.fileExists(atPath: chosen.appendingPathComponent("tiny.md").path))
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("notebooks-md").path))
  }

  @Test func harnessReportOfAFolderWithoutPointsIsOneError() throws {
    let run = try TinyExperimentRun.shared()
    let output = try HarnessProcess.run(["report", run.files.directory.path])
    #expect(output.status == 1)
    #expect(
      output.standardError.contains(
        "error: \(run.files.directory.path): holds no point folder (a subfolder with point.json); is it results/<experiment>?\n"
      ))
  }
}
