@preconcurrency import CHDF5

/// How the store lays objects out in the file, chosen for crash safety.
///
/// Files are written in the HDF5 1.8 format (superblock 2, object headers 2 with checksums,
/// links and attributes stored inside their object's header), which h5py and every HDF5 since
/// 1.8 read. A group's header is sized when the group is created for `expectedChildren` links,
/// so adding a child to a group that is already on disk rewrites that header in place, in one
/// write: a kill at any moment leaves the old header or the new one. (HDF5's 1.6 format would
/// grow a separate name heap and split symbol-table nodes instead, and a kill between those
/// writes can make a whole group, even the root, unreadable.)
enum HDF5Layout {
  /// Links the root group holds in place.
  static let rootChildren = 32
  /// Links a group holds in place unless the caller expects more.
  static let defaultChildren = 16
  /// Attributes an object keeps in its header before HDF5 would move them to separate storage.
  static let compactAttributes: UInt32 = 64
  /// The name length assumed when sizing a group's header.
  static let typicalNameLength: UInt32 = 24

  /// Sets the 1.8 format on file-access list `access` (for files the store writes).
  static func setFormat(on access: hid_t, at location: HDF5Location) throws {
    try hdf5Check("choosing the HDF5 1.8 file format", at: location) {
      H5Pset_libver_bounds(access, H5F_LIBVER_V18, H5F_LIBVER_V18)
    }
  }

  /// Sizes the group (or root group) described by creation list `list` for `children` links
  /// kept in its header, and lets attributes stay in the header.
  static func sizeGroup(_ list: hid_t, children: Int, at location: HDF5Location) throws {
    let count = UInt32(max(1, min(children, 65_535)))
    try hdf5Check("sizing the group's header", at: location) {
      H5Pset_est_link_info(list, count, typicalNameLength)
    }
    try hdf5Check("keeping links in the group's header", at: location) {
      H5Pset_link_phase_change(list, max(count, 8), max(count * 3 / 4, 6))
    }
    try keepAttributesCompact(list, at: location)
  }

  /// Keeps up to `compactAttributes` attributes in the header of objects made with `list`.
  static func keepAttributesCompact(_ list: hid_t, at location: HDF5Location) throws {
    try hdf5Check("keeping attributes in the header", at: location) {
      H5Pset_attr_phase_change(list, compactAttributes, compactAttributes * 3 / 4)
    }
  }
}

extension HDF5Group {
  /// Creates the group at `absolute` (whose parent exists) sized for `expectedChildren` links.
  func createSingleGroup(_ absolute: String, expectedChildren: Int) throws {
    let where_ = HDF5Location(file: file.path, path: absolute)
    let creation = try hdf5Check("creating a group-creation list", at: where_) {
      H5Pcreate(chdf5_p_group_create())
    }
    defer { H5Pclose(creation) }
    try HDF5Layout.sizeGroup(creation, children: expectedChildren, at: where_)
    let id = try hdf5Check("creating the group", at: where_) {
      H5Gcreate2(file.id, absolute, HDF5Library.defaultList, creation, HDF5Library.defaultList)
    }
    H5Gclose(id)
  }

  /// Creates every missing group on the way to `absolute` (itself included), with the default
  /// size; throws `wrongKind` if a dataset is in the way.
  func createMissingGroups(through absolute: String) throws {
    var prefix = ""
    for component in absolute.split(separator: "/") {
      prefix += "/" + component
      switch try kind(of: prefix) {
      case .group: continue
      case nil: try createSingleGroup(prefix, expectedChildren: HDF5Layout.defaultChildren)
      case .some(let found):
        throw StoreError.wrongKind(
          file: file.path, path: prefix, expected: "a group", found: found.withArticle)
      }
    }
  }

  /// The absolute path of the group holding `absolute` (`/` for top-level paths).
  func parentPath(of absolute: String) -> String {
    let parts = absolute.split(separator: "/").dropLast()
    return "/" + parts.joined(separator: "/")
  }
}
