import Store
import TensorCore

/// A user or input error about a generator: a bad configuration, a sample size the network
/// cannot produce, inputs of the wrong shapes, weights that do not fit, or a bad model file.
/// Each message names what is wrong and, where it helps, what would work.
public enum GeneratorError: Error, Equatable, CustomStringConvertible {
  /// `field` of the configuration is out of range.
  case invalidConfiguration(field: String, message: String)
  /// A sample of `height` x `width` cannot be made by a generator with `levels` scales.
  case invalidSize(height: Int, width: Int, levels: Int)
  /// A batch size below 1 was asked for.
  case invalidBatch(Int)
  /// The noise or content given to the forward pass do not fit the configuration.
  case inputMismatch(message: String)
  /// Weights from `source` do not fit the configuration: every missing, unused and mis-shaped
  /// tensor, sorted by name.
  case weightsDoNotFit(source: String, problems: [WeightProblem])
  /// A model file (or weight source) that cannot be used: `file: message`.
  case badModelFile(file: String, message: String)

  /// The message, e.g. `a generator with 5 scales samples heights and widths that are
  /// multiples of 16; 100x64 is not (nearest valid height: 96 or 112)`.
  public var description: String {
    switch self {
    case .invalidConfiguration(let field, let message):
      return "generator configuration: \(field): \(message)"
    case .invalidSize(let height, let width, let levels):
      let multiple = 1 << (levels - 1)
      var nearest: [String] = []
      for (name, size) in [("height", height), ("width", width)] where size % multiple != 0 || size < 1 {
        nearest.append("\(name) \(Self.nearestSizes(size, multiple: multiple))")
      }
      return
        "a generator with \(levels) scale\(levels == 1 ? "" : "s") samples heights and widths that are positive multiples of \(multiple) (2^(K-1)); \(height)x\(width) is not (nearest valid \(nearest.joined(separator: ", ")))"
    case .invalidBatch(let batch):
      return "the batch size must be at least 1, got \(batch)"
    case .inputMismatch(let message):
      return "generator input: \(message)"
    case .weightsDoNotFit(let source, let problems):
      let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
      return "\(source): the weights do not fit the generator configuration (\(count)):\n"
        + problems.map { "  \($0)" }.joined(separator: "\n")
    case .badModelFile(let file, let message):
      return "\(file): \(message)"
    }
  }

  /// The valid sizes around `size`: `96 or 112`, or just `16` below the first multiple.
  static func nearestSizes(_ size: Int, multiple: Int) -> String {
    let below = (size / multiple) * multiple
    let above = below + multiple
    return below >= multiple ? "\(below) or \(above)" : "\(above)"
  }
}
