import Autodiff
import TensorCore

/// Content loss: the mean squared error between the features and the content image's features,
/// `L = mean((F − F_c)²)` over every element (Gatys, Ecker and Bethge 2016, eq. 1, with a mean
/// instead of ½ Σ, as texture_nets, neural-style and the PyTorch reference). Default layer relu4_2.
///
/// - Note: Deviation: the mean (not ½ Σ) makes the weight independent of the layer's size.
public struct ContentLoss: FeatureLoss {
  /// `content`.
  public static let kind = "content"
  /// No options.
  public let options: NoOptions

  /// A content loss.
  public init(options: NoOptions = NoOptions()) { self.options = options }

  /// The content image's features themselves, `[1, C, H, W]`.
  public func target(from features: Tensor) -> Tensor { features }

  /// `mean((F − F_c)²)`; the target must have the features' shape (or batch 1).
  public func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext)
    -> Variable
  {
    let n = features.shape[0]
    precondition(
      Array(target.shape.dimensions.dropFirst()) == Array(features.shape.dimensions.dropFirst()),
      "content loss: target \(target.shape) does not fit features \(features.shape)")
    let expanded = target.shape[0] == n ? target : repeatBatch(target, n)
    return meanSquaredError(features, target: expanded)
  }
}
