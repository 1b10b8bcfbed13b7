import Testing

@testable import Reports

/// The small pieces: markdown cells, legend labels of loss terms, sweep point spacing.
struct MarkdownTableTests {
  @Test func cellsEscapeBarsAndLineBreaks() {
    let table = MarkdownTable(header: ["a", "b"], rows: [["x|y", "two\nlines"], ["short"]])
    #expect(table.text == "| a | b |\n|---|---|\n| x\\|y | two lines |\n| short |  |\n")
  }

  @Test func termLabelsDropWhatEveryTermShares() {
    #expect(
      TrainingLossFigures.termLabels(["style/gram/relu1_1", "style/gram/relu2_1"])
        == ["relu1_1", "relu2_1"])
    #expect(
      TrainingLossFigures.termLabels(["style/gram/relu1_1", "content/content/relu4_2"])
        == ["style gram relu1_1", "content content relu4_2"])
    #expect(TrainingLossFigures.termLabels(["style/gram/relu1_1"]) == ["style/gram/relu1_1"])
  }

  @Test func dataValuesMarkWhatALogAxisCannotShow() {
    #expect(GnuplotScript.number(0.25) == "0.25")
    #expect(GnuplotScript.number(.nan) == "NaN")
    #expect(GnuplotScript.number(0, positive: true) == "NaN")
    #expect(GnuplotScript.number(nil) == "NaN")
    #expect(GnuplotScript.quoted("a \"b\"") == "\"a \\\"b\\\"\"")
  }
}
