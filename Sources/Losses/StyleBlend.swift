/// The blend of several style exemplars (neural-style's `-style_blend_weights`): one weight per
/// style image, each finite and non-negative, with a positive sum; the targets blend with the
/// weights normalised to sum 1, w_i / Σ_j w_j. The one place these rules are checked: `Objective`,
/// the Gatys configuration and feature extraction all call it.
public enum StyleBlend {
  /// `weights` (nil: equal weights) normalised to sum 1 for `styleCount` style images; empty
  /// for no styles.
  ///
  /// - Throws: `ObjectiveError.badBlendWeights` when the count differs from `styleCount`, a weight
  ///   is negative or not finite, or (with styles) the sum is not positive.
  public static func normalized(_ weights: [Float]?, styleCount: Int) throws(ObjectiveError)
    -> [Float]
  {
    let weights = weights ?? (0..<styleCount).map { _ in 1 }
    let total = weights.reduce(0, +)
    guard weights.count == styleCount, weights.allSatisfy({ $0 >= 0 && $0.isFinite }),
      total > 0 || styleCount == 0
    else { throw .badBlendWeights(weights, styles: styleCount) }
    return styleCount == 0 ? [] : weights.map { $0 / total }
  }

  /// The problem with `weights` for `styleCount` style images as one sentence, nil when none.
  public static func problem(_ weights: [Float]?, styleCount: Int) -> String? {
    do {
      _ = try normalized(weights, styleCount: styleCount)
      return nil
    } catch {
      return error.description
    }
  }
}
