@preconcurrency import CHDF5

/// A group of an open `HDF5File`: named children (groups and datasets) and attributes.
///
/// Every `path` argument is relative to this group (`conv1_1/weight`) or absolute (`/weights`);
/// groups on the way are created as needed when writing.
public final class HDF5Group: HDF5Object {
  /// Opens the group at absolute `path`.
  init(openingAbsolute path: String, in file: HDF5File) throws {
    try file.requireOpen()
    let where_ = HDF5Location(file: file.path, path: path)
    let id = try hdf5Check("opening the group", at: where_) {
      H5Gopen2(file.id, path, HDF5Library.defaultList)
    }
    super.init(id: id, path: path, file: file)
  }

  /// The existing group at `path`; throws `notFound`, or `wrongKind` if it is a dataset.
  public func group(_ path: String) throws -> HDF5Group {
    let absolute = joinPath(self.path, path)
    try requireKind(.group, at: absolute)
    return try HDF5Group(openingAbsolute: absolute, in: file)
  }

  /// Creates the group at `path` with any missing groups on the way; throws `alreadyExists` if
  /// something is there already.
  ///
  /// The group's header holds `expectedChildren` links in place (see `HDF5Layout`): adding
  /// children to a group already on disk is crash-safe up to that many; beyond it, HDF5 moves
  /// links to new storage, and a kill inside that one flush can leave the group unreadable.
  /// Every addition rewrites the whole header, so size it for what a run really adds; a run
  /// that produces many objects (samples) is better off writing them as separate files.
  @discardableResult
  public func createGroup(_ path: String, expectedChildren: Int = 16) throws -> HDF5Group {
    let absolute = joinPath(self.path, path)
    try file.requireWritable(absolute)
    if try kind(of: absolute) != nil {
      throw StoreError.alreadyExists(file: file.path, path: absolute)
    }
    try createMissingGroups(through: parentPath(of: absolute))
    try createSingleGroup(absolute, expectedChildren: expectedChildren)
    return try HDF5Group(openingAbsolute: absolute, in: file)
  }

  /// The group at `path`, created (with the groups on the way) if it does not exist yet.
  @discardableResult
  public func groupCreatingIfNeeded(_ path: String, expectedChildren: Int = 16) throws
    -> HDF5Group
  {
    let absolute = joinPath(self.path, path)
    return try kind(of: absolute) == nil
      ? try createGroup(absolute, expectedChildren: expectedChildren) : try group(absolute)
  }

  /// The existing dataset at `path`; throws `notFound`, or `wrongKind` if it is a group.
  public func dataset(_ path: String) throws -> HDF5Dataset {
    let absolute = joinPath(self.path, path)
    try requireKind(.dataset, at: absolute)
    return try HDF5Dataset(openingAbsolute: absolute, in: file)
  }

  /// Whether anything is stored at `path`.
  public func contains(_ path: String) throws -> Bool { try kind(of: path) != nil }

  /// What is stored at `path`: a group, a dataset, or nil when nothing is.
  public func kind(of path: String) throws -> NodeKind? {
    try file.requireOpen()
    let absolute = joinPath(self.path, path)
    let where_ = HDF5Location(file: file.path, path: absolute)
    if absolute == "/" { return .group }
    guard try linkExists(absolute) else { return nil }
    let object = try hdf5Check("opening the object", at: where_) {
      H5Oopen(file.id, absolute, HDF5Library.defaultList)
    }
    defer { H5Oclose(object) }
    switch H5Iget_type(object) {
    case H5I_GROUP: return .group
    case H5I_DATASET: return .dataset
    default: return .other
    }
  }

  /// Whether a link named `absolute` exists (even if the object it names cannot be read).
  func linkExists(_ absolute: String) throws -> Bool {
    let where_ = HDF5Location(file: file.path, path: absolute)
    // H5Lexists fails (rather than answering false) when a group on the way is missing, so
    // walk the path one link at a time.
    var prefix = ""
    for component in absolute.split(separator: "/") {
      prefix += "/" + component
      let exists = try hdf5Check("looking up the path", at: where_) {
        H5Lexists(file.id, prefix, HDF5Library.defaultList)
      }
      if exists == 0 { return false }
    }
    return true
  }

  /// The names of this group's direct children, in alphabetical order.
  public func childNames() throws -> [String] {
    try file.requireOpen()
    var info = H5G_info_t()
    try hdf5Check("listing the group", at: location) { H5Gget_info(id, &info) }
    return try (0..<info.nlinks).map { index in
      let size = try hdf5Check("reading a child's name", at: location) {
        H5Lget_name_by_idx(
          id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, HDF5Library.defaultList)
      }
      var buffer = [CChar](repeating: 0, count: Int(size) + 1)
      try hdf5Check("reading a child's name", at: location) {
        H5Lget_name_by_idx(
          id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
          HDF5Library.defaultList)
      }
      return string(fromNullTerminated: buffer)
    }
  }

  /// The paths, relative to this group, of every dataset below it (depth first, sorted).
  ///
  /// - Throws: `StoreError.hdf5` naming the group when a group links back to one enclosing it
  ///   (a cycle: HDF5 allows it, a crafted file may hold it; walking it overflowed the stack).
  public func datasetPaths() throws -> [String] {
    try datasetPaths(inside: [])
  }

  /// `datasetPaths()` for a group inside the groups at the addresses `enclosing`.
  private func datasetPaths(inside enclosing: Set<UInt64>) throws -> [String] {
    let address = try address()
    guard !enclosing.contains(address) else {
      throw StoreError.hdf5(
        file: file.path, path: path, operation: "listing the datasets",
        detail: "the group is a link back to a group enclosing it (a cycle)")
    }
    let enclosing = enclosing.union([address])
    var paths: [String] = []
    for name in try childNames() {
      switch try kind(of: name) {
      case .dataset: paths.append(name)
      case .group:
        paths += try group(name).datasetPaths(inside: enclosing).map { "\(name)/\($0)" }
      case .other, nil: break
      }
    }
    return paths
  }

  /// Unlinks the group or dataset at `path` (its space is not reclaimed until the file is
  /// rewritten), also when the object is unreadable (left half-written by a killed writer);
  /// throws `notFound` if nothing is there.
  public func remove(_ path: String) throws {
    let absolute = joinPath(self.path, path)
    try file.requireWritable(absolute)
    guard absolute != "/", try linkExists(absolute) else {
      throw StoreError.notFound(file: file.path, path: absolute)
    }
    try hdf5Check("removing the link", at: HDF5Location(file: file.path, path: absolute)) {
      H5Ldelete(file.id, absolute, HDF5Library.defaultList)
    }
  }

  /// Throws `notFound` or `wrongKind` unless `absolute` holds a `kind`.
  func requireKind(_ expected: NodeKind, at absolute: String) throws {
    guard let found = try kind(of: absolute) else {
      throw StoreError.notFound(file: file.path, path: absolute)
    }
    if found != expected {
      throw StoreError.wrongKind(
        file: file.path, path: absolute, expected: expected.withArticle, found: found.withArticle)
    }
  }

}
