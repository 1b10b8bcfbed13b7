import Foundation

/// A GitHub-flavoured markdown table: a header row, the separator, one line per row; `|` in a
/// cell is escaped and line breaks become spaces, so any text fits in a cell.
public struct MarkdownTable: Sendable {
  /// The column titles.
  public var header: [String]
  /// The rows, each with one cell per column (short rows are padded with empty cells).
  public var rows: [[String]]

  /// A table of `rows` under `header`.
  public init(header: [String], rows: [[String]]) {
    self.header = header
    self.rows = rows
  }

  /// The markdown text, ending with a newline.
  public var text: String {
    func line(_ cells: [String]) -> String {
      let padded = cells + Array(repeating: "", count: max(0, header.count - cells.count))
      return "| " + padded.map(Self.escaped).joined(separator: " | ") + " |"
    }
    let separator = "|" + Array(repeating: "---|", count: header.count).joined()
    return ([line(header), separator] + rows.map(line)).joined(separator: "\n") + "\n"
  }

  /// `cell` with `|` escaped and line breaks as spaces.
  static func escaped(_ cell: String) -> String {
    cell.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }
}
