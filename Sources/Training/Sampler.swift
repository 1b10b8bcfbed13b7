import Foundation
import ImageArguments
import NN
import Runs
import Store
import TensorCore

/// The time and memory of drawing samples, as `harness generate` records them (`samples.h5`
/// attribute `measurement`, `measurement.json`).
public struct SamplingMeasurement: Codable, Equatable, Sendable {
  /// Samples drawn.
  public var count: Int
  /// Samples per forward pass.
  public var batch: Int
  /// The seconds of each forward pass (noise in memory to samples in memory), in order.
  public var batchSeconds: [Double]
  /// Σ `batchSeconds`.
  public var seconds: Double
  /// `seconds / count`.
  public var secondsPerSample: Double
  /// The process's peak resident memory (VmHWM) after generating, MiB (before the outputs are
  /// written).
  public var peakResidentMiB: Double
  /// The most tensor memory in use at once, MiB.
  public var peakTensorMiB: Double
}

/// Draws samples from a trained generator (the paper's "arbitrary size" use: any height and
/// width that are multiples of 2^(K−1), any count, in batches), timing each forward pass.
///
/// - Reference: Ulyanov et al., "Texture Networks", ICML 2016, §3 and §4 (generation cost).
public struct Sampler {
  /// The network, with the sampling statistics in force.
  public private(set) var generator: Generator
  /// The configuration with every optional field resolved (height, width, count, batch).
  public let configuration: SamplingConfiguration
  /// The model file's `provenance` attribute (JSON text).
  public let modelProvenanceJSON: String
  /// The noise from `configuration.noise`, all samples (nil: drawn from the seed).
  let fileNoise: [Tensor]?
  /// The content image at the output size, `[1, 3, H, W]` (style models).
  public let content: Tensor?

  /// Loads the model, the noise file and the content image, and resolves the size, count and
  /// batch. Every problem throws one clear error naming the file or the setting.
  public init(_ requested: SamplingConfiguration) throws {
    let model = try GeneratorModelFile.read(requested.model)
    var generator = model.generator
    if let statistics = requested.batchNorm { generator.samplingStatistics = statistics }
    let network = generator.configuration
    var resolved = requested
    var fileNoise: [Tensor]? = nil
    if let source = requested.noise {
      let noise = try Self.readNoise(source, levels: network.levels)
      let (n, _, h, w) = noise[network.levels - 1].shape.nchw
      if let height = requested.height, let width = requested.width, height != h || width != w {
        throw SamplingError.invalidSize(
          message: "\(source) holds \(h)x\(w) noise but \(height)x\(width) samples were asked for (give no size with a noise file)")
      }
      resolved.height = h
      resolved.width = w
      if let count = requested.count, count > n {
        throw SamplingError.invalidCount(
          message: "\(source) holds noise for \(n) samples, \(count) were asked for")
      }
      resolved.count = requested.count ?? n
      do {
        try generator.checkInputs(
          noiseShapes: noise.map(\.shape), contentShape: network.mode == .style ? [n, 3, h, w] : nil)
      } catch {
        throw SamplingError.badNoise(source: source, message: "\(error)")
      }
      fileNoise = noise
    }
    var content: Tensor? = nil
    switch (network.mode, requested.content) {
    case (.texture, .some(let image)):
      throw SamplingError.content(
        message: "\(image): this is a texture model (mode texture), it takes no content image")
    case (.style, nil):
      throw SamplingError.content(
        message: "\(requested.model) is a style model: give a content image (--content IMAGE)")
    case (.style, .some(let argument)):
      let stored = try ImageArgument(parsing: argument).load().image
      let (_, _, h, w) = stored.shape.nchw
      let multiple = network.sizeMultiple
      let height = resolved.height ?? max(multiple, h / multiple * multiple)
      let width = resolved.width ?? max(multiple, w / multiple * multiple)
      try network.validateSize(height: height, width: width)
      content = scaleToCoverAndCentreCrop(stored, height: height, width: width)
      resolved.height = height
      resolved.width = width
    case (.texture, nil):
      break
    }
    if resolved.height == nil && resolved.width == nil {
      resolved.height = SamplingConfiguration.Defaults.size
      resolved.width = SamplingConfiguration.Defaults.size
    }
    guard let height = resolved.height, let width = resolved.width else {
      throw SamplingError.invalidSize(message: "give both a height and a width (or one size)")
    }
    try network.validateSize(height: height, width: width)
    let count = resolved.count ?? SamplingConfiguration.Defaults.count
    guard count >= 1 else {
      throw SamplingError.invalidCount(message: "the count must be at least 1, got \(count)")
    }
    let batch = resolved.batch ?? min(count, SamplingConfiguration.Defaults.largestBatch)
    guard batch >= 1 else {
      throw SamplingError.invalidCount(message: "the batch must be at least 1, got \(batch)")
    }
    resolved.count = count
    resolved.batch = min(batch, count)
    self.generator = generator
    configuration = resolved
    modelProvenanceJSON = model.provenanceJSON
    self.fileNoise = fileNoise
    self.content = content
  }

  /// The K noise tensors `[1, c_k, h_k, w_k]` of sample `index` (coarsest first): from the noise
  /// file, or drawn from the sample's own stream of the seed.
  public func noise(forSample index: Int) -> [Tensor] {
    if let fileNoise { return fileNoise.map { $0.batchSlice(index..<(index + 1)) } }
    var random = RandomStream(seed: configuration.seed, name: "sample noise").derived("sample \(index)")
    do {
      return try generator.configuration.drawNoise(
        batch: 1, height: configuration.height ?? 0, width: configuration.width ?? 0,
        random: &random)
    } catch {
      preconditionFailure("Sampler: the size was validated in init: \(error)")
    }
  }

  /// Draws every sample: `samples` `[count, 3, H, W]` (unclamped), the noise used (K tensors
  /// `[count, c_k, h_k, w_k]`, coarsest first) and the measurement. `progress` is called after
  /// each batch with the samples done so far.
  public func draw(progress: (Int) -> Void = { _ in }) -> (
    samples: Tensor, noise: [Tensor], measurement: SamplingMeasurement
  ) {
    let count = configuration.count ?? 1
    let batch = configuration.batch ?? 1
    var outputs: [Tensor] = []
    var noiseParts: [[Tensor]] = []
    var batchSeconds: [Double] = []
    var start = 0
    while start < count {
      let end = min(start + batch, count)
      let perSample = (start..<end).map(noise(forSample:))
      let levels = (0..<generator.configuration.levels).map { k in concatenateBatch(perSample.map { $0[k] }) }
      let contentBatch = content?.repeatedAlongBatch(end - start)
      let clock = monotonicSeconds()
      let output: Tensor
      do {
        output = try generator.sample(noise: levels, content: contentBatch)
      } catch {
        preconditionFailure("Sampler: the inputs were validated in init: \(error)")
      }
      batchSeconds.append(monotonicSeconds() - clock)
      outputs.append(output)
      noiseParts.append(levels)
      start = end
      progress(end)
    }
    let seconds = batchSeconds.reduce(0, +)
    let measurement = SamplingMeasurement(
      count: count, batch: batch, batchSeconds: batchSeconds, seconds: seconds,
      secondsPerSample: seconds / Double(count), peakResidentMiB: ProcessMemory.peakResidentMiB,
      peakTensorMiB: Double(BufferPool.shared.peakLiveBytes) / 1_048_576)
    let noise = (0..<generator.configuration.levels).map { k in
      concatenateBatch(noiseParts.map { $0[k] })
    }
    return (concatenateBatch(outputs), noise, measurement)
  }

  /// The K tensors of the group `FILE.h5:/group` (datasets `0` … `K−1`, coarsest first).
  static func readNoise(_ source: String, levels: Int) throws -> [Tensor] {
    guard let colon = source.lastIndex(of: ":") else {
      throw SamplingError.badNoise(
        source: source, message: "name the group holding the noise: FILE.h5:/group (datasets 0 ... \(levels - 1), coarsest first)")
    }
    let path = String(source[..<colon])
    let group = String(source[source.index(after: colon)...])
    let file: HDF5File
    do {
      file = try HDF5File.open(path)
    } catch {
      throw SamplingError.badNoise(source: source, message: "\(error)")
    }
    defer { try? file.close() }
    let root = try file.root
    guard try root.kind(of: group) == .group else {
      throw SamplingError.badNoise(source: source, message: "no group \(group) in \(path)")
    }
    var noise: [Tensor] = []
    for k in 0..<levels {
      let name = group.hasSuffix("/") ? "\(group)\(k)" : "\(group)/\(k)"
      guard try root.kind(of: name) == .dataset else {
        throw SamplingError.badNoise(
          source: source, message: "no dataset \(name): a generator with \(levels) scales needs datasets 0 ... \(levels - 1) (coarsest first)")
      }
      noise.append(try root.readTensor(name))
    }
    let extra = "\(group.hasSuffix("/") ? group : group + "/")\(levels)"
    if try root.kind(of: extra) != nil {
      throw SamplingError.badNoise(
        source: source, message: "holds more than \(levels) noise tensors (\(extra) exists): it was made for another generator")
    }
    return noise
  }
}
