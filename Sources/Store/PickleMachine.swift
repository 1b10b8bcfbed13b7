/// Executes one pickle stream: the opcode subset that `torch.save` writes (protocols 2 and 4).
///
/// Globals, `REDUCE`, `BUILD` and persistent ids go through a `PickleResolver`, which whitelists
/// what may be built, so no arbitrary object can be constructed. Several pickles may follow each
/// other in one buffer (the legacy torch format): `position` is left just after `STOP`.
/// - Reference: CPython `Lib/pickle.py` (`_Unpickler`) and `Lib/pickletools.py`.
struct PickleMachine {
  /// The byte just after the last executed opcode.
  private(set) var position: Int
  /// The buffer being read.
  let byteBuffer: [UInt8]
  /// The source named in errors.
  let fileName: String
  private let resolver: any PickleResolver
  private var stack: [PickleValue] = []
  private var marks: [Int] = []
  private var memo: [Int: PickleValue] = [:]

  /// A machine that reads `bytes` from `start`; `file` names the source in errors.
  init(bytes: [UInt8], start: Int = 0, file: String, resolver: any PickleResolver) {
    self.byteBuffer = bytes
    self.position = start
    self.fileName = file
    self.resolver = resolver
  }

  /// Runs to `STOP` and returns the value on top of the stack.
  mutating func load() throws -> PickleValue {
    while true {
      let opcodeOffset = position
      do {
        let code = try readByte(for: "a pickle opcode")
        guard let opcode = PickleOpcode(rawValue: code) else {
          throw PickleFailure(
            "unknown opcode byte 0x\(String(code, radix: 16)); not a pickle stream")
        }
        if opcode == .stop {
          guard marks.isEmpty, let result = stack.last else {
            throw PickleFailure("STOP with \(stack.isEmpty ? "an empty stack" : "an open MARK")")
          }
          return result
        }
        try execute(opcode)
      } catch let failure as PickleFailure {
        throw CheckpointError.pickle(file: fileName, offset: opcodeOffset, message: failure.message)
      }
    }
  }

  /// The size of the buffer.
  var byteCount: Int { byteBuffer.count }

  /// The bytes after `position`.
  var bytesRemaining: Int { byteBuffer.count - position }

  /// Moves past `count` consumed bytes.
  mutating func advance(by count: Int) { position += count }

  // MARK: - Executing one opcode

  private mutating func execute(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .proto:
      let version = try readByte(for: "the PROTO version")
      guard version <= 5 else { throw PickleFailure("pickle protocol \(version) is newer than 5") }
    case .frame: _ = try readInteger(8, for: "the FRAME length")
    case .mark: marks.append(stack.count)
    case .pop: _ = try pop()
    case .popMark: _ = try popToMark()
    case .dup: stack.append(try top())
    case .none: stack.append(.none)
    case .newTrue: stack.append(.bool(true))
    case .newFalse: stack.append(.bool(false))
    case .binInt: stack.append(.integer(Int64(Int32(truncatingIfNeeded: try readInteger(4)))))
    case .binInt1: stack.append(.integer(Int64(try readInteger(1))))
    case .binInt2: stack.append(.integer(Int64(try readInteger(2))))
    case .long1: stack.append(try readLong(lengthBytes: 1))
    case .long4: stack.append(try readLong(lengthBytes: 4))
    case .binFloat:
      let bits = try readBytes(8, for: "a BINFLOAT").reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      stack.append(.float(Double(bitPattern: bits)))
    case .shortBinUnicode, .binUnicode, .binUnicode8:
      let data = try readCounted(
        opcode, lengthBytes: opcode == .shortBinUnicode ? 1 : opcode == .binUnicode ? 4 : 8)
      guard let text = String(validating: data, as: UTF8.self) else {
        throw PickleFailure("\(opcode.pythonName) holds invalid UTF-8")
      }
      stack.append(.string(text))
    case .shortBinString, .binString:
      // Python 2 `str`: bytes; torch files from Python 2 use it for keys. ASCII in practice.
      let data = try readCounted(opcode, lengthBytes: opcode == .shortBinString ? 1 : 4)
      stack.append(
        .string(
          String(validating: data, as: UTF8.self)
            ?? String(data.map { Character(Unicode.Scalar($0)) })))
    case .shortBinBytes, .binBytes, .binBytes8:
      let lengthBytes = opcode == .shortBinBytes ? 1 : opcode == .binBytes ? 4 : 8
      stack.append(.bytes(try readCounted(opcode, lengthBytes: lengthBytes)))
    case .emptyTuple: stack.append(.tuple([]))
    case .tuple1, .tuple2, .tuple3:
      let count = opcode == .tuple1 ? 1 : opcode == .tuple2 ? 2 : 3
      guard stack.count - (marks.last ?? 0) >= count else {
        throw PickleFailure("\(opcode.pythonName) needs \(count) values on the stack")
      }
      let items = Array(stack.suffix(count))
      stack.removeLast(count)
      stack.append(.tuple(items))
    case .tuple: stack.append(.tuple(try popToMark()))
    case .emptyList: stack.append(.list(PickleList()))
    case .list: stack.append(.list(PickleList(try popToMark())))
    case .emptyDict: stack.append(.dictionary(PickleDictionary()))
    case .dict:
      let dictionary = PickleDictionary()
      try setPairs(try popToMark(), into: dictionary)
      stack.append(.dictionary(dictionary))
    case .append:
      let value = try pop()
      try targetList(for: opcode).items.append(value)
    case .appends:
      let values = try popToMark()
      try targetList(for: opcode).items.append(contentsOf: values)
    case .setItem:
      let value = try pop()
      let key = try pop()
      try targetDictionary(for: opcode).set(key, value)
    case .setItems:
      let pairs = try popToMark()
      try setPairs(pairs, into: try targetDictionary(for: opcode))
    case .global:
      let module = try readLine(for: "the GLOBAL module")
      let name = try readLine(for: "the GLOBAL name")
      stack.append(try resolver.resolveGlobal(module: module, name: name))
    case .stackGlobal:
      let name = try pop()
      let module = try pop()
      guard let moduleText = module.string, let nameText = name.string else {
        throw PickleFailure(
          "STACK_GLOBAL needs two strings, got \(module.summary) and \(name.summary)")
      }
      stack.append(try resolver.resolveGlobal(module: moduleText, name: nameText))
    case .reduce:
      let arguments = try pop()
      let callable = try pop()
      guard case .tuple(let items) = arguments else {
        throw PickleFailure("REDUCE arguments must be a tuple, got \(arguments.summary)")
      }
      stack.append(try resolver.reduce(callable, arguments: items))
    case .build:
      let state = try pop()
      try resolver.build(try top(), state: state)
    case .binPersistentId:
      stack.append(try resolver.persistentLoad(try pop()))
    case .binPut: memo[Int(try readInteger(1))] = try top()
    case .longBinPut: memo[Int(try readInteger(4))] = try top()
    case .memoize: memo[memo.count] = try top()
    case .put: memo[try readDecimalLine(for: opcode)] = try top()
    case .binGet: stack.append(try memoValue(Int(try readInteger(1))))
    case .longBinGet: stack.append(try memoValue(Int(try readInteger(4))))
    case .get: stack.append(try memoValue(try readDecimalLine(for: opcode)))
    default:
      throw PickleFailure(
        "opcode \(opcode.pythonName) (0x\(String(opcode.rawValue, radix: 16))) is not used by "
          + "torch checkpoints and is not supported")
    }
  }

  // MARK: - Stack helpers

  private mutating func pop() throws -> PickleValue {
    guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
      throw PickleFailure("stack underflow (a value was needed above the last MARK)")
    }
    return value
  }

  private func top() throws -> PickleValue {
    guard stack.count > (marks.last ?? 0), let value = stack.last else {
      throw PickleFailure("stack underflow (a value was needed above the last MARK)")
    }
    return value
  }

  private mutating func popToMark() throws -> [PickleValue] {
    guard let mark = marks.popLast() else { throw PickleFailure("no MARK to pop to") }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  private func targetList(for opcode: PickleOpcode) throws -> PickleList {
    guard case .list(let list) = try top() else {
      throw PickleFailure("\(opcode.pythonName) on \(try top().summary), not a list")
    }
    return list
  }

  private func targetDictionary(for opcode: PickleOpcode) throws -> PickleDictionary {
    guard case .dictionary(let dictionary) = try top() else {
      throw PickleFailure("\(opcode.pythonName) on \(try top().summary), not a dict")
    }
    return dictionary
  }

  private func setPairs(_ items: [PickleValue], into dictionary: PickleDictionary) throws {
    guard items.count.isMultiple(of: 2) else {
      throw PickleFailure("an odd number of values (\(items.count)) for dict keys and values")
    }
    for index in stride(from: 0, to: items.count, by: 2) {
      dictionary.set(items[index], items[index + 1])
    }
  }

  private func memoValue(_ index: Int) throws -> PickleValue {
    guard let value = memo[index] else {
      throw PickleFailure("memo entry \(index) was never stored")
    }
    return value
  }
}
