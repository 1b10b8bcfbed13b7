import TensorCore

/// One figure of a report: a gnuplot script and the data it plots, written side by side in the
/// report's folder (`NAME.gp`, `NAME.dat`, or `NAME-images.png` for a montage), and the PNG the
/// script draws there (`NAME.png`), so a reader can restyle and rerun it:
/// `cd notebooks-md/<experiment> && gnuplot NAME.gp`.
public struct Figure: Sendable {
  /// What the script reads.
  public enum Content: Sendable {
    /// Whitespace-separated columns, `NAME.dat` (comment lines start with `#`; blocks for
    /// gnuplot's `index` are separated by two blank lines).
    case table(String)
    /// An image `[1, 3, H, W]` in [0, 1], `NAME-images.png`, drawn with `with rgbimage`.
    case image(Tensor)
  }

  /// The file stem (`training-total`, `gatys-levels=5`).
  public var name: String
  /// The data the script reads.
  public var data: Content
  /// The gnuplot script (reads the data file, writes `NAME.png`).
  public var script: String
  /// One sentence saying what the figure shows (with its numbers).
  public var caption: String
  /// The image's alternative text (short).
  public var title: String

  /// A figure with every field given.
  public init(name: String, data: Content, script: String, caption: String, title: String) {
    self.name = name
    self.data = data
    self.script = script
    self.caption = caption
    self.title = title
  }

  /// The data file's name.
  public var dataFile: String {
    switch data {
    case .table: return "\(name).dat"
    case .image: return "\(name)-images.png"
    }
  }

  /// The script's name.
  public var scriptFile: String { "\(name).gp" }

  /// The PNG's name.
  public var imageFile: String { "\(name).png" }
}
