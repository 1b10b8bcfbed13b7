import ArgumentParser
import Experiments
import Foundation
import Reports
import Runs

/// `harness run FILE`: every point of an experiment (also `harness FILE.json`).
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run an experiment file: train, evaluate, and compare with Gatys, per sweep point.",
    discussion: """
      The main job: `harness FILE.json` is the same as `harness run FILE.json`, e.g.
        swift run -c release harness exp/ablation-K.json

      Per point of the sweep, in order: train the generator; draw S samples per evaluation \
      size from fresh noise and score each with the training objective; time the generator \
      in a fresh `harness generate` (batch 1, median) with its peak RSS; run Gatys (each \
      optimiser in gatys.optimizers) in a fresh `harness gatys` from noise until its loss \
      reaches the generator's mean sample loss (or gatys.iterations). A table of every point \
      is printed at the end.

      Results (default results/<experiment>, or --out DIR):
        <point>/point.json       the resolved experiment of the point (reloadable:
                                 harness run <point>/point.json)
        <point>/provenance.json  git commit, toolchain, CPU, BLAS, seed, times
        <point>/training/        model.h5, store.h5 (/metrics/iterations),
                                 samples/, checkpoint.h5, summary.json
        <point>/evaluation/size-S/   samples.h5, sample-NNNN.png, scores.json
        <point>/timing/size-S/attempt-N/  measurement.json (fresh process)
        <point>/gatys/<optimizer>.json and <optimizer>/  store.h5 (loss
                                 against wall time, summary), final.png
        <point>/gatys/<optimizer>-S.json and <optimizer>-S/  the same at
                                 each side S of gatys.additionalSizes
        <point>/summary.json     parameters, training time, sample loss mean
                                 and spread, time per sample, peak RSS, Gatys
                                 iterations and seconds to equal loss, ratios,
                                 break-even count
      Point folders are named by their swept values (levels=5; several keys
      joined by ','; no sweep: base).

      At the end (also after Ctrl-C; not for --point, whose Slurm report job does it) the \
      experiment's notebook is written, as `harness report results/<experiment>` writes it: \
      NOTEBOOKS/<experiment>.md and its figures in NOTEBOOKS/<experiment>/ (--notebooks, \
      default $TEXTURE_NETS_NOTEBOOKS, else notebooks-md). A report that cannot be written is \
      a warning; the results stay as they are.

      A rerun skips finished points and stages and resumes an interrupted training or Gatys \
      run from its checkpoint; Ctrl-C stops cleanly (exit 130). A point folder whose \
      point.json differs from the point's resolved configuration is refused, never \
      overwritten (choose --out DIR, or remove it). A point that fails (bad input, a diverged \
      training, a failed measurement) is marked failed (<point>/failed.json, with the error) \
      and the others still run; the run then exits non-zero, listing them, and a rerun tries \
      them again. Validate a file without running it: harness validate FILE; the presets: \
      harness presets.

      On a Slurm cluster (--backend slurm): the unfinished points become one job array, one \
      task per point, each running `harness run FILE --out RESULTS --point I` in the same \
      layout, submitted as
        sbatch --array=<indices>[%K] --requeue RESULTS/slurm/sweep.sh
      and the report (harness report RESULTS --notebooks RESULTS/report) as a job after every \
      task succeeded (--dependency=afterok). The scripts stay in RESULTS/slurm/ (readable, \
      resubmittable), the task logs in RESULTS/slurm/logs/<job>_<index>.out, every submission \
      in RESULTS/slurm/submissions.json. A task's threads follow SLURM_CPUS_PER_TASK. SIGTERM \
      (time limit, preemption, scancel, scontrol requeue) checkpoints and stops the point; \
      requeued, it resumes from the checkpoint. Submitting again sends only the points that \
      are neither done nor queued. Follow it with: harness status RESULTS
      """)

  @Argument(help: "The experiment file (JSON).")
  var file: String

  @Option(help: "Run only these points (folder names, comma-separated).")
  var points: String?

  @Flag(help: "List the points and their folders, run nothing.")
  var dryRun = false

  @Option(help: "The folder of the point folders (default results/<experiment>).")
  var out: String?

  @Flag(help: "No training progress bar (the stage lines stay).")
  var quiet = false

  @Option(
    help:
      "The notebook folder the report goes to (default: $TEXTURE_NETS_NOTEBOOKS if set, else notebooks-md in the current folder).")
  var notebooks: String?

  @Option(help: "Where the points run: local (here, one after another) or slurm (a job array).")
  var backend: RunBackend = .local

  @Option(help: "Run only the point with this index in the sweep (0-based, the order of --dry-run): what each Slurm array task runs.")
  var point: Int?

  @OptionGroup(title: "Slurm (with --backend slurm)")
  var slurm: SlurmRunOptions

  func validate() throws {
    if backend == .local, let first = slurm.given.first {
      throw ValidationError("\(first): only with --backend slurm")
    }
    if point != nil && (points != nil || backend == .slurm) {
      throw ValidationError("--point: one point by index, not with --points or --backend slurm")
    }
  }

  func run() throws {
    let loaded: ExperimentFile
    var selected: [ExperimentPoint]
    do {
      loaded = try ExperimentFile.load(file)
      selected = try loaded.points(named: points.map { loaded.pointNames(inList: $0) })
    } catch {
      printError(error.problems.map { "error: \($0)" }.joined(separator: "\n"))
      throw ExitCode.failure
    }
    if let point {
      guard loaded.points.indices.contains(point) else {
        printError("error: \(SlurmError.pointOutOfRange(point, count: loaded.points.count, file: file))")
        throw ExitCode.failure
      }
      selected = [loaded.points[point]]
      SlurmBackend.adoptSlurmCPUs()
    }
    let runner = ExperimentRunner(
      file: loaded, root: out.map { URL(fileURLWithPath: $0) }, executable: Self.executable,
      harnessVersion: HarnessVersion.number)
    if dryRun {
      print("\(loaded.name): \(selected.count) of \(loaded.points.count) points")
      for point in selected {
        let values = point.values.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ")
        print("  \(runner.folder(of: point).path)\(values.isEmpty ? "" : "  (\(values))")")
      }
      return
    }
    if backend == .slurm {
      do {
        _ = try SlurmBackend(runner: runner, options: slurm.options).submit(selected)
      } catch {
        printError("error: \(error)")
        throw ExitCode.failure
      }
      return
    }
    runner.showsProgress = !quiet
    let outcome = try runner.run(selected)
    if !outcome.summaries.isEmpty { print(SummaryTable.text(outcome.summaries)) }
    print("results: \(runner.root.path)")
    // A Slurm array task (--point) leaves the report to the experiment's report job.
    if point == nil { writeReport(of: runner.root) }
    if outcome.interrupted {
      printError("interrupted: the next `harness run \(file)` resumes where this one stopped")
      throw ExitCode(130)
    }
    if !outcome.failures.isEmpty {
      printError("failed: \(outcome.failures.count) of \(selected.count) points (each folder's failed.json):")
      for failure in outcome.failures {
        printError("  \(failure.point): \(failure.message)")
      }
      printError("a rerun tries them again; harness status \(runner.root.path) lists every point")
      throw ExitCode.failure
    }
  }

  /// Writes the experiment's notebook; a failure is a warning, never the run's failure.
  func writeReport(of root: URL) {
    do {
      let folder = try ResultsFolder(url: root, experimentFile: file)
      let outcome = try ExperimentReport.write(folder, notebooks: notebooksFolder(notebooks))
      for warning in outcome.warnings { printError("warning: report: \(warning)") }
      print("report: \(outcome.markdown.path)")
    } catch {
      printError(
        "warning: the report could not be written (\(error)); the results are complete: harness report \(root.path)"
      )
    }
  }

  /// This executable, for the fresh measurement processes.
  static var executable: URL {
    let selfLink = URL(fileURLWithPath: "/proc/self/exe")
    if FileManager.default.fileExists(atPath: selfLink.path) {
      return selfLink.resolvingSymlinksInPath()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  }
}

/// `harness validate FILE...`: loads experiment files, reporting every problem.
struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Check experiment files without running them (every problem, file: key.path: message).")

  @Argument(help: "The experiment files.")
  var files: [String]

  func run() throws {
    var failed = false
    for file in files {
      do {
        let loaded = try ExperimentFile.load(file)
        print("\(file): ok, \(loaded.points.count) point\(loaded.points.count == 1 ? "" : "s")")
      } catch {
        failed = true
        printError(error.problems.map { "error: \($0)" }.joined(separator: "\n"))
      }
    }
    if failed { throw ExitCode.failure }
  }
}

/// `harness presets [NAME]`: the presets, or one fully resolved as JSON.
struct Presets: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the presets experiment files extend, or print one fully resolved (JSON).",
    discussion: """
      An experiment file says "extends": "NAME" and overrides any field; `harness presets NAME` \
      prints every field of NAME, as a file that runs as it is.
      """)

  @Argument(help: "A preset to print in full.")
  var name: String?

  func run() throws {
    guard let name else {
      for preset in Preset.all {
        print(preset.name)
        print("  " + preset.source.replacingOccurrences(of: "\n", with: " "))
      }
      return
    }
    guard let preset = Preset.named(name) else {
      throw ValidationError(Preset.unknownNameMessage(name))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(preset.experiment), as: UTF8.self))
  }

}
