import Testing

@testable import Store

/// Pickle opcodes as bytes, for writing small streams by hand (names as in `pickletools`).
enum PickleBytes {
  static func proto(_ version: UInt8) -> [UInt8] { [0x80, version] }
  static func int1(_ value: UInt8) -> [UInt8] { [0x4B, value] }
  static func int2(_ value: UInt16) -> [UInt8] { [0x4D] + littleEndian(UInt64(value), 2) }
  static func binInt(_ value: Int32) -> [UInt8] {
    [0x4A] + littleEndian(UInt64(UInt32(bitPattern: value)), 4)
  }
  static func long1(_ bytes: [UInt8]) -> [UInt8] { [0x8A, UInt8(bytes.count)] + bytes }
  static func binFloat(_ value: Double) -> [UInt8] {
    [0x47] + littleEndian(value.bitPattern, 8).reversed()
  }
  static func unicode(_ text: String) -> [UInt8] {
    [0x58] + littleEndian(UInt64(text.utf8.count), 4) + Array(text.utf8)
  }
  static func shortUnicode(_ text: String) -> [UInt8] {
    [0x8C, UInt8(text.utf8.count)] + Array(text.utf8)
  }
  static func shortBinString(_ text: String) -> [UInt8] {
    [0x55, UInt8(text.utf8.count)] + Array(text.utf8)
  }
  static func global(_ module: String, _ name: String) -> [UInt8] {
    [0x63] + Array("\(module)\n\(name)\n".utf8)
  }
  static func binPut(_ index: UInt8) -> [UInt8] { [0x71, index] }
  static func binGet(_ index: UInt8) -> [UInt8] { [0x68, index] }
  static func longBinPut(_ index: UInt32) -> [UInt8] { [0x72] + littleEndian(UInt64(index), 4) }
  static func longBinGet(_ index: UInt32) -> [UInt8] { [0x6A] + littleEndian(UInt64(index), 4) }
  static func frame(_ length: UInt64) -> [UInt8] { [0x95] + littleEndian(length, 8) }
  static let mark: [UInt8] = [0x28]
  static let stop: [UInt8] = [0x2E]
  static let none: [UInt8] = [0x4E]
  static let newTrue: [UInt8] = [0x88]
  static let newFalse: [UInt8] = [0x89]
  static let emptyDict: [UInt8] = [0x7D]
  static let emptyList: [UInt8] = [0x5D]
  static let emptyTuple: [UInt8] = [0x29]
  static let tuple: [UInt8] = [0x74]
  static let tuple1: [UInt8] = [0x85]
  static let tuple2: [UInt8] = [0x86]
  static let tuple3: [UInt8] = [0x87]
  static let setItem: [UInt8] = [0x73]
  static let setItems: [UInt8] = [0x75]
  static let append: [UInt8] = [0x61]
  static let appends: [UInt8] = [0x65]
  static let reduce: [UInt8] = [0x52]
  static let build: [UInt8] = [0x62]
  static let binPersistentId: [UInt8] = [0x51]
  static let memoize: [UInt8] = [0x94]
  static let stackGlobal: [UInt8] = [0x93]

  static func littleEndian(_ value: UInt64, _ width: Int) -> [UInt8] {
    (0..<width).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
  }
}

/// Runs `parts` (concatenated) through the pickle machine with torch's resolver.
func unpickle(_ parts: [[UInt8]]) throws -> PickleValue {
  var machine = PickleMachine(
    bytes: parts.flatMap { $0 }, file: "test.pkl", resolver: TorchPickleResolver())
  return try machine.load()
}

/// The error `body` throws, as a `CheckpointError` (nil when it throws nothing or something else).
func checkpointError<R>(_ body: () throws -> R) -> CheckpointError? {
  do {
    _ = try body()
    return nil
  } catch {
    return error as? CheckpointError
  }
}

private typealias P = PickleBytes

@Suite struct PickleMachineTests {
  @Test func scalarsListsTuplesAndDicts() throws {
    let value = try unpickle([
      P.proto(2), P.emptyDict, P.binPut(0), P.mark,
      P.unicode("ints"), P.emptyList, P.binPut(1), P.mark,
      P.int1(7), P.int2(40_000), P.binInt(-5), P.long1([0x00, 0x01]), P.long1([0xFF]), P.long1([]),
      P.appends,
      P.shortUnicode("float"), P.binFloat(-2.5),
      P.shortBinString("flags"), P.newTrue, P.newFalse, P.none, P.tuple3,
      P.unicode("pair"), P.unicode("é"), P.emptyTuple, P.tuple2,
      P.setItems,
      P.unicode("again"), P.binGet(1), P.setItem,
      P.stop,
    ])
    guard case .dictionary(let dictionary) = value else {
      Issue.record("expected a dict, got \(value.summary)")
      return
    }
    #expect(
      dictionary.entries.map { $0.key.string } == ["ints", "float", "flags", "pair", "again"])
    #expect(dictionary["ints"]?.elements?.compactMap(\.integer) == [7, 40_000, -5, 256, -1, 0])
    guard case .float(let number) = dictionary["float"] else {
      Issue.record("float missing")
      return
    }
    #expect(number == -2.5)
    #expect(dictionary["flags"]?.elements?.map(\.summary) == ["True", "False", "None"])
    #expect(dictionary["pair"]?.elements?.first?.string == "é")
    // BINGET returns the memoised list itself, filled by the later APPENDS.
    #expect(dictionary["again"]?.elements?.count == 6)
  }

  @Test func largeIntegerKeepsItsBytes() throws {
    let magic = TorchCheckpoint.legacyMagic
    let value = try unpickle([P.proto(2), P.long1(magic), P.stop])
    guard case .largeInteger(let bytes) = value else {
      Issue.record("got \(value.summary)")
      return
    }
    #expect(bytes == magic)
  }

  @Test func protocolFourOpcodes() throws {
    let value = try unpickle([
      P.proto(4), P.frame(40), P.shortUnicode("collections"), P.memoize,
      P.shortUnicode("OrderedDict"),
      P.memoize, P.stackGlobal, P.memoize, P.emptyTuple, P.reduce, P.memoize,
      P.shortUnicode("k"), P.memoize, P.int1(3), P.setItem, P.stop,
    ])
    guard case .dictionary(let dictionary) = value else {
      Issue.record("got \(value.summary)")
      return
    }
    #expect(dictionary["k"]?.integer == 3)
  }

  @Test func longMemoIndices() throws {
    let value = try unpickle([
      P.proto(2), P.unicode("x"), P.longBinPut(70_000), P.longBinGet(70_000), P.tuple2, P.stop,
    ])
    #expect(value.elements?.compactMap(\.string) == ["x", "x"])
  }

  @Test func orderedDictFromPairsAndBuildMetadata() throws {
    let value = try unpickle([
      P.proto(2), P.global("collections", "OrderedDict"), P.binPut(0),
      P.emptyList, P.unicode("a"), P.int1(1), P.tuple2, P.append, P.tuple1, P.reduce,
      P.emptyDict, P.unicode("_metadata"), P.binGet(0), P.emptyTuple, P.reduce, P.setItem, P.build,
      P.stop,
    ])
    guard case .dictionary(let dictionary) = value else {
      Issue.record("got \(value.summary)")
      return
    }
    #expect(dictionary["a"]?.integer == 1)
    #expect(dictionary.attributes["_metadata"] != nil)
  }

  /// Malformed or hostile streams: each gives a `CheckpointError` whose text names the problem.
  @Test(
    arguments: [
      ("unknown opcode", [[0xFF]], "unknown opcode byte 0xff"),
      (
        "NEWOBJ",
        [P.proto(2), P.global("collections", "OrderedDict"), P.emptyTuple, [0x81], P.stop], "NEWOBJ"
      ),
      ("EMPTY_SET", [P.proto(4), [0x8F], P.stop], "EMPTY_SET"),
      ("os.system", [P.proto(2), P.global("os", "system"), P.stop], "unexpected global os.system"),
      (
        "builtins.eval",
        [P.proto(4), P.shortUnicode("builtins"), P.shortUnicode("eval"), P.stackGlobal, P.stop],
        "builtins.eval"
      ),
      ("a whole module", [P.proto(2), P.global("__main__", "Net"), P.stop], "state_dict()"),
      ("empty stop", [P.proto(2), P.stop], "STOP with an empty stack"),
      ("open mark at stop", [P.proto(2), P.mark, P.int1(1), P.stop], "open MARK"),
      ("missing memo", [P.proto(2), P.binGet(9), P.stop], "memo entry 9"),
      (
        "odd setitems", [P.proto(2), P.emptyDict, P.mark, P.int1(1), P.setItems, P.stop],
        "odd number"
      ),
      ("append to dict", [P.proto(2), P.emptyDict, P.int1(1), P.append, P.stop], "APPEND on dict"),
      ("pop below mark", [P.proto(2), P.int1(1), P.mark, P.tuple1, P.stop], "TUPLE1 needs 1"),
      ("tuple without mark", [P.proto(2), P.tuple, P.stop], "no MARK"),
      (
        "reduce non-tuple",
        [P.proto(2), P.global("collections", "OrderedDict"), P.int1(1), P.reduce, P.stop],
        "must be a tuple"
      ),
      (
        "call a storage type",
        [P.proto(2), P.global("torch", "FloatStorage"), P.emptyTuple, P.reduce, P.stop],
        "names a type"
      ),
      (
        "persistent id not storage",
        [P.proto(2), P.unicode("module"), P.tuple1, P.binPersistentId, P.stop], "not a storage"
      ),
      (
        "bad storage id",
        [
          P.proto(2), P.mark, P.unicode("storage"), P.unicode("x"), P.tuple, P.binPersistentId,
          P.stop,
        ], "malformed storage id"
      ),
      ("protocol 6", [P.proto(6), P.stop], "protocol 6"),
      ("invalid utf-8", [P.proto(2), [0x8C, 1, 0xFF], P.stop], "invalid UTF-8"),
    ] as [(String, [[UInt8]], String)])
  func malformedStreamsAreRejected(name: String, parts: [[UInt8]], expected: String) {
    let error = checkpointError { try unpickle(parts) }
    guard case .pickle(let file, _, let message)? = error else {
      Issue.record("\(name): expected a pickle error, got \(String(describing: error))")
      return
    }
    #expect(file == "test.pkl")
    #expect(message.contains(expected), "\(name): \(message)")
  }

  /// Streams cut short: the error says the file is truncated and what was being read.
  @Test(
    arguments: [
      [P.proto(2), Array(P.unicode("abcdef").dropLast(3))],
      [P.proto(2), Array(P.binInt(5).dropLast(1))],
      [P.proto(2), Array(P.global("collections", "OrderedDict").dropLast(1))],
      [P.proto(2), P.emptyDict],
      [[0x80]],
      [P.proto(2), [0x8A, 9, 1, 2]],
    ] as [[[UInt8]]])
  func truncatedStreams(parts: [[UInt8]]) {
    let error = checkpointError { try unpickle(parts) }
    guard case .truncated(let file, let offset, _)? = error else {
      Issue.record("expected truncated, got \(String(describing: error))")
      return
    }
    #expect(file == "test.pkl")
    #expect(offset == parts.joined().count)
  }

  @Test func errorTextNamesFileOffsetAndGlobal() {
    let error = checkpointError { try unpickle([P.proto(2), P.global("os", "system"), P.stop]) }
    let text = error.map(String.init(describing:)) ?? ""
    #expect(text.hasPrefix("test.pkl: pickle at byte 2: unexpected global os.system"))
  }
}
