/// What Texture Networks reports about speed, memory, size and training time (Ulyanov, Lebedev,
/// Vedaldi and Lempitsky, ICML 2016, §4 "Speed and memory", on an NVIDIA Tesla K40 GPU), as
/// the reproduction notebook quotes it. These are the paper's numbers, never the harness's.
enum PaperClaims {
  /// The hardware of every figure below.
  static let hardware = "NVIDIA Tesla K40 GPU"
  /// The generator's time per 256 × 256 sample: about 20 ms.
  static let generatorSeconds = 0.020
  /// The generator's memory per 256 × 256 sample: about 170 MB.
  static let generatorMegabytes = 170.0
  /// Gatys et al.'s time to the generator's loss at 256 × 256: about 10 s.
  static let gatysSeconds = 10.0
  /// Gatys et al.'s memory at 256 × 256: about 1.1 GB.
  static let gatysMegabytes = 1100.0
  /// The speed ratio the paper states: about 500 times.
  static let speedRatio = 500.0
  /// The memory ratio the paper states: about 6.5 times.
  static let memoryRatio = 6.5
  /// The texture generator's parameters: about 65K.
  static let parameters = 65_000
  /// The training time: about 2 hours (2000 iterations at batch 16, 256 × 256).
  static let trainingHours = 2.0
}
