import Foundation

/// Collects a report's figures as they are written: numbers them, links each drawn PNG with
/// its sentence, script and data, and says in place of one that could not be drawn why not.
struct FigureSection {
  /// The writer (figure folder and gnuplot).
  var writer: FigureWriter
  /// The figure folder's path relative to the markdown file.
  let link: String
  /// The markdown so far.
  private(set) var text = ""
  /// The PNGs drawn.
  private(set) var drawn: [String] = []
  private var number = 0

  init(writer: FigureWriter, link: String) {
    self.writer = writer
    self.link = link
  }

  /// Appends markdown text (a heading, a paragraph).
  mutating func append(_ markdown: String) { text += markdown }

  /// Writes `figure` and appends it (or, not drawn, its sentence and where its script is).
  mutating func add(_ figure: Figure?) throws(ReportError) {
    guard let figure else { return }
    number += 1
    let files =
      "script [`\(figure.scriptFile)`](\(link)/\(figure.scriptFile)), data [`\(figure.dataFile)`](\(link)/\(figure.dataFile))"
    if try writer.write(figure) {
      drawn.append(figure.imageFile)
      text += "![\(figure.title)](\(link)/\(figure.imageFile))\n\n"
      text += "*Figure \(number).* \(figure.caption) (\(files))\n\n"
    } else {
      text += "*Figure \(number), not drawn.* \(figure.caption) (\(files))\n\n"
    }
  }
}
