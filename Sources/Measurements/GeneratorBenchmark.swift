import Autodiff
import Foundation
import NN
import TensorCore

/// The generator benchmark (`harness bench generator`), with the PyTorch reference's case names
/// (`bench_torch.py`, and Scripts/bench_generator_torch.py for the backward cases):
///
/// - `gen_fwd_K<K>_b<N>_256`: one inference forward pass of a freshly initialised texture
///   generator (running batch-norm statistics, as the reference's `eval()` + `no_grad`) on
///   `[N, 3, 256, 256]` uniform noise, K ∈ {5, 6}, N ∈ {1, 16};
/// - `gen_fwd_bwd_K<K>_b4_256`: a training-mode forward (batch statistics, running averages
///   updated) and the backward pass to every parameter of `sum(output · upstream)` for a fixed
///   random upstream tensor, batch 4;
/// - `rss_generate_K<K>_b1_256`: the peak resident memory of a fresh `harness generate` process
///   drawing one 256² sample (the reference's `rss_gen_K<K>_b1`), through `launch`.
///
/// GFLOP/s counts the convolutions' 2 · multiply-adds (`flops`), as the reference's `gen_flops`;
/// the backward case counts three times the forward (input and weight gradients).
public struct GeneratorBenchmark {
  let timer: BenchmarkTimer

  /// A benchmark with `timer`.
  public init(timer: BenchmarkTimer = BenchmarkTimer()) { self.timer = timer }

  /// 2 · multiply-adds of the generator's convolutions for one `size`² sample: per scale s the
  /// branch block (3x3 cin→c, 3x3 c→c, 1x1 c→c), per join the block of 8(k+1) channels, and the
  /// 1x1 output convolution (`bench_torch.py`'s `gen_flops`).
  public static func flops(levels: Int, channels: Int = 8, inputChannels: Int = 3, size: Int) -> Double {
    var total = 0
    for k in 0..<levels {
      let s = size >> (levels - 1 - k)
      total += 2 * s * s * (9 * inputChannels * channels + 9 * channels * channels + channels * channels)
      if k > 0 {
        let c = channels * (k + 1)
        total += 2 * s * s * (9 * c * c + 9 * c * c + c * c)
      }
    }
    return Double(total + 2 * size * size * channels * levels * 3)
  }

  /// A freshly initialised texture generator with `levels` scales (the reference's
  /// `TextureNet(K)`), batch norm sampled with `statistics`.
  public static func generator(levels: Int, statistics: BatchNormStatistics) throws -> Generator {
    var configuration = GeneratorConfiguration.textureNets(levels: levels)
    configuration.samplingStatistics = statistics
    var random = RandomStream(seed: 0, name: "generator benchmark \(levels)")
    return try Generator(configuration, random: &random)
  }

  /// Runs the timed cases, reporting each record as it completes, then (when given) the memory
  /// cases through `launch(levels)`, which returns a fresh process's peak RSS in MiB.
  public func run(
    launch: ((Int) throws -> Double)? = nil, report: (BenchmarkRecord?) -> Void
  ) throws {
    let threads = Parallel.threads
    for levels in [5, 6] {
      let sampler = try Self.generator(levels: levels, statistics: .running)
      for batch in [1, 16] {
        var random = RandomStream(seed: 1, name: "benchmark noise")
        let noise = try sampler.configuration.drawNoise(batch: batch, height: 256, width: 256, random: &random)
        let flops = Double(batch) * Self.flops(levels: levels, size: 256)
        report(
          timer.record(
            "gen_fwd_K\(levels)_b\(batch)_256", flops: flops, threads: threads,
            note: "\(sampler.parameterCount) parameters, inference, running statistics"
          ) {
            _ = try? sampler.sample(noise: noise)
          })
      }
      var trained = try Self.generator(levels: levels, statistics: .batch)
      var random = RandomStream(seed: 2, name: "benchmark noise")
      let noise = try trained.configuration.drawNoise(batch: 4, height: 256, width: 256, random: &random)
      let upstream = random.uniformTensor([4, 3, 256, 256], low: -1, high: 1)
      report(
        timer.record(
          "gen_fwd_bwd_K\(levels)_b4_256", flops: 3 * 4 * Self.flops(levels: levels, size: 256),
          threads: threads,
          note: "training forward + backward to every parameter of sum(output * upstream)"
        ) {
          let parameters = trained.parameters.map(\.value)
          let output = trained(noise: noise.map { Variable($0) }, mode: .training)
          let seed = upstream
          _ = gradients(of: output, seed: seed, with: parameters)
        })
    }
    guard let launch else { return }
    for levels in [5, 6] where timer.includes("rss_generate_K\(levels)_b1_256") {
      let peak = try launch(levels)
      report(
        BenchmarkRecord(
          case: "rss_generate_K\(levels)_b1_256", medianMilliseconds: 0, minimumMilliseconds: 0,
          maximumMilliseconds: 0, gflops: nil, threads: threads, cleanRuns: 1, discardedRuns: 0,
          note: "harness generate, one 256x256 sample, fresh process", peakResidentMiB: peak))
    }
  }
}
