import Foundation

/// A seeded, named random stream: xoshiro256** seeded through SplitMix64 from `(seed, name)`.
///
/// One experiment has one seed; each use of randomness (weight initialisation, noise inputs, data
/// order, random projections) draws from its own stream, named after the use. Streams never share
/// state, so adding a draw to one never changes the numbers of another, and the same
/// `(seed, name)` gives the same numbers on every run and machine. There is no global generator.
///
/// - Reference: Blackman and Vigna, "Scrambled linear pseudorandom number generators" (2021);
///   Steele, Lea and Flood, "Fast splittable pseudorandom number generators" (SplitMix64, 2014).
public struct RandomStream: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// The stream `name` of the experiment seed `seed`.
  public init(seed: UInt64, name: String) {
    var mix = SplitMix64(state: seed ^ Self.fnv1a(name))
    state = (mix.next(), mix.next(), mix.next(), mix.next())
  }

  /// The generator's state, for checkpoints: four words.
  public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

  /// A stream continuing from `stateWords` (from a checkpoint); nil unless four words.
  public init?(stateWords words: [UInt64]) {
    guard words.count == 4 else { return nil }
    state = (words[0], words[1], words[2], words[3])
  }

  /// A sub-stream derived from this stream's current state and `name`, without advancing this one.
  public func derived(_ name: String) -> RandomStream {
    var copy = self
    return RandomStream(seed: copy.next(), name: name)
  }

  /// The next 64 random bits (xoshiro256**).
  public mutating func next() -> UInt64 {
    let result = rotate(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotate(state.3, 45)
    return result
  }

  /// A float uniform on [0, 1): the top 24 bits of `next()` times 2⁻²⁴.
  public mutating func uniform() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A standard normal float (Box–Muller on two uniforms; one value per call).
  public mutating func normal() -> Float {
    let u1 = Double((next() >> 11) + 1) * 0x1p-53  // (0, 1]: log is finite
    let u2 = Double(next() >> 11) * 0x1p-53
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }

  /// A tensor of `shape` with values uniform on [low, high).
  public mutating func uniformTensor(_ shape: Shape, low: Float = 0, high: Float = 1) -> Tensor {
    var tensor = Tensor(uninitialized: shape)
    tensor.withUnsafeMutableBufferPointer { values in
      for i in values.indices { values[i] = low + (high - low) * uniform() }
    }
    return tensor
  }

  /// A tensor of `shape` with normal values of the given mean and standard deviation.
  public mutating func normalTensor(_ shape: Shape, mean: Float = 0, standardDeviation: Float = 1)
    -> Tensor
  {
    var tensor = Tensor(uninitialized: shape)
    tensor.withUnsafeMutableBufferPointer { values in
      for i in values.indices { values[i] = mean + standardDeviation * normal() }
    }
    return tensor
  }

  /// A uniformly random integer in `0..<bound` (Lemire's multiply-shift; bound > 0).
  public mutating func integer(below bound: Int) -> Int {
    precondition(bound > 0, "RandomStream.integer(below:): bound must be positive, got \(bound)")
    return Int(next(upperBound: UInt64(bound)))
  }

  private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// FNV-1a hash of the UTF-8 bytes of `name`: stable across runs, unlike `Hasher`.
  static func fnv1a(_ name: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}

/// SplitMix64: expands one 64-bit seed into well-mixed state words.
struct SplitMix64 {
  var state: UInt64

  mutating func next() -> UInt64 {
    state = state &+ 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
