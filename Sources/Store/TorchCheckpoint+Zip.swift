import Foundation

// The zip serialisation of `torch.save` (PyTorch >= 1.6), as `_save` writes it: one top folder
// `<name>/` holding `data.pkl` (the object; storages as persistent ids
// `('storage', torch.<Type>Storage, key, location, numel)`), `data/<key>` (each storage's raw
// bytes), `version`, and in recent versions `byteorder`, `.format_version`, `.storage_alignment`
// and `.data/serialization_id`.
extension TorchCheckpoint {
  /// The `<name>/data.pkl` entry of a torch.save archive, if the archive has exactly one.
  static func dataPickleName(in archive: ZipArchive) -> String? {
    let candidates = archive.entries.map(\.name).filter {
      $0.hasSuffix("/data.pkl")
        && $0.split(separator: "/", omittingEmptySubsequences: false).count == 2
    }
    return candidates.count == 1 ? candidates[0] : nil
  }

  /// Reads a torch.save zip archive: returns the unpickled object with storages attached.
  static func loadZip(_ archive: ZipArchive) throws -> PickleValue {
    let file = archive.file
    guard let pickleName = dataPickleName(in: archive),
      let pickleEntry = archive.entry(named: pickleName)
    else {
      let names = archive.entries.prefix(5).map(\.name).joined(separator: ", ")
      throw CheckpointError.unrecognisedFormat(
        file: file,
        found: "a zip archive without a single <name>/data.pkl (\(archive.entries.count) entries: "
          + "\(names)\(archive.entries.count > 5 ? ", ..." : ""))")
    }
    let folder = String(pickleName.dropLast("data.pkl".count))
    if let orderEntry = archive.entry(named: folder + "byteorder") {
      let order = String(decoding: try archive.contents(of: orderEntry), as: UTF8.self)
      guard order.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
        throw CheckpointError.content(
          file: file,
          message: "\(folder)byteorder says '\(order)'; only little-endian files are supported")
      }
    }
    let resolver = TorchPickleResolver()
    var machine = PickleMachine(
      bytes: Array(try archive.contents(of: pickleEntry)), file: "\(file):\(pickleName)",
      resolver: resolver)
    let root = try machine.load()
    for key in resolver.storageOrder {
      guard let storage = resolver.storages[key] else { continue }
      let name = "\(folder)data/\(key)"
      guard let entry = archive.entry(named: name) else {
        throw CheckpointError.content(
          file: file, message: "storage '\(key)' is used but the entry \(name) is missing")
      }
      let data = try archive.contents(of: entry)
      let expected = storage.elementCount * storage.dataType.byteWidth
      guard data.count == expected else {
        throw CheckpointError.content(
          file: file,
          message:
            "entry \(name) has \(data.count) bytes; \(storage.elementCount) × \(storage.dataType) "
            + "need \(expected)")
      }
      storage.data = data
    }
    return root
  }
}
