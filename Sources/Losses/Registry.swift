/// Every feature-loss formulation, by `kind`. Adding a formulation: one file, one line here, one
/// test file.
public let featureLossTypes: [any FeatureLoss.Type] = [
  GramLoss.self,
  ContentLoss.self,
  MeanStdLoss.self,
  SlicedWassersteinLoss.self,
  MMDLoss.self,
]

/// Every image-loss formulation, by `kind`.
public let imageLossTypes: [any ImageLoss.Type] = [
  TotalVariationLoss.self
]

/// The feature-loss type registered under `kind`, if any.
public func featureLossType(kind: String) -> (any FeatureLoss.Type)? {
  featureLossTypes.first { $0.kind == kind }
}

/// The image-loss type registered under `kind`, if any.
public func imageLossType(kind: String) -> (any ImageLoss.Type)? {
  imageLossTypes.first { $0.kind == kind }
}
