import TensorCore

/// Reverse-mode differentiation: the gradients of the scalar `root` with respect to `variables`.
///
/// Walks the tape from `root` in reverse creation order (a topological order), calling each
/// node's pullback once with the sum of the gradients that reached it. Each pullback and each
/// intermediate gradient is released as soon as it has been used, so saved activations are freed
/// during the backward pass; consequently a graph can be differentiated once (PyTorch's default,
/// `retain_graph=False`). A variable `root` does not depend on gets a zero gradient; a constant
/// among `variables` too.
public func gradients(of root: Variable, with variables: [Variable]) -> [Tensor] {
  precondition(root.value.count == 1, "gradients(of:): the root must be a scalar, got \(root.shape)")
  return gradients(of: root, seed: Tensor(shape: root.shape, repeating: 1), with: variables)
}

/// The vector-Jacobian product `seedᵀ · ∂root/∂v` for each of `variables`: `gradients(of:with:)`
/// for a non-scalar `root` whose gradient is `seed` (same shape as `root`).
public func gradients(of root: Variable, seed: Tensor, with variables: [Variable]) -> [Tensor] {
  precondition(
    seed.shape == root.shape, "gradients(of:seed:): seed \(seed.shape) for a root of \(root.shape)")
  guard let rootNode = root.node else {
    return variables.map { Tensor(zeros: $0.shape) }
  }
  // Every node reachable from the root, then sorted from the newest to the oldest.
  var reachable: [TapeNode] = []
  var seen: Set<ObjectIdentifier> = []
  var stack = [rootNode]
  while let node = stack.popLast() {
    guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
    reachable.append(node)
    for case let parent? in node.parents { stack.append(parent) }
  }
  reachable.sort { $0.order > $1.order }
  let wanted = Set(variables.compactMap { $0.node.map(ObjectIdentifier.init) })

  rootNode.gradient = seed
  for node in reachable {
    guard let pullback = node.pullback else { continue }
    let parents = node.parents
    node.pullback = nil
    node.parents = []
    guard var gradient = node.gradient else { continue }
    if !wanted.contains(ObjectIdentifier(node)) { node.gradient = nil }
    let inputGradients = pullback(&gradient)
    precondition(
      inputGradients.count == parents.count,
      "pullback returned \(inputGradients.count) gradients for \(parents.count) inputs")
    for (parent, inputGradient) in zip(parents, inputGradients) {
      guard let parent, let inputGradient else { continue }
      if var accumulated = parent.gradient {
        parent.gradient = nil  // keep `accumulated` uniquely referenced: add in place
        accumulated.add(inputGradient)
        parent.gradient = accumulated
      } else {
        parent.gradient = inputGradient
      }
    }
  }
  let result = variables.map { variable -> Tensor in
    guard let node = variable.node, let gradient = node.gradient else {
      return Tensor(zeros: variable.shape)
    }
    return gradient
  }
  for node in reachable { node.gradient = nil }
  return result
}

/// The value and gradient of a scalar function at `point`: `(f(x), ∇f(x))`.
public func valueWithGradient(
  at point: Tensor, of function: (Variable) throws -> Variable
) rethrows -> (value: Float, gradient: Tensor) {
  let x = Variable(point, requiresGradient: true)
  let y = try function(x)
  let value = y.value.scalar
  return (value, gradients(of: y, with: [x])[0])
}
