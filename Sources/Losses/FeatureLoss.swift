import Autodiff
import TensorCore

/// A loss between the descriptor's features of the image being made and an exemplar statistic,
/// at one layer. One file per formulation (`GramLoss.swift`, ...); registered in `Registry.swift`.
///
/// A loss returns its *unweighted* value: only `Objective` multiplies by weights, and it logs every
/// term for every layer. Features are `[N, C, H, W]`; with N > 1 (a generator's batch) each image
/// is compared with the same target and the values are averaged over the batch.
public protocol FeatureLoss: Sendable {
  /// The loss's options; decoded from the same JSON object as the term (`{"kind": ..., ...}`).
  associatedtype Options: Codable, Equatable, Sendable
  /// The name used in experiment files, metric names and reports, e.g. `gram`.
  static var kind: String { get }
  /// The options this instance was made with.
  var options: Options { get }
  /// A loss with `options`.
  init(options: Options)
  /// The exemplar statistic, computed once per run from the exemplar's features `[1, C, H, W]`.
  func target(from features: Tensor) -> Tensor
  /// Several exemplars' statistics combined with weights that sum to 1 (neural-style's
  /// `-style_blend_weights`). The default is the weighted sum, right for statistics such as
  /// Gram matrices and moments; sample-based losses override it.
  func blend(_ targets: [Tensor], weights: [Float]) -> Tensor
  /// The unweighted loss of `features` against `target`: a scalar.
  func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext) -> Variable
}

extension FeatureLoss {
  /// The weighted sum `Σ wᵢ · targetᵢ`.
  public func blend(_ targets: [Tensor], weights: [Float]) -> Tensor {
    precondition(targets.count == weights.count && !targets.isEmpty, "blend: one weight per target")
    var total = Tensor(zeros: targets[0].shape)
    for (target, weight) in zip(targets, weights) { total.add(target, scaledBy: weight) }
    return total
  }
}

/// What a loss evaluation may draw on: the run's own random stream for losses that sample
/// (random projections, position subsamples). Fresh draws every evaluation, reproducible per seed.
public struct LossContext: Sendable {
  /// The stream random losses draw from (the experiment's `losses` stream).
  public var random: RandomStream

  /// A context drawing from `random`.
  public init(random: RandomStream) { self.random = random }
}

/// A loss on the image itself (a regulariser), not on its features.
public protocol ImageLoss: Sendable {
  /// The loss's options, decoded from the term's JSON object.
  associatedtype Options: Codable, Equatable, Sendable
  /// The name used in experiment files, metric names and reports, e.g. `totalVariation`.
  static var kind: String { get }
  /// The options this instance was made with.
  var options: Options { get }
  /// A loss with `options`.
  init(options: Options)
  /// The unweighted loss of `image` `[N, 3, H, W]`: a scalar.
  func callAsFunction(_ image: Variable) -> Variable
}

/// The options of a loss that has none: `{}`.
public struct NoOptions: Codable, Equatable, Sendable {
  /// No options.
  public init() {}
}
