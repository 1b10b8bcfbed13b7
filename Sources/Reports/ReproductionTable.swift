import Experiments
import Foundation
import NN

/// The reproduction's claims table: a row per claim of the paper, its value (Tesla K40), the
/// harness's measurement on this CPU at each evaluation size, and the PyTorch reference's on
/// this machine where it measured the same case (marked an estimate where it is derived).
enum ReproductionTable {
  /// The table, its notes and the estimates' formulas.
  static func markdown(
    summary: PointSummary, point: PointResults, reference: ReferenceBenchmarks?
  ) -> String {
    let sizes = summary.evaluations.map(\.size)
    let header =
      ["", "paper (\(PaperClaims.hardware), 256²)"] + sizes.map { "harness, this CPU, \($0)²" }
      + ["PyTorch reference, this machine, 256²"]
    func evaluation(_ size: Int) -> SizeEvaluation? {
      summary.evaluations.first { $0.size == size }
    }
    func gatys(_ size: Int) -> GatysComparison? { summary.gatys.first { $0.size == size } }
    func perSize(_ cell: (Int) -> String) -> [String] { sizes.map(cell) }
    let notRun: (Int) -> String = { "not run (add \($0) to gatys.additionalSizes)" }
    var gatysSizes: [Int] = []
    for run in summary.gatys where !gatysSizes.contains(run.size) { gatysSizes.append(run.size) }
    let referenceGatysSeconds: Double? = {
      guard let iterations = gatys(256)?.iterations,
        let perIteration = reference?.gatysIterationSeconds256
      else { return nil }
      return Double(iterations) * perIteration
    }()
    // Where Gatys did not reach the loss, its iterations are a lower bound, so is the estimate.
    let estimateBound = gatys(256)?.reachedLoss == false ? "> ≈ " : "≈ "
    let milliseconds = { (seconds: Double) in String(format: "%.3g ms", seconds * 1000) }
    let mebibytes = { (value: Double) in String(format: "%.0f MiB", value) }
    var rows: [[String]] = []
    rows.append(
      ["generator parameters", "~65K"] + perSize { _ in "\(summary.parameterCount)" }
        + [reference?.generatorParameters.map { "\($0) (`TextureNet(K=5)`)" } ?? "-"])
    rows.append(
      ["generator time per sample (batch 1)", "~20 ms"]
        + perSize { evaluation($0).map { milliseconds($0.secondsPerSample) } ?? "-" }
        + [
          reference?.generatorSeconds256.map { milliseconds($0) + " (`gen_fwd_K5_b1_256`)" } ?? "-"
        ])
    rows.append(
      ["generator peak memory per sample", "~170 MB (GPU)"]
        + perSize {
          evaluation($0).map { mebibytes($0.samplePeakResidentMiB) + " (process)" } ?? "-"
        }
        + [
          reference?.generatorPeakMiB256.map { peak in
            mebibytes(peak) + " (process; "
              + (reference?.importPeakMiB.map { mebibytes(peak - $0) + " above `import torch`)" }
                ?? ")")
          } ?? "-"
        ])
    rows.append(
      ["Gatys time to the generator's mean sample loss", "~10 s"]
        + perSize { size in
          guard let run = gatys(size) else { return notRun(size) }
          let bound = run.reachedLoss ? "" : "> "
          return
            "\(bound)\(GnuplotScript.short(run.seconds)) s (\(bound)\(run.iterations) \(run.optimizer) iterations)"
        }
        + [
          referenceGatysSeconds.map {
            "\(estimateBound)\(GnuplotScript.short($0)) s (estimate: the harness's iterations × `gatys_lbfgs_iter_256`)"
          } ?? "-"
        ])
    rows.append(
      ["Gatys peak memory", "~1.1 GB (GPU)"]
        + perSize { size in
          gatys(size).map { mebibytes($0.peakResidentMiB) + " (process)" } ?? notRun(size)
        }
        + [reference?.gatysPeakMiB256.map { mebibytes($0) + " (process, `rss_gatys_256`)" } ?? "-"])
    rows.append(
      ["speed ratio (Gatys / generator)", "~500x"]
        + perSize { size in
          gatys(size).map { ($0.reachedLoss ? "" : "> ") + String(format: "%.0fx", $0.speedRatio) }
            ?? "-"
        }
        + [
          referenceGatysSeconds.flatMap { seconds in
            reference?.generatorSeconds256.map {
              estimateBound + String(format: "%.0fx (estimate)", seconds / $0)
            }
          } ?? "-"
        ])
    rows.append(
      ["memory ratio (Gatys / generator)", "~6.5x"]
        + perSize { size in gatys(size).map { String(format: "%.1fx", $0.memoryRatio) } ?? "-" }
        + [
          reference?.gatysPeakMiB256.flatMap { gatysPeak in
            reference?.generatorPeakMiB256.map { String(format: "%.1fx", gatysPeak / $0) }
          } ?? "-"
        ])
    rows.append(
      ["training", "~2 h (2000 iterations, batch 16, 256²)"]
        + perSize { size in
          size == sizes.first ? trainingCell(summary, point: point) : "(the same generator)"
        }
        + [referenceTrainingCell(reference)])
    rows.append(
      ["mean sample loss (± sd)", "not comparable (another loss normalisation)"]
        + perSize {
          evaluation($0).map {
            String(format: "%.4g ± %.2g", $0.lossMean, $0.lossStandardDeviation)
          } ?? "-"
        }
        + ["-"])
    rows.append(
      ["break-even (images from which training pays off)", "not reported"]
        + perSize { size in
          gatys(size).map { run in
            run.breakEvenCount.map { (run.reachedLoss ? "" : "<= ") + "\($0)" } ?? "never"
          }
            ?? "-"
        }
        + ["-"])
    var text = "## The claims side by side\n\n"
    text += MarkdownTable(header: header, rows: rows).text + "\n"
    text +=
      "Harness figures are this run's (`\(point.name)/summary.json`): the generator timed at batch 1 in a fresh `harness generate` process (median after a warm-up)\(point.experiment.map { " with \(Self.statistics($0.evaluation.batchNorm))" } ?? ""), its memory that process's peak RSS; Gatys from U[0, 1) noise with L-BFGS until its loss fell below the generator's mean sample loss at the same size (\(gatysSizes.map { "\($0)²" }.joined(separator: ", "))), in its own process. `>` marks a lower bound (Gatys stopped at its iteration cap first).\n\n"
    if let reference {
      text +=
        "PyTorch figures: `\(reference.path)` (\(reference.software); `../shared/reference/bench_torch.py` on this machine type, another session), random-weight `TextureNet(K=5)` in `eval()` mode (running statistics, which fold into the convolutions) and the same VGG-19 loss. PyTorch's Gatys time to this loss is an estimate, the harness's iteration count times PyTorch's measured seconds per L-BFGS iteration (both make one loss and gradient evaluation per iteration, and their loss curves agree within a few per cent, `notebooks-md/benchmarks.md`)\(reference.gatysIterationSeconds512.map { String(format: "; at 512² PyTorch takes %.2f s per L-BFGS iteration", $0) } ?? "")\(reference.gatysPeakMiB512.map { String(format: " and peaks at %.0f MiB", $0) } ?? ""). MB in its file are MiB (VmHWM kB / 1024).\n"
    } else {
      text +=
        "PyTorch figures: no reference benchmark file was found (`--reference FILE`, the output of `bench_torch.py`).\n"
    }
    return text
  }

  /// `T s for N iterations at batch b, s² (t s/iteration); the paper's 2000 × 16 at 256² ≈ H h`.
  static func trainingCell(_ summary: PointSummary, point: PointResults) -> String {
    let perIteration = summary.trainingSeconds / Double(max(summary.trainingIterations, 1))
    let total = String(
      format: "%.0f s (%.1f min) for %d iterations", summary.trainingSeconds,
      summary.trainingSeconds / 60, summary.trainingIterations)
    guard let training = point.experiment?.training else { return total }
    let scale = 2000 * (16 / Double(training.batchSize)) * pow(256 / Double(training.size), 2)
    return
      "\(total) at batch \(training.batchSize), \(training.size)² (\(GnuplotScript.short(perIteration)) s each); the paper's 2000 at batch 16, 256² ≈ \(String(format: "%.1f", perIteration * scale / 3600)) h here (estimate: time ∝ iterations × batch × pixels)"
  }

  /// The reference's training step, extrapolated to the paper's training.
  static func referenceTrainingCell(_ reference: ReferenceBenchmarks?) -> String {
    guard let step = reference?.trainingStepSeconds256 else { return "-" }
    return
      "\(GnuplotScript.short(step)) s per step at batch 4, 256² (`train_step_texture_K5_b4_256`); 2000 at batch 16 ≈ \(String(format: "%.1f", step * 4 * 2000 / 3600)) h (estimate)"
  }

  /// How the generator's batch norms were sampled, in words.
  static func statistics(_ mode: BatchNormStatistics) -> String {
    switch mode {
    case .batch:
      return "each sample's own batch-norm statistics (`evaluation.batchNorm` batch, as texture_nets v1 sampled; nothing folds into the convolutions)"
    case .running:
      return "the running batch-norm statistics (`evaluation.batchNorm` running, PyTorch's `eval()`)"
    }
  }
}
