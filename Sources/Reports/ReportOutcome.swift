import Foundation

/// What writing a report produced: the markdown file, the figures drawn, and what went wrong
/// without stopping it (no gnuplot, a figure gnuplot failed on, an unreadable store).
public struct ReportOutcome: Sendable {
  /// The markdown file.
  public var markdown: URL
  /// The folder of its figures (scripts, data and PNGs).
  public var figureFolder: URL
  /// The PNGs drawn, file names in the figure folder.
  public var figures: [String]
  /// One line per problem, each naming the file; empty when all went well.
  public var warnings: [String]

  /// Writes `text` to `markdown` atomically (a reader never sees half a notebook) and describes
  /// the notebook written: the end of every report.
  ///
  /// - Throws: `ReportError.unwritable` naming the file.
  static func write(
    _ text: String, to markdown: URL, figures: FigureSection, warnings: [String]
  ) throws(ReportError) -> ReportOutcome {
    do {
      try Data(text.utf8).write(to: markdown, options: .atomic)
    } catch {
      throw .unwritable(markdown.path, reason: error.localizedDescription)
    }
    return ReportOutcome(
      markdown: markdown, figureFolder: figures.writer.directory, figures: figures.drawn,
      warnings: warnings)
  }
}
