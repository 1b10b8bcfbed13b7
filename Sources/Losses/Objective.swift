import Foundation
import Autodiff
import NN
import TensorCore

/// The weighted sum of an experiment's loss terms, evaluated layer by layer:
///
///   L = Σ_terms w_t · Σ_{layers l} λ_{t,l} · loss_t(F_l, target_{t,l}) + Σ_image-terms w_i · loss_i(x)
///
/// the only place where weights are applied. Every term of every layer is reported unweighted
/// (with its weight beside it), so logs and metrics show what each layer contributes.
public struct Objective: Sendable {
  /// The feature-loss terms.
  public var featureTerms: [FeatureLossTerm]
  /// The image-loss terms.
  public var imageTerms: [ImageLossTerm]

  /// An objective of `featureTerms` and `imageTerms`.
  public init(featureTerms: [FeatureLossTerm], imageTerms: [ImageLossTerm] = []) {
    self.featureTerms = featureTerms
    self.imageTerms = imageTerms
  }

  /// Every descriptor layer the terms read.
  public var taps: Set<VGGLayer> { Set(featureTerms.flatMap(\.layers)) }

  /// The layers whose targets come from `image`.
  public func layers(targeting image: TargetImage) -> Set<VGGLayer> {
    Set(featureTerms.filter { $0.target == image }.flatMap(\.layers))
  }

  /// The name of every reported value, in report order: `<target>/<kind>/<layer>` for feature
  /// terms (`style/gram/relu1_1`, `content/content/relu4_2`), `image/<kind>` for image terms.
  /// A kind repeated for the same target gets `#2`, `#3`, ... after it.
  public var termNames: [String] {
    var names: [String] = []
    var seen: [String: Int] = [:]
    for term in featureTerms {
      let base = "\(term.target.rawValue)/\(term.kind)"
      seen[base, default: 0] += 1
      let prefix = seen[base, default: 1] > 1 ? "\(base)#\(seen[base, default: 1])" : base
      names += term.layers.map { "\(prefix)/\($0.rawValue)" }
    }
    for term in imageTerms {
      let base = "image/\(term.kind)"
      seen[base, default: 0] += 1
      names.append(seen[base, default: 1] > 1 ? "\(base)#\(seen[base, default: 1])" : base)
    }
    return names
  }

  /// The weight each reported value enters the total with, in `termNames` order: the term's
  /// weight times the layer's for feature terms, the term's weight for image terms.
  public var termWeights: [Float] {
    featureTerms.flatMap { term in term.layerWeights.map { term.weight * $0 } } + imageTerms.map(\.weight)
  }

  /// Exemplar statistics: for each feature term, one target per layer.
  public struct Targets: Sendable {
    /// `values[term][layer]`.
    public var values: [[Tensor]]

    /// Targets given directly, `values[term][layer]`.
    public init(values: [[Tensor]]) { self.values = values }
  }

  /// The targets of every term from the exemplars' features: style terms blend the styles'
  /// statistics with `styleWeights` (normalised to sum 1), content terms read `content`.
  /// Every feature map must hold the term's layers.
  public func targets(
    styles: [[VGGLayer: Tensor]], styleWeights: [Float]? = nil, content: [VGGLayer: Tensor]?
  ) throws(ObjectiveError) -> Targets {
    try targets(
      styleCount: styles.count, styleFeatures: { styles[$0] }, styleWeights: styleWeights,
      contentFeatures: content.map { features in { features } })
  }

  /// The targets, asking for each exemplar's features in turn (`styleFeatures(i)`, then
  /// `contentFeatures()`) and keeping only their statistics: one exemplar's feature maps are
  /// alive at a time.
  public func targets(
    styleCount: Int, styleFeatures: (Int) throws -> [VGGLayer: Tensor], styleWeights: [Float]?,
    contentFeatures: (() throws -> [VGGLayer: Tensor])?
  ) throws(ObjectiveError) -> Targets {
    let normalized = try StyleBlend.normalized(styleWeights, styleCount: styleCount)
    // statistics[term][layer]: one statistic per style (or the content's one).
    var statistics = featureTerms.map { term in term.layers.map { _ in [Tensor]() } }
    func collect(_ features: [VGGLayer: Tensor], for image: TargetImage) throws(ObjectiveError) {
      for (t, term) in featureTerms.enumerated() where term.target == image {
        for (l, layer) in term.layers.enumerated() {
          guard let map = features[layer] else { throw ObjectiveError.missingLayer(layer, image: image) }
          statistics[t][l].append(term.loss.target(from: map))
        }
      }
    }
    if featureTerms.contains(where: { $0.target == .style }) {
      guard styleCount > 0 else { throw ObjectiveError.missingTarget(term: firstKind(.style), image: .style) }
      for index in 0..<styleCount {
        do { try collect(try styleFeatures(index), for: .style) } catch let error as ObjectiveError {
          throw error
        } catch {
          throw ObjectiveError.featuresFailed("\(error)")
        }
      }
    }
    if featureTerms.contains(where: { $0.target == .content }) {
      guard let contentFeatures else {
        throw ObjectiveError.missingTarget(term: firstKind(.content), image: .content)
      }
      do { try collect(try contentFeatures(), for: .content) } catch let error as ObjectiveError {
        throw error
      } catch {
        throw ObjectiveError.featuresFailed("\(error)")
      }
    }
    let values = zip(featureTerms, statistics).map { term, perLayer in
      perLayer.map { perImage in
        perImage.count == 1 ? perImage[0] : term.loss.blend(perImage, weights: normalized)
      }
    }
    return Targets(values: values)
  }

  private func firstKind(_ image: TargetImage) -> String {
    featureTerms.first { $0.target == image }?.kind ?? "?"
  }

  /// One reported value: a term at a layer, unweighted, with the weight it enters the total with.
  public struct TermValue: Sendable, Equatable {
    /// `style/gram/relu1_1`, ... (see `termNames`).
    public var name: String
    /// The term's weight times the layer's weight.
    public var weight: Float
    /// The unweighted loss.
    public var value: Double
    /// `weight · value`.
    public var weighted: Double { Double(weight) * value }
  }

  /// The total loss (differentiable) and every term's value.
  public struct Evaluation {
    /// `L`, a scalar.
    public var total: Variable
    /// Every term of every layer, in `termNames` order.
    public var terms: [TermValue]
  }

  /// Evaluates the objective on `image` whose descriptor features are `features` (which must hold
  /// every tap).
  public func evaluate(
    image: Variable, features: [VGGLayer: Variable], targets: Targets, context: inout LossContext
  ) -> Evaluation {
    let names = termNames
    var weighted: [(weight: Float, value: Variable)] = []
    var reports: [TermValue] = []
    var index = 0
    for (term, termTargets) in zip(featureTerms, targets.values) {
      for (layer, (layerWeight, target)) in zip(term.layers, zip(term.layerWeights, termTargets)) {
        guard let f = features[layer] else {
          preconditionFailure("Objective.evaluate: no features for \(layer.rawValue)")
        }
        let weight = term.weight * layerWeight
        let input = term.normalizeGradients ? normalizingGradientL1(f, scale: abs(weight)) : f
        let value = term.loss(input, target: target, context: &context)
        // A normalised term's weight is applied inside its pullback (after the normalisation);
        // its value still reports weight · loss.
        weighted.append((term.normalizeGradients ? (weight < 0 ? -1 : 1) : weight, value))
        reports.append(TermValue(name: names[index], weight: weight, value: Double(value.value.scalar)))
        index += 1
      }
    }
    for term in imageTerms {
      let value = term.loss(image)
      weighted.append((term.weight, value))
      reports.append(TermValue(name: names[index], weight: term.weight, value: Double(value.value.scalar)))
      index += 1
    }
    var total = weightedSum(weighted)
    // The reported total is Σ weight · value even where a normalised term enters with ±1.
    let reportedTotal = reports.reduce(0.0) { $0 + $1.weighted }
    if featureTerms.contains(where: \.normalizeGradients) {
      total = Variable(Tensor(scalar: Float(reportedTotal)), inputs: [total]) { dy in [dy] }
    }
    return Evaluation(total: total, terms: reports)
  }
}

/// An objective that cannot be evaluated with what it was given.
public enum ObjectiveError: Error, CustomStringConvertible, Equatable {
  /// A term needs a target image that was not given.
  case missingTarget(term: String, image: TargetImage)
  /// An exemplar's features lack a layer a term reads.
  case missingLayer(VGGLayer, image: TargetImage)
  /// Blend weights that do not match the styles or do not sum to a positive number.
  case badBlendWeights([Float], styles: Int)
  /// Computing an exemplar's features failed.
  case featuresFailed(String)

  /// What went wrong, in one line.
  public var description: String {
    switch self {
    case .missingTarget(let term, let image):
      return "the \(term) loss needs a \(image.rawValue) image, and none was given"
    case .missingLayer(let layer, let image):
      return "the \(image.rawValue) image's features have no \(layer.rawValue)"
    case .badBlendWeights(let weights, let styles):
      return "style blend weights \(weights) do not fit \(styles) style image(s) (one non-negative weight each, positive sum)"
    case .featuresFailed(let reason):
      return "computing an exemplar's features failed: \(reason)"
    }
  }
}

extension Objective {
  /// `targets` with every content term's targets taken from `content`, the features of a
  /// content batch `[B, C, H, W]` (the trainer's style mode: the content target relu4_2 of each
  /// batch is computed on the fly; style targets stay). `content` must hold the content layers.
  public func replacingContentTargets(
    _ targets: Targets, content: [VGGLayer: Tensor]
  ) throws(ObjectiveError) -> Targets {
    var values = targets.values
    for (t, term) in featureTerms.enumerated() where term.target == .content {
      for (l, layer) in term.layers.enumerated() {
        guard let map = content[layer] else { throw ObjectiveError.missingLayer(layer, image: .content) }
        values[t][l] = term.loss.target(from: map)
      }
    }
    return Targets(values: values)
  }
}

extension Objective {
  /// `loss 1.2340e+00 (style 1.100e+00, content 1.300e-01)`: the total and the weighted sum of
  /// the terms per target (the first component of each name), for progress lines.
  public static func statusLine(total: Double, terms: [TermValue]) -> String {
    var groups: [(String, Double)] = []
    for term in terms {
      let group = String(term.name.split(separator: "/").first ?? "")
      if let index = groups.firstIndex(where: { $0.0 == group }) {
        groups[index].1 += term.weighted
      } else {
        groups.append((group, term.weighted))
      }
    }
    let parts = groups.map { "\($0.0) \(String(format: "%.3e", $0.1))" }.joined(separator: ", ")
    return "loss \(String(format: "%.4e", total)) (\(parts))"
  }
}
