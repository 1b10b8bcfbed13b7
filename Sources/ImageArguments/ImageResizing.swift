import Store
import TensorCore

/// How an input image is brought to a working size (`--size N`), for images `[N, C, H, W]`.
///
/// Defaults (documented with each command): `harness features` and Gatys-style optimisation use
/// `longestSide`, as neural-style's `-image_size` (the whole image is seen, its aspect kept);
/// feed-forward training on exemplars uses `centreCrop`, as the PyTorch reference
/// (`Store.scaleShorterSideAndCentreCrop`), because the generator makes square samples.
///
/// Both resample with `Store.resizeImage`: exact area averaging when shrinking, bilinear
/// (half-pixel centres, as PyTorch's `align_corners=False`) when growing.
///
/// - Note: Deviation: neural-style scales with torch's `image.scale(..., 'bilinear')` in both
///   directions; here shrinking averages areas (no aliasing), growing is bilinear as there.
public struct ImageResizing: Equatable, Sendable, Codable {
  /// The rule for the output size.
  public enum Mode: String, Codable, CaseIterable, Sendable {
    /// Scale so that the longer side is `size`, keeping the aspect ratio: a `H × W` image with
    /// H ≥ W becomes `size × max(1, round(size · W / H))` (and symmetrically; halves round up).
    /// neural-style's `-image_size`.
    ///
    /// Rounding, not truncation: the shorter side is the nearest whole number to the exact
    /// scaled length, so the aspect ratio is kept as closely as a whole pixel count can, and the
    /// result is what neural-style (torch `image.scale` with a `max` size, which rounds) and PIL's
    /// `thumbnail`-style resizing give; truncation would shrink it by up to one pixel for no
    /// reason (500 × 333 to 512 becomes 512 × 341 by rounding, 512 × 340 by truncation).
    case longestSide
    /// Scale so that the shorter side is `size` (the longer becomes `⌊size · long / short⌋`),
    /// then take the centred `size × size` window: the PyTorch reference's preprocessing.
    case centreCrop
  }

  /// The target size in pixels (≥ 1).
  public var size: Int
  /// The rule.
  public var mode: Mode

  /// Resizing to `size` by `mode`.
  public init(size: Int, mode: Mode) {
    precondition(size >= 1, "ImageResizing: size must be at least 1, got \(size)")
    self.size = size
    self.mode = mode
  }

  /// The `(height, width)` an `height × width` image is brought to.
  public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
    switch mode {
    case .centreCrop:
      return (size, size)
    case .longestSide:
      if height >= width { return (size, Self.scaled(width, by: size, over: height)) }
      return (Self.scaled(height, by: size, over: width), size)
    }
  }

  /// max(1, round(length · numerator / denominator)) in exact integer arithmetic, halves up.
  static func scaled(_ length: Int, by numerator: Int, over denominator: Int) -> Int {
    max(1, (2 * length * numerator + denominator) / (2 * denominator))
  }

  /// `image` `[N, C, H, W]` resized by this rule (unchanged when it already has the size).
  public func apply(_ image: Tensor) -> Tensor {
    switch mode {
    case .centreCrop:
      return scaleShorterSideAndCentreCrop(image, side: size)
    case .longestSide:
      let (_, _, h, w) = image.shape.nchw
      let (height, width) = outputSize(height: h, width: w)
      if height == h && width == w { return image }
      return resizeImage(image, height: height, width: width)
    }
  }
}
