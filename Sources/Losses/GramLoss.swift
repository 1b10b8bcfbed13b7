import Autodiff
import TensorCore

/// Gram-matrix loss (Gatys, Ecker and Bethge 2015, eq. 3–5), with the normalisation explicit.
///
/// With F the layer's features as `C × M` (M = H·W positions) and G = F Fᵀ:
/// - `chw` (default): Ĝ = G / (C·M), L = mean over (N, C, C) of (Ĝ − Â)². texture_nets,
///   neural-style and the PyTorch reference.
/// - `hw`: Ĝ = G / M, L = mean over (N, C, C) of (Ĝ − Â)². pystiche.
/// - `gatys`: L = 1 / (4 C² M²) · Σ (G − A)², averaged over N. Gatys et al. 2015, eq. 4.
///
/// - Note: Deviation: `chw` (the default, as every reference codebase) normalises by C·H·W and
///   takes a mean, so layer weights do not depend on image size; `gatys` is the paper's.
public struct GramLoss: FeatureLoss {
  /// How the Gram matrix and the loss are normalised.
  public enum Normalization: String, Codable, CaseIterable, Sendable {
    case chw, hw, gatys
  }

  /// The options: the normalisation (stored with every result).
  public struct Options: Codable, Equatable, Sendable {
    /// The normalisation; see the type's documentation.
    public var normalization: Normalization
    /// Options with `normalization` (default `chw`).
    public init(normalization: Normalization = .chw) { self.normalization = normalization }
  }

  /// `gram`.
  public static let kind = "gram"
  /// This instance's options.
  public let options: Options

  /// A Gram loss with `options`.
  public init(options: Options = Options()) { self.options = options }

  /// The divisor of F Fᵀ for features `[N, C, H, W]`.
  func normalizer(_ shape: Shape) -> Float {
    let (_, c, h, w) = shape.nchw
    switch options.normalization {
    case .chw: return Float(c * h * w)
    case .hw: return Float(h * w)
    case .gatys: return 1
    }
  }

  /// The exemplar's normalised Gram matrix, `[1, C, C]`.
  public func target(from features: Tensor) -> Tensor {
    gramForward(features, normalizer: normalizer(features.shape))
  }

  /// The loss; with `gatys` the exemplar's M is assumed equal to the image's (same size).
  public func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext)
    -> Variable
  {
    let (n, c, h, w) = features.shape.nchw
    precondition(
      target.shape == [1, c, c] || target.shape == [n, c, c],
      "gram loss: target \(target.shape) does not fit features \(features.shape)")
    let g = gram(features, normalizer: normalizer(features.shape))
    let expanded = target.shape[0] == n ? target : repeatBatch(target, n)
    let mse = meanSquaredError(g, target: expanded)
    switch options.normalization {
    case .chw, .hw:
      return mse
    case .gatys:
      // mean over (C, C) → sum over (C, C) / (4 C² M²), per image.
      let m = Float(h * w)
      return (Float(c * c) / (4 * Float(c * c) * m * m)) * mse
    }
  }
}

/// `[1, ...]` repeated n times along the batch dimension.
func repeatBatch(_ x: Tensor, _ n: Int) -> Tensor {
  var dims = x.shape.dimensions
  dims[0] = n
  var result = Tensor(uninitialized: Shape(dims))
  x.withUnsafeBufferPointer { one in
    result.withUnsafeMutableBufferPointer { copies in
      for copy in 0..<n {
        (copies.baseAddress! + copy * one.count).update(from: one.baseAddress!, count: one.count)
      }
    }
  }
  return result
}
