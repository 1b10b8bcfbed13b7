import ArgumentParser
import Foundation
import Reports

/// `harness report results/<experiment>`: the experiment's markdown notebook and figures, from
/// what is on disk; `harness report --reproduction DIR`: the paper's claims side by side.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Write an experiment's markdown notebook and gnuplot figures from its results on disk.",
    discussion: """
      Nothing is re-run: every number comes from the results folder that harness run wrote \
      (harness run writes this report itself when it ends). A half-finished experiment's \
      report lists the points that are missing and what each got through.

        harness report results/ablation-K
        harness report --reproduction results/paper-texture-short

      Layout (NOTEBOOKS is --notebooks, default $TEXTURE_NETS_NOTEBOOKS, else notebooks-md):
        NOTEBOOKS/<experiment>.md    settings (preset, every deviation, sweep,
                                     objective and its normalisation, CPU,
                                     threads, BLAS kernel, toolchain, git
                                     commit), the comparison table (one row per
                                     point), the figures with a sentence each
        NOTEBOOKS/<experiment>/NAME.png, NAME.gp, NAME.dat
                                     each figure, its gnuplot script and its
                                     data; rerun: cd NOTEBOOKS/<experiment> &&
                                     gnuplot NAME.gp
          training-total             total training loss of every point
          training-<point>           each loss term against iteration (log)
          gatys-<point>              Gatys loss against wall time, the
                                     generator's mean sample loss and time per
                                     sample marked (the paper's comparison)
          sweep-sample-loss, sweep-time-per-sample, sweep-parameters,
          sweep-gatys-time, sweep-peak-memory   each against the swept key
          samples (+ samples-images.png, its data)   exemplar, Gatys result
                                     and samples, one row per point
        NOTEBOOKS/reproduction.md, NOTEBOOKS/reproduction/   with --reproduction:
                                     the paper's claims (Tesla K40) beside this
                                     run's measurements at each evaluation size
                                     and the PyTorch reference's on this machine

      Figures are drawn with gnuplot (pngcairo): $TEXTURE_NETS_GNUPLOT names the binary, else \
      gnuplot on the PATH. Without one the markdown, scripts and data are still written, with a \
      warning, and the report says no figure was drawn.
      """)

  @Argument(help: "The results folder of an experiment (results/<experiment>).")
  var results: String?

  @Option(
    help:
      "Write notebooks-md/reproduction.md from this results folder of experiments/paper-texture.json (or a shortened version)."
  )
  var reproduction: String?

  @Option(
    help:
      "The notebook folder (default: $TEXTURE_NETS_NOTEBOOKS if set, else notebooks-md in the current folder).")
  var notebooks: String?

  @Option(
    help:
      "The experiment file (default: found from the points' command lines, or experiments/<name>.json)."
  )
  var experiment: String?

  @Option(
    help:
      "The PyTorch reference's benchmark JSON for --reproduction (default ../shared/reference/results/bench_default.json)."
  )
  var reference: String?

  @Option(
    help:
      "A sentence for the notebook that the files cannot give (e.g. how busy the machine was)."
  )
  var remark: String?

  func validate() throws {
    guard (results == nil) != (reproduction == nil) else {
      throw ValidationError("give a results folder, or --reproduction DIR (not both)")
    }
  }

  func run() throws {
    let notebookFolder = notebooksFolder(notebooks)
    do {
      let outcome: ReportOutcome
      if let reproduction {
        let folder = try ResultsFolder(
          url: URL(fileURLWithPath: reproduction), experimentFile: experiment)
        let referencePath =
          reference
          ?? ReferenceBenchmarks.locate(
            results: folder.url,
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let benchmarks = referencePath.flatMap(ReferenceBenchmarks.load)
        if let referencePath, benchmarks == nil {
          printError("warning: \(referencePath): not a bench_torch.py JSON file; no PyTorch column")
        }
        outcome = try ReproductionReport.write(
          folder, notebooks: notebookFolder, reference: benchmarks, remark: remark)
      } else {
        let folder = try ResultsFolder(
          url: URL(fileURLWithPath: results ?? ""), experimentFile: experiment)
        outcome = try ExperimentReport.write(folder, notebooks: notebookFolder, remark: remark)
      }
      for warning in outcome.warnings { printError("warning: \(warning)") }
      print(
        "report: \(outcome.markdown.path) (\(outcome.figures.count) figures in \(outcome.figureFolder.path))"
      )
    } catch {
      printError("error: \(error)")
      throw ExitCode.failure
    }
  }
}
