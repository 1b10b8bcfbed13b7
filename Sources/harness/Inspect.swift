import ArgumentParser
import Store

/// `harness inspect FILE.h5 [PATH]`: the tree of an HDF5 file with shapes, dtypes and attributes.
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Print the tree of an HDF5 file: groups, datasets with dtypes and shapes, attributes.",
    discussion: """
      Works on any HDF5 file: a run's store.h5, a checkpoint, the imported VGG-19 weights, the \
      PyTorch fixtures. Groups end in '/'; a dataset line reads

        name  dtype [shape]  chunks [c, ...] shuffle deflate(4)

      ('extendable' marks a dimension that grows, as in metric tables); an attribute line reads

        @name: dtype [shape] = value

      Long strings are cut at 100 characters and arrays at 8 values; --full prints them whole, \
      with multi-line strings (JSON configs) on their own lines. A file that a running job is \
      writing can be inspected: what you see is its state at the job's last flush.

      Examples:
        harness inspect results/ablation-K/20260101T000000Z-abc1234/store.h5
        harness inspect data/vgg19_normalised.h5 conv1_1
        harness inspect store.h5 / --full
      """)

  @Argument(help: "The HDF5 file to inspect.")
  var file: String

  @Argument(help: "A group or dataset inside the file to start from.")
  var path: String = "/"

  @Flag(help: "Show long attribute values in full instead of truncating them.")
  var full = false

  func run() throws {
    let store = try HDF5File.open(file)
    defer { try? store.close() }
    let root = try store.root
    var printer = TreePrinter(full: full)
    print(file)
    if store.recoveredInterruptedWrite {
      print("note: the last writer of this file was interrupted; showing what reached the disk")
    }
    switch try root.kind(of: path) {
    case .dataset:
      let dataset = try root.dataset(path)
      try printer.dataset(dataset, name: dataset.path, depth: 0)
    case .group:
      let group = try root.group(path)
      print(group.path == "/" ? "/" : group.path + "/")
      try printer.contents(of: group, depth: 1)
    case .other, nil:
      throw StoreError.notFound(file: file, path: path)
    }
    print(printer.lines.joined(separator: "\n"))
  }
}

/// Builds the indented lines of `harness inspect`.
struct TreePrinter {
  /// Whether long values are shown whole.
  var full: Bool
  /// The output so far.
  var lines: [String] = []

  private static let stringLimit = 100
  private static let arrayLimit = 8

  /// The attributes, then the children (groups end in `/`), of `group`, indented `depth` levels;
  /// `enclosing` holds the addresses of the groups it is inside, so that a link back to one of
  /// them (a cycle) is shown as such instead of walked forever.
  mutating func contents(of group: HDF5Group, depth: Int, enclosing: Set<UInt64> = []) throws {
    let enclosing = enclosing.union([try group.address()])
    try attributes(of: group, depth: depth)
    for name in try group.childNames() {
      // One damaged object (e.g. created by a job killed mid-flush) must not hide the rest.
      let linesBefore = lines.count
      do {
        switch try group.kind(of: name) {
        case .group:
          let child = try group.group(name)
          if enclosing.contains(try child.address()) {
            lines.append(indent(depth) + name + "/  (a link back to a group enclosing it)")
          } else {
            lines.append(indent(depth) + name + "/")
            try contents(of: child, depth: depth + 1, enclosing: enclosing)
          }
        case .dataset:
          try dataset(try group.dataset(name), name: name, depth: depth)
        case .other, nil:
          lines.append(indent(depth) + name + "  (other object)")
        }
      } catch {
        lines.removeSubrange(linesBefore...)
        lines.append(indent(depth) + name + "  (unreadable: \(error))")
      }
    }
  }

  /// One dataset line, then its attributes one level deeper.
  mutating func dataset(_ dataset: HDF5Dataset, name: String, depth: Int) throws {
    let info = try dataset.info()
    var line = "\(indent(depth))\(name)  \(info.elementType) \(info.shape)"
    if let chunk = info.chunkShape { line += "  chunks \(chunk)" }
    if info.maximumShape.contains(nil) {
      let dims = info.maximumShape.map { $0.map(String.init) ?? "extendable" }
      line += "  max [\(dims.joined(separator: ", "))]"
    }
    if !info.filters.isEmpty { line += "  " + info.filters.joined(separator: " ") }
    lines.append(line)
    try attributes(of: dataset, depth: depth + 1)
  }

  /// `@name: dtype [shape] = value` for each attribute of `object`.
  mutating func attributes(of object: HDF5Object, depth: Int) throws {
    for name in try object.attributeNames() {
      let info = try object.attributeInfo(name)
      let type = info.shape.rank == 0 ? "\(info.elementType)" : "\(info.elementType) \(info.shape)"
      let prefix = "\(indent(depth))@\(name): \(type)"
      guard info.elementType.isNumeric || info.elementType == .string else {
        lines.append(prefix + "  (value not shown)")
        continue
      }
      let value = try object.attribute(name)
      if full, case .string(let text) = value, text.contains("\n") {
        lines.append(prefix + " =")
        lines += text.split(separator: "\n", omittingEmptySubsequences: false).map {
          indent(depth + 1) + $0
        }
      } else {
        lines.append(prefix + " = " + shown(value))
      }
    }
  }

  /// The value as text, truncated unless `full`.
  func shown(_ value: AttributeValue) -> String {
    switch value {
    case .string(let text): return shown(text)
    case .strings(let texts): return list(texts.map(shown), noun: "strings")
    case .integer, .double: return value.description
    case .integers(let values): return list(values.map { "\($0)" }, noun: "values")
    case .doubles(let values): return list(values.map { "\($0)" }, noun: "values")
    }
  }

  private func shown(_ text: String) -> String {
    let quoted = AttributeValue.string(text).description
    guard !full, text.count > Self.stringLimit else { return quoted }
    let head = AttributeValue.string(String(text.prefix(Self.stringLimit))).description
    return "\(head.dropLast())…\" (\(text.count) characters)"
  }

  private func list(_ items: [String], noun: String) -> String {
    guard !full, items.count > Self.arrayLimit else {
      return "[" + items.joined(separator: ", ") + "]"
    }
    return "[" + items.prefix(Self.arrayLimit).joined(separator: ", ")
      + ", …] (\(items.count) \(noun))"
  }

  private func indent(_ depth: Int) -> String { String(repeating: "  ", count: depth) }
}
