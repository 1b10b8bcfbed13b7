// The legacy serialisation of `torch.save` (PyTorch < 1.6), as `_legacy_save` writes it:
//
//   pickle(magic number 0x1950a86a20f9469cfc6c)  pickle(protocol version 1001)
//   pickle(sys_info: {'protocol_version', 'little_endian', 'type_sizes'})
//   pickle(the object; storages as persistent ids)  pickle(list of storage keys)
//   for each key in that list: int64 element count, then the elements (raw, little-endian)
extension TorchCheckpoint {
  /// torch's magic number, 0x1950a86a20f9469cfc6c, as `LONG1` stores it (little-endian).
  static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
  /// The only legacy protocol version `torch.load` accepts.
  static let legacyProtocolVersion: Int64 = 1001

  /// Reads a legacy file: returns the unpickled object with every storage's bytes attached.
  static func loadLegacy(_ bytes: [UInt8], file: String) throws -> PickleValue {
    let resolver = TorchPickleResolver()
    var position = 0
    func nextPickle() throws -> PickleValue {
      var machine = PickleMachine(bytes: bytes, start: position, file: file, resolver: resolver)
      let value = try machine.load()
      position = machine.position
      return value
    }
    guard case .largeInteger(legacyMagic) = try nextPickle() else {
      throw CheckpointError.unrecognisedFormat(
        file: file,
        found: "a pickle that does not start with torch's magic number (not torch.save output)")
    }
    guard case .integer(let version) = try nextPickle(), version == legacyProtocolVersion else {
      throw CheckpointError.content(
        file: file, message: "legacy torch file with an unknown protocol version; expected 1001")
    }
    guard case .dictionary(let systemInfo) = try nextPickle() else {
      throw CheckpointError.content(
        file: file, message: "legacy torch file without its sys_info dict")
    }
    if case .bool(false) = systemInfo["little_endian"] {
      throw CheckpointError.content(
        file: file,
        message:
          "the file was saved on a big-endian machine; only little-endian files are supported")
    }
    let root = try nextPickle()
    guard let keyValues = try nextPickle().elements else {
      throw CheckpointError.content(
        file: file, message: "legacy torch file without its list of storage keys")
    }
    for (index, keyValue) in keyValues.enumerated() {
      guard let key = keyValue.string, let storage = resolver.storages[key] else {
        throw CheckpointError.content(
          file: file, message: "storage key \(keyValue.summary) is listed but no tensor uses it")
      }
      let label = "storage '\(key)' (\(index + 1) of \(keyValues.count))"
      guard bytes.count - position >= 8 else {
        throw CheckpointError.truncated(
          file: file, offset: bytes.count, expected: "the element count of \(label)")
      }
      let count = bytes[position..<position + 8].reversed().reduce(UInt64(0)) {
        $0 << 8 | UInt64($1)
      }
      position += 8
      guard count == UInt64(storage.elementCount) else {
        throw CheckpointError.content(
          file: file,
          message: "\(label) holds \(count) elements; the pickle says \(storage.elementCount)")
      }
      let length = storage.elementCount * storage.dataType.byteWidth
      guard bytes.count - position >= length else {
        throw CheckpointError.truncated(
          file: file, offset: bytes.count,
          expected: "the \(length) bytes of \(label) from byte \(position)")
      }
      storage.data = bytes[position..<position + length]
      position += length
    }
    if let missing = resolver.storageOrder.first(where: { resolver.storages[$0]?.data == nil }) {
      throw CheckpointError.content(
        file: file, message: "storage '\(missing)' is used but its data is not in the file")
    }
    guard position == bytes.count else {
      throw CheckpointError.content(
        file: file,
        message:
          "\(bytes.count - position) unexpected bytes after the last storage (byte \(position))")
    }
    return root
  }
}
