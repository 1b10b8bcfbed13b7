import Experiments
import Foundation
import Store
import Testing
import _TestSupport

@testable import Reports

/// The reproduction notebook from the tiny run and a reference benchmark file written here: the
/// paper's claims, the harness's measurements and the reference's column with its estimates.
@Suite(.serialized) struct ReproductionReportTests {
  /// A bench_torch.py file with the cases the notebook reads (round numbers, so the derived
  /// cells are easy to check).
  static let reference = """
    {"env": {"torch": "2.15.0", "threads": 2},
     "gen_fwd_K5_b1_256": {"median": 0.05, "params": 71659},
     "rss_gen_K5_b1": {"peak_rss_mb": 650.0}, "rss_torch_only": {"peak_rss_mb": 530.0},
     "gatys_lbfgs_iter_256": {"median": 0.5}, "rss_gatys_256": {"peak_rss_mb": 1300.0},
     "rss_gatys_512": {"peak_rss_mb": 2500.0, "seconds": 220.0, "iters": 110},
     "train_step_texture_K5_b4_256": {"median": 3.6}}
    """

  @Test func theClaimsSitBesideTheMeasurements() throws {
    let run = try TinyExperimentRun.shared()
    let path = try run.files.directory.writeText(
      Self.reference, to: "bench-\(UUID().uuidString.prefix(6)).json")
    let reference = try #require(ReferenceBenchmarks.load(path))
    #expect(reference.gatysIterationSeconds512 == 2)
    let folder = try run.folder()
    let summary = try #require(folder.finished.first?.summary)
    let notebooks = run.freshNotebooks("reproduction")
    let outcome = try ReproductionReport.write(
      folder, notebooks: notebooks, reference: reference,
      gnuplot: .success(try TinyExperimentRun.gnuplot()))
    #expect(outcome.markdown.lastPathComponent == "reproduction.md")
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "|  | paper (NVIDIA Tesla K40 GPU, 256²) | harness, this CPU, 32² | PyTorch reference, this machine, 256² |"
      ))
    #expect(lines.contains("| generator parameters | ~65K | 955 | 71659 (`TextureNet(K=5)`) |"))
    let evaluation = try #require(summary.evaluations.first)
    let gatys = try #require(summary.gatys.first)
    #expect(
      lines.contains(
        "| generator time per sample (batch 1) | ~20 ms | "
          + String(format: "%.3g ms", evaluation.secondsPerSample * 1000)
          + " | 50 ms (`gen_fwd_K5_b1_256`) |"))
    #expect(
      lines.contains(
        "| generator peak memory per sample | ~170 MB (GPU) | "
          + String(format: "%.0f MiB", evaluation.samplePeakResidentMiB)
          + " (process) | 650 MiB (process; 120 MiB above `import torch`) |"))
    // Gatys ran at 32², so the reference's 256² figures give no estimate of its time.
    #expect(
      lines.contains {
        $0.hasPrefix("| Gatys time to the generator's mean sample loss | ~10 s | ")
          && $0.hasSuffix(" \(gatys.optimizer) iterations) | - |")
      })
    #expect(
      lines.contains {
        $0.hasPrefix("| memory ratio (Gatys / generator) | ~6.5x | ") && $0.hasSuffix(" | 2.0x |")
      })
    #expect(
      text.contains("at 512² PyTorch takes 2.00 s per L-BFGS iteration and peaks at 2500 MiB"))
    #expect(text.contains("NVIDIA Tesla K40 GPU (2880 CUDA cores"))
    #expect(
      text.contains(
        "3.6 s per step at batch 4, 256² (`train_step_texture_K5_b4_256`); 2000 at batch 16 ≈ 8.0 h (estimate)"
      ))
    #expect(
      imageLinks(text) == [
        "reproduction/training-levels=1.png", "reproduction/gatys.png", "reproduction/samples.png",
      ])
    for link in imageLinks(text) {
      _ = try readImage(path: notebooks.appendingPathComponent(link).path)
    }
  }

  @Test func theEstimatesAtTheReferenceSize() throws {
    let generator256 = SizeEvaluation(
      size: 256, sampleLosses: [1e-3, 3e-3], secondsPerSample: 0.1, samplePeakResidentMiB: 100)
    let generator512 = SizeEvaluation(
      size: 512, sampleLosses: [2e-3], secondsPerSample: 0.4, samplePeakResidentMiB: 300)
    let gatys = GatysComparison(
      optimizer: "lbfgs", size: 256, targetLoss: 2e-3, reachedLoss: true, iterations: 40,
      seconds: 12, finalLoss: 1.9e-3, peakResidentMiB: 500, generator: generator256,
      trainingSeconds: 1000)
    let summary = PointSummary(
      point: "base", values: [], parameterCount: 71659, trainingIterations: 120,
      trainingSeconds: 1000, trainingFinalLoss: 2e-3, trainingPeakResidentMiB: 900,
      evaluations: [generator256, generator512], gatys: [gatys])
    let reference = try #require(
      ReferenceBenchmarks.load(
        try TinyExperimentRun.shared().files.directory.writeText(
          Self.reference, to: "bench-estimates.json")))
    let text = ReproductionTable.markdown(
      summary: summary, point: PointResults(folder: URL(fileURLWithPath: "/nonexistent/base")),
      reference: reference)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "| Gatys time to the generator's mean sample loss | ~10 s | 12 s (40 lbfgs iterations) | not run (add 512 to gatys.additionalSizes) | ≈ 20 s (estimate: the harness's iterations × `gatys_lbfgs_iter_256`) |"
      ))
    #expect(
      lines.contains("| speed ratio (Gatys / generator) | ~500x | 120x | - | ≈ 400x (estimate) |"))
    #expect(lines.contains("| memory ratio (Gatys / generator) | ~6.5x | 5.0x | - | 2.0x |"))
    #expect(
      lines.contains(
        "| break-even (images from which training pays off) | not reported | 85 | - | - |"))
    #expect(
      lines.contains(
        "| generator time per sample (batch 1) | ~20 ms | 100 ms | 400 ms | 50 ms (`gen_fwd_K5_b1_256`) |"
      ))
    // With gatys.additionalSizes [512], the 512² column has its own Gatys run and ratios.
    var both = summary
    both.gatys.append(
      GatysComparison(
        optimizer: "lbfgs", size: 512, targetLoss: 2e-3, reachedLoss: true, iterations: 30,
        seconds: 80, finalLoss: 1.9e-3, peakResidentMiB: 900, generator: generator512,
        trainingSeconds: 1000))
    let bothLines = ReproductionTable.markdown(
      summary: both, point: PointResults(folder: URL(fileURLWithPath: "/nonexistent/base")),
      reference: reference
    ).split(separator: "\n").map(String.init)
    #expect(
      bothLines.contains {
        $0.hasPrefix(
          "| Gatys time to the generator's mean sample loss | ~10 s | 12 s (40 lbfgs iterations) | 80 s (30 lbfgs iterations) |"
        )
      })
    #expect(
      bothLines.contains("| speed ratio (Gatys / generator) | ~500x | 120x | 200x | ≈ 400x (estimate) |"))
    #expect(bothLines.contains("| memory ratio (Gatys / generator) | ~6.5x | 5.0x | 3.0x | 2.0x |"))
    #expect(bothLines.contains { $0.contains("at the same size (256², 512²)") })
    // Gatys stopped at its cap: its time, and the reference's estimate, are lower bounds.
    var capped = summary
    capped.gatys[0].reachedLoss = false
    let cappedLines = ReproductionTable.markdown(
      summary: capped, point: PointResults(folder: URL(fileURLWithPath: "/nonexistent/base")),
      reference: reference
    ).split(separator: "\n").map(String.init)
    #expect(
      cappedLines.contains {
        $0.hasPrefix(
          "| Gatys time to the generator's mean sample loss | ~10 s | > 12 s (> 40 lbfgs iterations) |"
        )
          && $0.hasSuffix(
            "| > ≈ 20 s (estimate: the harness's iterations × `gatys_lbfgs_iter_256`) |")
      })
    #expect(
      cappedLines.contains(
        "| speed ratio (Gatys / generator) | ~500x | > 120x | - | > ≈ 400x (estimate) |"))
    #expect(
      lines.contains(
        "| training | ~2 h (2000 iterations, batch 16, 256²) | 1000 s (16.7 min) for 120 iterations | (the same generator) | 3.6 s per step at batch 4, 256² (`train_step_texture_K5_b4_256`); 2000 at batch 16 ≈ 8.0 h (estimate) |"
      ))
    #expect(
      lines.contains(
        "| mean sample loss (± sd) | not comparable (another loss normalisation) | 0.002 ± 0.001 | 0.002 ± 0 | - |"
      ))
  }

  @Test func withoutAReferenceTheColumnIsEmptyAndSaysWhy() throws {
    let run = try TinyExperimentRun.shared()
    let outcome = try ReproductionReport.write(
      try run.folder(), notebooks: run.freshNotebooks("noreference"), reference: nil,
      gnuplot: Gnuplot.locate(environment: ["TEXTURE_NETS_GNUPLOT": "/nonexistent"]))
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    #expect(text.contains("| generator parameters | ~65K | 955 | - |"))
    #expect(text.contains("no reference benchmark file was found"))
  }
}
