/// The candidate closest to `name` by edit distance (case-insensitive), or nil when none is within
/// a third of `name`'s length (at least 2 edits): what a "did you mean" hint suggests.
///
/// Ties in edit distance go to the candidate whose characters are nearest position by position
/// (the sum of |code point difference| over the common prefix length), so `relu6_1` suggests
/// `relu5_1` rather than `relu1_1`; remaining ties go to the earlier candidate.
/// - Reference: swift-argument-parser's "did you mean" for unknown options (the idea, not the code).
public func closestName(to name: String, among candidates: [String]) -> String? {
  let limit = max(2, name.count / 3)
  let lowered = name.lowercased()
  func nearness(_ candidate: String) -> Int {
    zip(lowered.unicodeScalars, candidate.lowercased().unicodeScalars).reduce(0) {
      $0 + abs(Int($1.0.value) - Int($1.1.value))
    }
  }
  let scored = candidates.map { ($0, editDistance(lowered, $0.lowercased()), nearness($0)) }
  guard let best = scored.min(by: { ($0.1, $0.2) < ($1.1, $1.2) }), best.1 <= limit else {
    return nil
  }
  return best.0
}

/// `; did you mean "SUGGESTION"?` for an error message, or the empty string when there is none.
///
/// Every "is not a ..." message of the harness ends its first clause with this, so the hints read
/// the same everywhere: `"relu6_1" is not a VGG-19 layer; did you mean "relu5_1"?`.
public func didYouMean(_ suggestion: String?) -> String {
  suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
}

/// The message for a name that is not one of `known`, with the closest one suggested:
/// `"lbgfs" is not an optimizer; did you mean "lbfgs"? (known: adam, lbfgs)`.
/// `what` completes "is not ...": `a feature loss`, `an optimizer`.
public func unknownNameMessage(_ name: String, isNot what: String, known: [String]) -> String {
  "\"\(name)\" is not \(what)\(didYouMean(closestName(to: name, among: known))) (known: "
    + known.joined(separator: ", ") + ")"
}

extension KeyedDecodingContainer {
  /// What `lookup` finds for the name stored at `key` (a registered loss type, an optimiser
  /// kind); an unknown name is a `DecodingError.dataCorrupted` at that key whose description is
  /// `unknownNameMessage(name, isNot: what, known: known)`.
  public func decodeName<Value>(
    forKey key: Key, isNot what: String, known: [String], lookup: (String) -> Value?
  ) throws -> Value {
    let name = try decode(String.self, forKey: key)
    guard let value = lookup(name) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self,
        debugDescription: unknownNameMessage(name, isNot: what, known: known))
    }
    return value
  }
}

/// The Levenshtein distance between `a` and `b`: the fewest single-character insertions,
/// deletions and substitutions that turn one into the other (Characters compared exactly).
///
/// Dynamic programming over two rows: D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1,
/// D[i−1][j−1] + [aᵢ ≠ bⱼ]). O(|a|·|b|) time, O(|b|) memory.
/// - Reference: V. I. Levenshtein, "Binary codes capable of correcting deletions, insertions, and
///   reversals", Soviet Physics Doklady 10(8), 1966.
public func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a)
  let y = Array(b)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
      current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}
