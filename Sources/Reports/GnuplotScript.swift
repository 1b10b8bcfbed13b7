import Foundation

/// What every report script shares: the terminal (pngcairo, sized and with a font legible at
/// the width a markdown viewer shows, about 900 pixels), the data conventions, and number and
/// string formatting.
enum GnuplotScript {
  /// The default canvas, pixels.
  static let width = 960
  /// The default canvas height, pixels.
  static let height = 600

  /// The lines every script starts with: a comment saying how to rerun it, then the terminal
  /// writing `name.png` (no enhanced text, so `relu1_1` prints as written), `NaN` as missing
  /// data, a light grid.
  static func header(
    _ figure: String, dataFile: String, width: Int = width, height: Int = height
  ) -> String {
    """
    # Made by `harness report` from the results on disk. Rerun from this folder to redraw
    # \(figure).png after restyling: gnuplot \(figure).gp   (reads \(dataFile))
    set encoding utf8
    set terminal pngcairo size \(width),\(height) font "DejaVu Sans,15" linewidth 1.5 noenhanced
    set output '\(figure).png'
    set datafile missing "NaN"
    set grid lc rgb "#d0d0d0"
    set key box opaque

    """
  }

  /// A value for a data file: `%.9g`, or `NaN` for a missing, non-finite value (and for a
  /// non-positive one when `positive`, so log scales skip it).
  static func number(_ value: Double?, positive: Bool = false) -> String {
    guard let value, value.isFinite, !positive || value > 0 else { return "NaN" }
    return String(format: "%.9g", value)
  }

  /// `text` as a gnuplot double-quoted string.
  static func quoted(_ text: String) -> String { quotedLines([text]) }

  /// `lines` as one gnuplot double-quoted string, joined by `\n` escapes (a multi-line label).
  static func quotedLines(_ lines: [String]) -> String {
    "\""
      + lines.map {
        $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      }.joined(separator: "\\n") + "\""
  }

  /// `text` as a string cell of a data file. gnuplot ends such a cell at the next `"` and knows no
  /// escapes there (unlike in a script), so inner double quotes become single ones.
  static func dataLabel(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\"", with: "'") + "\""
  }

  /// A number for a sentence: three significant digits (`3.29e-05`, `0.49`, `2.53e+03`).
  static func short(_ value: Double) -> String { String(format: "%.3g", value) }
}
