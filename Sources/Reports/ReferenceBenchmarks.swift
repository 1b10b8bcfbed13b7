import Foundation

/// The PyTorch reference's figures on this machine, read from the JSON that
/// `../shared/reference/bench_torch.py` writes (`reference/results/bench_default.json`): a
/// case per key, each with `median` seconds or `peak_rss_mb` (MiB: the script divides VmHWM's
/// kB by 1024). Only the cases the reproduction compares are read; a missing one is nil.
public struct ReferenceBenchmarks: Sendable {
  /// The file read.
  public var path: String
  /// `env.torch` and `env.threads`, e.g. `torch 2.15.0+cu132, 2 threads`.
  public var software: String
  /// `gen_fwd_K5_b1_256`: the K=5 generator's forward pass, one 256² sample, seconds.
  public var generatorSeconds256: Double?
  /// `gen_fwd_K5_b1_256.params`: that generator's parameters.
  public var generatorParameters: Int?
  /// `rss_gen_K5_b1`: the peak RSS of a process generating one 256² sample, MiB.
  public var generatorPeakMiB256: Double?
  /// `rss_torch_only`: the peak RSS of `import torch` alone, MiB.
  public var importPeakMiB: Double?
  /// `gatys_lbfgs_iter_256`: one L-BFGS iteration at 256², seconds.
  public var gatysIterationSeconds256: Double?
  /// `rss_gatys_256`: the peak RSS of a 256² L-BFGS run, MiB.
  public var gatysPeakMiB256: Double?
  /// `rss_gatys_512` seconds / iterations: one L-BFGS iteration at 512², seconds.
  public var gatysIterationSeconds512: Double?
  /// `rss_gatys_512`: the peak RSS of a 512² L-BFGS run, MiB.
  public var gatysPeakMiB512: Double?
  /// `train_step_texture_K5_b4_256`: one training step, K=5, batch 4, 256², seconds.
  public var trainingStepSeconds256: Double?
  /// `train_step_texture_K5_b4_128`: the same at 128², seconds.
  public var trainingStepSeconds128: Double?

  /// The figures of `json`, the decoded contents of `path`.
  init(path: String, json: [String: Any]) {
    self.path = path
    func number(_ key: String, _ field: String) -> Double? {
      ((json[key] as? [String: Any])?[field] as? NSNumber)?.doubleValue
    }
    let environment = json["env"] as? [String: Any]
    let torch = environment?["torch"] as? String ?? "unknown"
    let threads = (environment?["threads"] as? NSNumber)?.intValue
    software = "torch \(torch)" + (threads.map { ", \($0) threads" } ?? "")
    generatorSeconds256 = number("gen_fwd_K5_b1_256", "median")
    generatorParameters = number("gen_fwd_K5_b1_256", "params").map { Int($0) }
    generatorPeakMiB256 = number("rss_gen_K5_b1", "peak_rss_mb")
    importPeakMiB = number("rss_torch_only", "peak_rss_mb")
    gatysIterationSeconds256 = number("gatys_lbfgs_iter_256", "median")
    gatysPeakMiB256 = number("rss_gatys_256", "peak_rss_mb")
    if let seconds = number("rss_gatys_512", "seconds"),
      let iterations = number("rss_gatys_512", "iters"),
      iterations > 0
    {
      gatysIterationSeconds512 = seconds / iterations
    }
    gatysPeakMiB512 = number("rss_gatys_512", "peak_rss_mb")
    trainingStepSeconds256 = number("train_step_texture_K5_b4_256", "median")
    trainingStepSeconds128 = number("train_step_texture_K5_b4_128", "median")
  }

  /// The figures in `path`, or nil when it is missing or not such a JSON object.
  public static func load(_ path: String) -> ReferenceBenchmarks? {
    guard let data = FileManager.default.contents(atPath: path),
      let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { return nil }
    return ReferenceBenchmarks(path: path, json: json)
  }

  /// The reference's benchmark file: `$TEXTURE_NETS_SHARED/reference/results/bench_default.json`,
  /// else `../shared/reference/results/bench_default.json` from `currentDirectory` or from the
  /// checkout two levels above `results`; nil when none exists.
  public static func locate(
    results: URL, currentDirectory: URL,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String? {
    let relative = "reference/results/bench_default.json"
    var candidates: [URL] = []
    if let shared = environment["TEXTURE_NETS_SHARED"] {
      candidates.append(URL(fileURLWithPath: shared).appendingPathComponent(relative))
    }
    let checkout = results.standardizedFileURL.deletingLastPathComponent()
      .deletingLastPathComponent()
    for base in [currentDirectory, checkout] {
      candidates.append(
        base.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(
          relative))
    }
    return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.path
  }
}
