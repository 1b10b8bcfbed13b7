/// The names of the non-finite values among `terms` (`(name, value)` pairs, in order), else
/// `["total"]` when only `total` is not finite, else nil (everything finite): what a run reports
/// when its loss diverges, so that the message names the term that broke first.
public func nonFiniteNames(_ terms: [(name: String, value: Double)], total: Double) -> [String]? {
  let names = terms.filter { !$0.value.isFinite }.map(\.name)
  if !names.isEmpty { return names }
  return total.isFinite ? nil : ["total"]
}
