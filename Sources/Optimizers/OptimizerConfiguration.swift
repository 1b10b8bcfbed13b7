import Suggestions

/// The settings of one optimiser, tagged by a flat `kind`: the one configuration type that
/// experiment files, the Gatys baseline and the trainer share.
///
/// JSON keeps the settings beside `kind` (the field names of `AdamConfiguration` or
/// `LBFGSConfiguration`, all required):
///
///     {"kind": "adam", "learningRate": 0.1, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
///     {"kind": "lbfgs", "learningRate": 1, "historySize": 100, "toleranceGrad": 0, ...}
///
/// An unknown `kind` is a decoding error with a did-you-mean. Validation is the configuration's
/// own (`problems()`), so a file, the command line and the optimiser reject the same values.
public enum OptimizerConfiguration: Codable, Equatable, Sendable {
  /// Adam (Kingma and Ba 2015); Texture Networks trains its generator with it.
  case adam(AdamConfiguration)
  /// L-BFGS (as torch.optim.LBFGS); the Gatys baseline's optimiser.
  case lbfgs(LBFGSConfiguration)

  /// The `kind` values of the JSON form.
  public enum Kind: String, Codable, CaseIterable, Sendable {
    /// `adam`.
    case adam
    /// `lbfgs`.
    case lbfgs
  }

  /// Which optimiser.
  public var kind: Kind {
    switch self {
    case .adam: return .adam
    case .lbfgs: return .lbfgs
    }
  }

  /// The optimiser's name in messages (`Adam`, `L-BFGS`).
  public var optimizerName: String {
    switch self {
    case .adam: return AdamConfiguration.optimizerName
    case .lbfgs: return LBFGSConfiguration.optimizerName
    }
  }

  /// The initial learning rate (Adam's α, L-BFGS's step length); setting it changes that
  /// optimiser's `learningRate`.
  public var learningRate: Double {
    get {
      switch self {
      case .adam(let settings): return settings.learningRate
      case .lbfgs(let settings): return settings.learningRate
      }
    }
    set {
      switch self {
      case .adam(var settings):
        settings.learningRate = newValue
        self = .adam(settings)
      case .lbfgs(var settings):
        settings.learningRate = newValue
        self = .lbfgs(settings)
      }
    }
  }

  /// Every setting out of range, as `setting: message` (the optimiser's own `problems()`).
  public func problems() -> [String] {
    switch self {
    case .adam(let settings): return settings.problems()
    case .lbfgs(let settings): return settings.problems()
    }
  }

  /// Throws `OptimizerError.invalidConfiguration` naming the optimiser and every bad setting.
  public func validate() throws(OptimizerError) {
    switch self {
    case .adam(let settings): try settings.validate()
    case .lbfgs(let settings): try settings.validate()
    }
  }

  private enum CodingKeys: String, CodingKey { case kind }

  /// Decodes `kind`, then that optimiser's settings from the same object.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try container.decodeName(
      forKey: .kind, isNot: "an optimizer", known: Kind.allCases.map(\.rawValue),
      lookup: Kind.init(rawValue:))
    switch kind {
    case .adam: self = .adam(try AdamConfiguration(from: decoder))
    case .lbfgs: self = .lbfgs(try LBFGSConfiguration(from: decoder))
    }
  }

  /// Encodes `kind` and the settings side by side in one object.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    switch self {
    case .adam(let settings): try settings.encode(to: encoder)
    case .lbfgs(let settings): try settings.encode(to: encoder)
    }
  }
}
