import Losses
import NN
import Testing

@Suite struct FeatureLossTermArgumentsTests {
  @Test func gramTakesTheCommandsNormalizationUnlessItsOptionsSayOtherwise() throws {
    let plain = try FeatureLossTerm(
      kind: "gram", optionsJSON: nil, layers: [.relu1_1, .relu2_1], weight: 2, target: .style,
      gramNormalization: .hw)
    #expect(plain.kind == "gram")
    #expect(plain.layers == [.relu1_1, .relu2_1])
    #expect(plain.weight == 2)
    #expect(plain.target == .style)
    #expect((plain.loss as? GramLoss)?.options.normalization == .hw)
    let explicit = try FeatureLossTerm(
      kind: "gram", optionsJSON: #"{"normalization": "gatys"}"#, layers: [.relu1_1], weight: 1,
      target: .style, gramNormalization: .hw)
    #expect((explicit.loss as? GramLoss)?.options.normalization == .gatys)
  }

  @Test func contentTermTargetsTheContent() throws {
    let term = try FeatureLossTerm(
      kind: "content", optionsJSON: nil, layers: [.relu4_2], weight: 0.5, target: .content)
    #expect(term.loss is ContentLoss)
    #expect(term.target == .content)
  }

  @Test(
    arguments: [
      ("gramm", nil, #""gramm" is not a feature loss; did you mean "gram"?"#),
      ("gram", "[1, 2]", "options of the gram loss: '[1, 2]' is not a JSON object"),
      (
        "gram", #"{"weight": 3}"#,
        "options of the gram loss: weight are set by the command's own options"
      ),
      (
        "gram", #"{"normalisation": "hw"}"#,
        "options of the gram loss: unknown normalisation (it has: normalization)"
      ),
      ("content", #"{"scale": 2}"#, "options of the content loss: unknown scale (it has none)"),
      ("gram", #"{"normalization": "cwh"}"#, "options of the gram loss: normalization: "),
    ] as [(String, String?, String)])
  func badLossesAreExplained(_ c: (kind: String, options: String?, message: String)) {
    do {
      _ = try FeatureLossTerm(
        kind: c.kind, optionsJSON: c.options, layers: [.relu1_1], weight: 1, target: .style)
      Issue.record("\(c.kind) \(c.options ?? "") was accepted")
    } catch {
      #expect(error.description.hasPrefix(c.message), "\(error)")
    }
  }
}
