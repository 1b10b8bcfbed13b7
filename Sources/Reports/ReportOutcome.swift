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
}
