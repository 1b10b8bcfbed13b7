/// The description of the error `body` throws, or nil when it throws none: for asserting the
/// exact text of the real error rather than of one the test builds.
public func errorText(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch {
    return "\(error)"
  }
}
