import TensorCore

extension GeneratorConfiguration {
  /// Throws `GeneratorError.invalidSize` unless `height` and `width` are positive multiples of
  /// 2^(K−1) (non-square sizes are fine); the message gives the nearest valid sizes.
  public func validateSize(height: Int, width: Int) throws(GeneratorError) {
    let multiple = sizeMultiple
    guard height >= multiple, width >= multiple, height % multiple == 0, width % multiple == 0
    else { throw .invalidSize(height: height, width: width, levels: levels) }
  }

  /// The shapes of the K noise tensors for a `batch` of `height` x `width` samples, coarsest
  /// first: `[N, noiseChannels, H / 2^(K−1−k), W / 2^(K−1−k)]`, k = 0 … K−1.
  public func noiseShapes(batch: Int, height: Int, width: Int) throws(GeneratorError) -> [Shape] {
    guard batch >= 1 else { throw .invalidBatch(batch) }
    try validateSize(height: height, width: width)
    return (0..<levels).map { k in
      let factor = 1 << (levels - 1 - k)
      return [batch, noiseChannels, height / factor, width / factor]
    }
  }

  /// K noise tensors (`noiseShapes`), coarsest first, drawn from `random` in that order with
  /// `noiseDistribution` (U[0, 1) or N(0, 1)), each tensor in row-major order. Give it its own
  /// named stream (`RandomStream(seed: s, name: "generator noise")`).
  public func drawNoise(
    batch: Int, height: Int, width: Int, random: inout RandomStream
  ) throws(GeneratorError) -> [Tensor] {
    try noiseShapes(batch: batch, height: height, width: width).map { shape in
      switch noiseDistribution {
      case .uniform: return random.uniformTensor(shape)
      case .normal: return random.normalTensor(shape)
      }
    }
  }
}

extension Generator {
  /// Throws `GeneratorError.inputMismatch` (or `invalidSize`) unless the noise shapes are the K
  /// shapes `noiseShapes` gives for the finest one's batch and size, and the content is
  /// `[N, 3, H, W]` in style mode (absent in texture mode).
  public func checkInputs(noiseShapes shapes: [Shape], contentShape: Shape?) throws(GeneratorError) {
    let k = configuration.levels
    guard shapes.count == k else {
      throw .inputMismatch(message: "\(shapes.count) noise tensors for a generator with \(k) scales (one per scale, coarsest first)")
    }
    let finest = shapes[k - 1]
    guard finest.rank == 4 else {
      throw .inputMismatch(message: "noise \(k - 1) has shape \(finest), expected [N, \(configuration.noiseChannels), H, W]")
    }
    let (n, _, h, w) = finest.nchw
    let expected = try configuration.noiseShapes(batch: n, height: h, width: w)
    for (index, (shape, wanted)) in zip(shapes, expected).enumerated() where shape != wanted {
      throw .inputMismatch(message: "noise \(index) has shape \(shape), expected \(wanted) for \(n) samples of \(h)x\(w)")
    }
    switch (configuration.mode, contentShape) {
    case (.texture, nil):
      break
    case (.texture, .some):
      throw .inputMismatch(message: "a texture generator takes no content image")
    case (.style, nil):
      throw .inputMismatch(message: "a style generator needs a content image [\(n), 3, \(h), \(w)]")
    case (.style, .some(let shape)):
      guard shape == [n, 3, h, w] else {
        throw .inputMismatch(message: "the content has shape \(shape), expected [\(n), 3, \(h), \(w)] (the batch and size of the noise)")
      }
    }
  }
}
