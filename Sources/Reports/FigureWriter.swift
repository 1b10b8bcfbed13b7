import Foundation
import Store

/// Writes figures into a report's folder: the data and the script always (so they can be run
/// later), then the PNG with gnuplot when there is one. A figure that gnuplot fails to draw is
/// reported, not thrown: the markdown says so in its place.
struct FigureWriter {
  /// The report's figure folder (`notebooks-md/<experiment>/`).
  let directory: URL
  /// The gnuplot to draw with, or why there is none.
  let gnuplot: Result<Gnuplot, GnuplotUnavailable>
  /// One line per figure that could not be drawn.
  private(set) var problems: [String] = []

  init(directory: URL, gnuplot: Result<Gnuplot, GnuplotUnavailable>) {
    self.directory = directory
    self.gnuplot = gnuplot
  }

  /// Empties the folder of what an earlier report left (its `.png`, `.gp` and `.dat` files;
  /// nothing else is touched) or creates it.
  func prepare() throws(ReportError) {
    let manager = FileManager.default
    do {
      try manager.createDirectory(at: directory, withIntermediateDirectories: true)
      for name in try manager.contentsOfDirectory(atPath: directory.path)
      where [".png", ".gp", ".dat"].contains(where: name.hasSuffix) {
        try manager.removeItem(at: directory.appendingPathComponent(name))
      }
    } catch {
      throw .unwritable(directory.path, reason: error.localizedDescription)
    }
  }

  /// Writes `figure`'s data and script and draws it; true when its PNG is there.
  mutating func write(_ figure: Figure) throws(ReportError) -> Bool {
    let dataURL = directory.appendingPathComponent(figure.dataFile)
    do {
      switch figure.data {
      case .table(let text):
        try Data(text.utf8).write(to: dataURL, options: .atomic)
      case .image(let image):
        try writePNG(image, path: dataURL.path)
      }
      try Data(figure.script.utf8).write(
        to: directory.appendingPathComponent(figure.scriptFile), options: .atomic)
    } catch {
      throw .unwritable(dataURL.path, reason: "\(error)")
    }
    guard case .success(let gnuplot) = gnuplot else { return false }
    if let problem = gnuplot.run(script: figure.scriptFile, in: directory) {
      problems.append("\(directory.appendingPathComponent(figure.scriptFile).path): \(problem)")
      return false
    }
    let drawn = FileManager.default.fileExists(
      atPath: directory.appendingPathComponent(figure.imageFile).path)
    if !drawn {
      problems.append(
        "\(directory.appendingPathComponent(figure.scriptFile).path): gnuplot wrote no \(figure.imageFile)"
      )
    }
    return drawn
  }
}
